"""Typed preferences: one class per value type, each pairing a form field and a serializer.

Registry modules do ``from preferences.types import *`` and then use ``Section`` and the
serializers, so those are re-exported here (spec section 1).
"""

import os
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, default_storage
from django.db.models import QuerySet
from django.db.models.signals import pre_delete
from django.utils.duration import duration_string

from .exceptions import MissingModel
from .preferences import AbstractPreference, Section
from .sealing import is_sensitive, seal_raw, unseal_raw
from .serializers import (
    UNSET,
    BaseSerializer,
    BooleanSerializer,
    DateSerializer,
    DateTimeSerializer,
    DecimalSerializer,
    DurationSerializer,
    FakeField,
    FakeInstance,
    FileSerializer,
    FloatSerializer,
    InstanciatedSerializer,
    IntegerSerializer,
    IntSerializer,
    ModelMultipleSerializer,
    ModelSerializer,
    MultipleSerializer,
    PreferenceFieldFile,
    SerializationError,
    StringSerializer,
    TimeSerializer,
    UnsetValue,
    check_storable,
)
from .settings import preferences_settings

__all__ = [
    "UNSET",
    "AbstractPreference",
    "BasePreferenceType",
    "BaseSerializer",
    "BooleanPreference",
    "BooleanSerializer",
    "ChoicePreference",
    "DatePreference",
    "DateSerializer",
    "DateTimePreference",
    "DateTimeSerializer",
    "DecimalPreference",
    "DecimalSerializer",
    "DurationPreference",
    "DurationSerializer",
    "FakeField",
    "FakeInstance",
    "FilePreference",
    "FileSerializer",
    "FloatPreference",
    "FloatSerializer",
    "InstanciatedSerializer",
    "IntPreference",
    "IntSerializer",
    "IntegerPreference",
    "IntegerSerializer",
    "LongStringPreference",
    "ModelChoicePreference",
    "ModelMultipleChoicePreference",
    "ModelMultipleSerializer",
    "ModelSerializer",
    "MultipleChoicePreference",
    "MultipleSerializer",
    "PreferenceFieldFile",
    "Section",
    "SerializationError",
    "StringPreference",
    "StringSerializer",
    "TimePreference",
    "TimeSerializer",
    "UnsetValue",
    "create_deletion_handler",
]


class BasePreferenceType(AbstractPreference):
    """A preference with a form field (for forms, admin, REST) and a serializer (for storage)."""

    field_class: type[forms.Field] | None = None
    serializer: Any = None
    field_kwargs: dict[str, Any] = {}

    @property
    def initial(self) -> Any:
        return self.get_initial()

    def get_initial(self) -> Any:
        return self.field_kwargs.get("initial", self.get("default"))

    @property
    def field(self) -> forms.Field:
        return self.setup_field()

    def setup_field(self, **kwargs: Any) -> forms.Field:
        field_kwargs = self.get_field_kwargs()
        field_kwargs.update(kwargs)
        return self.get("field_class")(**field_kwargs)

    def get_field_kwargs(self) -> dict[str, Any]:
        kwargs = dict(self.field_kwargs)
        kwargs.setdefault("label", self.get("verbose_name"))
        kwargs.setdefault("help_text", self.get("help_text"))
        kwargs.setdefault("widget", self.get("widget"))
        kwargs.setdefault("required", self.get("required"))
        kwargs.setdefault("initial", self.initial)
        # A new list: appending to the class-level one made validators pile up (R-TYPE-2).
        kwargs["validators"] = [*kwargs.get("validators", []), self.validate]
        return kwargs

    # Longest stored form of a value; None means the MAX_VALUE_LENGTH setting.
    max_stored_length: int | None = None
    # The JSON types the REST API accepts for a value (null aside); None leaves it to the
    # form field. ``api_item_types`` are those of a list's items.
    api_value_types: tuple[type, ...] | None = None
    api_item_types: tuple[type, ...] | None = None

    def storable_raw(self, value: Any) -> str | None:
        """``value`` serialized; ``SerializationError`` unless the database can hold it."""
        raw = self.serializer.serialize(value)
        limit = self.get("max_stored_length") or preferences_settings.MAX_VALUE_LENGTH
        check_storable(raw, limit)
        return raw

    def check_value(self, value: Any) -> None:
        """Type and content checks, storing nothing: ``ValidationError`` naming the preference.

        They run before ``validate()``, which may assume a value of the right type.
        """
        try:
            self.storable_raw(value)
        except (SerializationError, ValueError, TypeError) as exc:
            raise invalid_value(self, exc) from exc

    def to_raw(self, value: Any) -> str | None:
        """The stored form of ``value``: serialized, and sealed when the preference is sensitive."""
        raw = self.storable_raw(value)
        return seal_raw(raw) if is_sensitive(self) else raw

    def from_raw(self, raw: str | None) -> Any:
        """The value of a stored raw string (``to_raw``'s inverse)."""
        return self.serializer.deserialize(unseal_raw(raw) if is_sensitive(self) else raw)

    def api_repr(self, value: Any) -> Any:
        return value

    def get_api_additional_data(self) -> dict[str, Any]:
        return {}

    def get_api_field_data(self) -> dict[str, Any]:
        field = self.setup_field()
        return {
            "class": type(field).__name__,
            "widget": {"class": type(field.widget).__name__},
            "input_type": getattr(field.widget, "input_type", None),
        }

    def validate(self, value: Any) -> None:
        """Hook: raise ``django.forms.ValidationError`` to reject ``value``."""


