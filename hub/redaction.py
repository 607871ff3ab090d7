"""What replaces secret values wherever the hub carries them (F17).

A preference class opts in with ``sensitive = True`` (``is_sensitive`` comes from the
engine, which also seals such values at rest and masks them on screen); its values are
replaced by ``PLACEHOLDER`` in webhook payloads (unless the endpoint may receive them),
e-mails, logs, task arguments and task results.
"""

from typing import Any

# The engine seals sensitive values at rest, so it owns the test; the hub reuses it.
from preferences.sealing import is_sensitive

__all__ = ["PLACEHOLDER", "is_sensitive", "redact"]

PLACEHOLDER = "[redacted]"


def redact(value: Any, *, sensitive: bool) -> Any:
    """``value`` itself, or the placeholder when it is sensitive."""
    return PLACEHOLDER if sensitive else value
