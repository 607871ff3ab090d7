"""Which events a filter selects: section/name globs and registries (pure).

Shared by webhook endpoints, e-mail rules and user handlers so that a pattern means the
same thing everywhere: shell-style globs (``fnmatch``, case-sensitive) over the
preference identifier (``section__name``, or the bare name of a section-less preference).
An empty filter selects everything.
"""

from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import Any

from hub.kinds import PREFERENCE_KINDS


def identifier_matches(patterns: Iterable[str], identifier: str) -> bool:
    """True when ``identifier`` matches one of ``patterns`` (or ``patterns`` is empty)."""
    patterns = list(patterns)
    return not patterns or any(fnmatchcase(identifier, pattern) for pattern in patterns)


def registry_matches(registries: Iterable[str], registry: str) -> bool:
    """True when ``registry`` is one of ``registries`` (or ``registries`` is empty)."""
    registries = list(registries)
    return not registries or registry in registries


def event_matches(
    *, patterns: Iterable[str], registries: Iterable[str], identifier: str, registry: str
) -> bool:
    """True when an event with this identifier and registry passes both filters."""
    return identifier_matches(patterns, identifier) and registry_matches(registries, registry)


def subscription_matches(
    event: Any,
    *,
    kinds: Iterable[str],
    patterns: Iterable[str],
    registries: Iterable[str],
) -> bool:
    """True when a subscriber (handler, endpoint) wants ``event``.

    The kind comes first (empty ``kinds``: every kind); identifier globs and registries
    filter preference changes only, since hub notices have neither.
    """
    kinds = list(kinds)
    if kinds and event.kind not in kinds:
        return False
    if event.kind not in PREFERENCE_KINDS:
        return True
    return event_matches(
        patterns=patterns,
        registries=registries,
        identifier=event.identifier,
        registry=event.registry,
    )
