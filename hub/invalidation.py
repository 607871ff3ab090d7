"""Declared cache dependencies of preferences, and their invalidation (F13).

A cache key or template fragment that is computed from preferences is declared as
depending on them, either on the preference class::

    class SiteTitle(StringPreference):
        cache_keys = ["homepage"]
        cache_fragments = ["site_header", ("greeting", "{owner_id}")]

or in settings, by identifier glob (a whole section, or several preferences)::

    HUB = {"CACHE_DEPENDENCIES": {"general__*": {"keys": [...], "fragments": [...]}}}

A fragment is a name (``{% cache 600 site_header %}``) or a name with vary-on values
(``{% cache 600 greeting request.user.pk %}`` → ``("greeting", "{owner_id}")``). Keys and
vary-on values may use the placeholders ``{identifier}``, ``{section}``, ``{name}``,
``{registry}`` and ``{owner_id}``. After each change the cache task deletes them from the
cache ``HUB["CACHE_ALIAS"]`` and refreshes the preference's own entry in the
preferences cache.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.utils import make_template_fragment_key
from django.core.exceptions import ImproperlyConfigured

from hub.conf import hub_settings
from hub.kinds import PREFERENCE_KINDS
from hub.matching import identifier_matches
from hub.models import Event
from preferences.models import PerInstancePreferenceModel
from preferences.registries import preference_models

PLACEHOLDERS = ("identifier", "section", "name", "registry", "owner_id")


@dataclass(frozen=True)
class Dependencies:
    """What depends on one preference: plain cache keys and template fragments."""

    keys: tuple[str, ...] = ()
    fragments: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def cache_keys(self) -> list[str]:
        """Every key to delete, fragments turned into the keys ``{% cache %}`` uses."""
        fragment_keys = [make_template_fragment_key(name, vary) for name, vary in self.fragments]
        return [*self.keys, *fragment_keys]


@dataclass(frozen=True)
class Invalidation:
    """What the cache task did for one event."""

    deleted: tuple[str, ...]
    refreshed: bool


def declared_dependencies(event: Event, preference: Any) -> Dependencies:
    """The dependencies declared for the event's preference, placeholders filled in."""
    context = {field: getattr(event, field) for field in PLACEHOLDERS}
    keys: list[str] = [*getattr(preference, "cache_keys", ())]
    fragments: list[Any] = [*getattr(preference, "cache_fragments", ())]
    for pattern, declared in hub_settings.CACHE_DEPENDENCIES.items():
        if identifier_matches([pattern], event.identifier):
            keys += declared.get("keys", ())
            fragments += declared.get("fragments", ())
    where = f"cache dependencies of {event.identifier}"
    return Dependencies(
        keys=tuple(_fill(key, context, where) for key in keys),
        fragments=tuple(_fragment(fragment, context, where) for fragment in fragments),
    )


def invalidate_event(event: Event, *, cache: BaseCache | None = None) -> Invalidation:
    """Delete the event's declared keys and fragments, refresh the preference's entry."""
    registry = registry_named(event.registry)
    preference = registry.get(section=event.section, name=event.name, fallback=True)
    deleted = declared_dependencies(event, preference).cache_keys()
    if deleted:
        (cache or caches[hub_settings.CACHE_ALIAS]).delete_many(deleted)
    return Invalidation(deleted=tuple(deleted), refreshed=refresh_preference(event, registry))


def refresh_preference(event: Event, registry: Any) -> bool:
    """Write the preference's current raw value to the preferences cache; newest wins.

    The row is read first and the event checked to be the newest of its key second: if
    a newer change committed in between, its own cache task writes the newer value, so
    this older task leaves the entry alone (R12: older events never overwrite newer
    values, whatever order the tasks run in).
    """
    manager = registry.manager(**_owner_lookup(event, registry))
    row = manager.queryset.filter(section=event.section, name=event.name).first()
    if _has_newer(event):
        return False
    # Strict: an unreachable cache fails the task, which retries until it is back.
    if row is None:
        manager.forget(event.section, event.name, strict=True)
    else:
        manager.to_cache(row, strict=True)
    return True


def _has_newer(event: Event) -> bool:
    return Event.objects.filter(
        kind__in=PREFERENCE_KINDS,
        registry=event.registry,
        identifier=event.identifier,
        owner_id=event.owner_id,
        version__gt=event.version,
    ).exists()


def registry_named(name: str) -> Any:
    for registry in preference_models.values():
        if registry.name == name:
            return registry
    raise LookupError(f"No preference registry is named {name!r}.")


def _owner_lookup(event: Event, registry: Any) -> dict[str, Any]:
    """``{"instance": owner}`` for per-instance registries; the owner is not fetched."""
    model = registry.preference_model
    if not issubclass(model, PerInstancePreferenceModel):
        return {}
    owner_model = model.get_instance_model()
    return {"instance": owner_model(pk=owner_model._meta.pk.to_python(event.owner_id))}


def _fragment(declared: Any, context: dict[str, Any], where: str) -> tuple[str, tuple[str, ...]]:
    if isinstance(declared, str):
        return declared, ()
    if isinstance(declared, Iterable) and declared and all(isinstance(p, str) for p in declared):
        name, *vary_on = declared
        return name, tuple(_fill(value, context, where) for value in vary_on)
    raise ImproperlyConfigured(
        f"{where}: fragment {declared!r} must be a name or a (name, vary_on...) tuple of strings."
    )


def _fill(template: Any, context: dict[str, Any], where: str) -> str:
    if not isinstance(template, str):
        raise ImproperlyConfigured(f"{where}: cache key {template!r} is not a string.")
    try:
        return template.format(**context)
    except (KeyError, IndexError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"{where}: cache key {template!r} uses an unknown placeholder ({exc}); "
            f"available: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}."
        ) from exc
