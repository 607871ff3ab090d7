"""The one place that knows which values are secret and what replaces them (F17).

A preference class opts in with ``sensitive = True``; its values are replaced by
``PLACEHOLDER`` in webhook payloads (unless the endpoint may receive them), e-mails, logs,
task arguments and task results.
"""

from typing import Any

PLACEHOLDER = "[redacted]"


def is_sensitive(preference: Any) -> bool:
    """True when the preference object or class declares ``sensitive = True``."""
    return bool(getattr(preference, "sensitive", False))


def redact(value: Any, *, sensitive: bool) -> Any:
    """``value`` itself, or the placeholder when it is sensitive."""
    return PLACEHOLDER if sensitive else value
