"""The event filter every consumer shares: section/name globs and registries (F10, F16).

Webhook endpoints and e-mail rules select preference changes the same way
(``hub.matching``), so they share these fields and their validation.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

# Error codes are never "invalid": JSONField would swap the message for its own
# "Value must be valid JSON." (Field.run_validators), hiding what was wrong.


def require_list_of_strings(value: Any, what: str) -> list[str]:
    """``value`` itself when it is a list of strings; else a ValidationError naming ``what``."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(
            f"{what} must be a JSON list of strings, got {value!r}.", code="not_a_list"
        )
    return value


def validate_patterns(value: Any) -> None:
    """Globs over ``section__name``: non-empty strings without whitespace."""
    for index, pattern in enumerate(require_list_of_strings(value, "Patterns")):
        if not pattern or any(char.isspace() for char in pattern):
            raise ValidationError(
                f"Pattern {index + 1} ({pattern!r}) must be a non-empty glob without spaces.",
                code="invalid_pattern",
            )


def validate_registries(value: Any) -> None:
    """Registry names such as "global" or "user": non-empty strings."""
    for index, registry in enumerate(require_list_of_strings(value, "Registries")):
        if not registry.strip():
            raise ValidationError(f"Registry {index + 1} is empty.", code="empty_registry")


class EventFilter(models.Model):
    """Which preference changes a consumer receives; empty lists select everything."""

    patterns = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_patterns],
        help_text='Globs over "section__name", e.g. ["general__*"]; empty: every preference.',
    )
    registries = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_registries],
        help_text='Registry names, e.g. ["global", "user"]; empty: every registry.',
    )

    class Meta:
        abstract = True