class BooleanPreference(BasePreferenceType):
    api_value_types = (bool,)
    field_class = forms.BooleanField
    serializer = BooleanSerializer
    # An unticked checkbox is a valid False, not a missing value.
    required = False


class IntegerPreference(BasePreferenceType):
    api_value_types = (int,)
    field_class = forms.IntegerField
    serializer = IntegerSerializer


IntPreference = IntegerPreference


class DecimalPreference(BasePreferenceType):
    # A numeric string keeps digits a JSON number (a float to most parsers) would round.
    api_value_types = (int, float, str)
    field_class = forms.DecimalField
    serializer = DecimalSerializer


class FloatPreference(BasePreferenceType):
    api_value_types = (int, float)
    field_class = forms.FloatField
    serializer = FloatSerializer


class StringPreference(BasePreferenceType):
    api_value_types = (str,)
    field_class = forms.CharField
    serializer = StringSerializer


class LongStringPreference(StringPreference):
    widget = forms.Textarea


class ChoicePreference(BasePreferenceType):
    api_value_types = (str,)
    choices: Any = ()
    field_class = forms.ChoiceField
    serializer = StringSerializer

    def get_field_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_field_kwargs()
        # Upstream fell back to a non-existent attribute when choices were empty (R-TYPE-8).
        kwargs["choices"] = self.get("choices") or ()
        return kwargs

    def get_api_additional_data(self) -> dict[str, Any]:
        return {**super().get_api_additional_data(), "choices": self.get("choices")}

    def get_choice_values(self) -> list[Any]:
        return [choice[0] for choice in self.get("choices") or ()]

    def validate(self, value: Any) -> None:
        if value not in self.get_choice_values():
            raise forms.ValidationError(f"{value} is not a valid choice")


class MultipleChoicePreference(ChoicePreference):
    api_value_types = (list,)
    api_item_types = (str,)
    widget = forms.CheckboxSelectMultiple
    field_class = forms.MultipleChoiceField
    serializer = MultipleSerializer

    def validate(self, value: Any) -> None:
        # None or an empty selection is valid (upstream iterated None: TypeError, R-TYPE-9).
        for item in value or ():
            super().validate(item)


def create_deletion_handler(preference: "ModelChoicePreference") -> Callable[..., None]:
    """A ``pre_delete`` receiver removing the rows of ``preference`` that point to the object.

    The next read then recreates the row with the default. Deleting through the queryset
    sends ``post_delete`` per row, whose receiver drops the rows' cache entries (R-MOD-10).
    """

    def delete_related_preferences(sender: type, instance: Any, **kwargs: Any) -> None:
        registry = preference.registry
        model = getattr(registry, "preference_model", None)
        if model is None:  # an unregistered preference has no rows to clean
            return
        # ``section.name``, not the Section object: Django would compare against
        # str(section), its verbose name (R-TYPE-12). A None name matches NULL sections.
        rows = model._default_manager.filter(
            section=preference.section.name,
            name=preference.name,
            raw_value=preference.serializer.serialize(instance),
        )
        rows.delete()

    return delete_related_preferences


