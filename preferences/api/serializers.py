"""DRF serializers of preference rows (R-API-1..4).

Values are validated by the preference's own form field (the same rules and messages as
the forms) and written through the manager, which sends ``preference_updated``.
"""

import decimal
import logging
import math
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from preferences.forms import SET_PLACEHOLDER, clean_preference_value, masked
from preferences.sealing import is_sensitive
from preferences.serializers import SerializationError

logger = logging.getLogger(__name__)

# The validated value of a write that keeps the stored value.
KEEP = object()

FIELD_DATA_SCHEMA = {
    "type": "object",
    "description": "The form field that edits the value, to build an input for it.",
    "properties": {
        "class": {"type": "string", "example": "IntegerField"},
        "widget": {
            "type": "object",
            "properties": {"class": {"type": "string", "example": "NumberInput"}},
            "required": ["class"],
        },
        "input_type": {"type": "string", "nullable": True, "example": "number"},
    },
    "required": ["class", "widget", "input_type"],
}


@extend_schema_field(
    {"description": "Any JSON value; its type depends on the preference (see `field`)."}
)
class PreferenceValueField(serializers.Field):
    """The row's value as the preference represents it in the API; input goes to validation."""

    def __init__(self, **kwargs: Any) -> None:
        # Null is a legitimate value for some preferences (no model chosen, no file); the
        # preference's field decides (R-API-11).
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return instance

    def to_representation(self, value: Any) -> Any:
        preference = value.preference
        try:
            represented = json_safe(preference.api_repr(value.value))
        except (SerializationError, ValueError, TypeError, OverflowError):
            # One bad row (written straight to the database, or left by a type change)
            # must not take down the list of every preference.
            logger.warning(
                "Preference %s holds a stored value that cannot be read or shown as JSON; "
                "the API shows null. Write a new value to repair it.",
                preference.identifier(),
            )
            return None
        # A sensitive value is write-only, like a password, for every caller.
        return masked(preference, represented)

    def to_internal_value(self, data: Any) -> Any:
        return data


def json_safe(value: Any) -> Any:
    """``value``, unless JSON cannot carry it: infinite or NaN numbers raise ``ValueError``."""
    if isinstance(value, float | decimal.Decimal) and not math.isfinite(float(value)):
        raise ValueError("not a finite number")
    return value


# The words of JSON for Python's types, for error messages.
JSON_TYPE_NAMES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}


def json_type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "object"
    return JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def check_json_type(preference: Any, value: Any) -> None:
    """Refuse a JSON value whose type is not one the preference's type takes (null aside).

    The form fields would otherwise coerce it: ``{"a": 1}`` into the string "{'a': 1}",
    ``5`` into True.
    """
    expected = preference.get("api_value_types")
    if value is None or expected is None:
        return
    _check_kind(value, expected, "a JSON")
    items = preference.get("api_item_types")
    if items is not None:
        for item in value:
            _check_kind(item, items, "items as JSON")


def _check_kind(value: Any, expected: tuple[type, ...], what: str) -> None:
    # bool is an int subclass, but a JSON true is never a number.
    if isinstance(value, expected) and (bool in expected or not isinstance(value, bool)):
        return
    names = " or ".join(JSON_TYPE_NAMES[kind] for kind in expected)
    raise serializers.ValidationError(f"Expected {what} {names}, got {json_type_name(value)}.")


class PreferenceSerializer(serializers.Serializer):
    """A stored preference with its metadata; only `value` is writable."""

    # Output keys are exactly those of the original library (R-API-2).

    section = serializers.CharField(read_only=True, allow_null=True)
    name = serializers.CharField(read_only=True)
    identifier = serializers.SerializerMethodField()
    default = serializers.SerializerMethodField()
    value = PreferenceValueField()
    verbose_name = serializers.SerializerMethodField()
    help_text = serializers.SerializerMethodField()
    additional_data = serializers.SerializerMethodField()
    field = serializers.SerializerMethodField()

    def get_identifier(self, row: Any) -> str:
        """`<section>__<name>`, or the name alone for a preference without a section."""
        return row.preference.identifier()

    @extend_schema_field(OpenApiTypes.ANY)
    def get_default(self, row: Any) -> Any:
        """The default value, represented (and masked) like `value`."""
        return masked(row.preference, row.preference.api_repr(row.preference.get("default")))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_verbose_name(self, row: Any) -> Any:
        return row.preference.get("verbose_name")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_help_text(self, row: Any) -> Any:
        return row.preference.get("help_text")

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_additional_data(self, row: Any) -> dict[str, Any]:
        """Type-specific data, e.g. the `choices` of a choice preference."""
        return row.preference.get_api_additional_data()

    @extend_schema_field(FIELD_DATA_SCHEMA)
    def get_field(self, row: Any) -> dict[str, Any]:
        return row.preference.get_api_field_data()

    def to_internal_value(self, data: Any) -> Any:
        """Refuse fields the serializer does not have, naming them: a typo must not pass."""
        if isinstance(data, Mapping):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {key: ["Unknown field: only `value` can be written."] for key in unknown}
                )
        return super().to_internal_value(data)

    def validate_value(self, value: Any) -> Any:
        """Check the JSON type, then clean with the preference's form field (R-API-3).

        The mask a sensitive preference is shown with, sent back unchanged, keeps the value.
        """
        preference = self.instance.preference
        if is_sensitive(preference) and value == SET_PLACEHOLDER:
            return KEEP
        check_json_type(preference, value)
        try:
            return clean_preference_value(preference, value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        """Write through the manager of the row's owner; it sends the signal (R-API-4)."""
        if validated_data.get("value", KEEP) is KEEP:  # a PATCH without a value changes nothing
            return instance
        manager = instance.registry.manager(instance=getattr(instance, "instance", None))
        return manager.update_db_pref(instance.section, instance.name, validated_data["value"])


class GlobalPreferenceSerializer(PreferenceSerializer):
    pass
