"""DRF serializers of preference rows (R-API-1..4).

Values are validated by the preference's own form field (the same rules and messages as
the forms) and written through the manager, which sends ``preference_updated``.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from preferences.forms import clean_preference_value, masked

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
        # A sensitive value is write-only, like a password, for every caller.
        return masked(value.preference, value.preference.api_repr(value.value))

    def to_internal_value(self, data: Any) -> Any:
        return data


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

    def validate_value(self, value: Any) -> Any:
        """Clean ``value`` with the preference's form field and check it can be stored (R-API-3)."""
        try:
            return clean_preference_value(self.instance.preference, value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        """Write through the manager of the row's owner; it sends the signal (R-API-4)."""
        if "value" not in validated_data:  # a PATCH without a value changes nothing
            return instance
        manager = instance.registry.manager(instance=getattr(instance, "instance", None))
        return manager.update_db_pref(instance.section, instance.name, validated_data["value"])


class GlobalPreferenceSerializer(PreferenceSerializer):
    pass