class ModelChoicePreference(BasePreferenceType):
    """One instance of ``model`` (or of ``queryset``'s model), stored as its primary key."""

    # A primary key: a number or a string (UUIDs, slugs).
    api_value_types = (int, str)

    field_class = forms.ModelChoiceField
    serializer_class = ModelSerializer
    model: Any = None
    queryset: QuerySet | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.model is not None:
            self.queryset = self.model._default_manager.all()
        elif self.queryset is not None:
            self.model = self.queryset.model
        else:
            raise MissingModel(
                f"{type(self).__name__}: {MissingModel.detail_default}",
            )
        self.serializer = self.serializer_class(self.model)
        self._setup_signals()

    def _setup_signals(self) -> None:
        # Signal receivers are weak references: keep the handler on this instance, so each
        # preference keeps its own (upstream kept one per class, R-TYPE-12).
        self.deletion_handler = create_deletion_handler(self)
        pre_delete.connect(self.deletion_handler, sender=self.model)

    def get_field_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_field_kwargs()
        kwargs["queryset"] = self.get("queryset")
        return kwargs

    def api_repr(self, value: Any) -> Any:
        if not value:
            return None
        if isinstance(value, QuerySet):
            return [obj.pk for obj in value]
        return value.pk


class ModelMultipleChoicePreference(ModelChoicePreference):
    api_value_types = (list,)
    api_item_types = (int, str)
    serializer_class = ModelMultipleSerializer
    field_class = forms.ModelMultipleChoiceField

    def _setup_signals(self) -> None:
        """No deletion handler: a deleted object simply drops out of the stored pks."""


class FilePreference(BasePreferenceType):
    field_class = forms.FileField
    serializer_class = FileSerializer
    default = None

    @property
    def serializer(self) -> FileSerializer:
        return self.serializer_class(self)

    def get_field_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_field_kwargs()
        kwargs["required"] = self.get("required", False)
        return kwargs

    def get_upload_path(self) -> str:
        return os.path.join(preferences_settings.FILE_PREFERENCE_UPLOAD_DIR, self.identifier())

    def get_file_storage(self) -> Storage:
        """Override point: where this preference's files are stored."""
        return default_storage

    def api_repr(self, value: Any) -> str | None:
        return value.url if value else None

    def check_value(self, value: Any) -> None:
        """Nothing to check up front: serializing an upload stores it, and its field checked it."""


class DurationPreference(BasePreferenceType):
    api_value_types = (str,)
    field_class = forms.DurationField
    serializer = DurationSerializer

    def api_repr(self, value: Any) -> str | None:
        return None if value is None else duration_string(value)


class _IsoFormatApiRepr:
    """API value of the date-like types: ISO 8601 text (None stays None, R-TYPE-14 fix)."""

    api_value_types = (str,)

    def api_repr(self, value: Any) -> str | None:
        return None if value is None else value.isoformat()


class DatePreference(_IsoFormatApiRepr, BasePreferenceType):
    field_class = forms.DateField
    serializer = DateSerializer


class DateTimePreference(_IsoFormatApiRepr, BasePreferenceType):
    field_class = forms.DateTimeField
    serializer = DateTimeSerializer


class TimePreference(_IsoFormatApiRepr, BasePreferenceType):
    field_class = forms.TimeField
    serializer = TimeSerializer


def invalid_value(preference: Any, error: Exception) -> ValidationError:
    """The ``ValidationError`` for a value that ``preference`` cannot store, naming it."""
    # Serializer messages may quote the value; a secret's stays out of the error.
    detail = "rejected" if is_sensitive(preference) else str(error)
    return ValidationError(
        "Invalid value for preference %(identifier)s: %(detail)s",
        code="invalid",
        params={"identifier": preference.identifier(), "detail": detail},
    )
