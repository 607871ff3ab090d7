"""Conversions between Python values and the raw strings stored in ``raw_value`` (§7).

These are not DRF serializers (those live in ``preferences/api``). Every serializer raises
``SerializationError`` for a value it cannot convert, so callers can turn it into a
validation error without guessing which built-in exception a parser might raise.
"""

import datetime
import decimal
import math
import os
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage
from django.db.models import Model, QuerySet
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import force_escape
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_duration, parse_time
from django.utils.duration import duration_string


class UnsetValue:
    """Type of ``UNSET``: "no default declared", distinct from ``None``."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = UnsetValue()


class SerializationError(Exception):
    pass


class UnstorableValue(SerializationError):
    """A value of the right type whose stored form the database cannot hold as text.

    Messages never quote the value: it may be a secret.
    """


def check_storable(raw: str | None, max_length: int) -> None:
    """Raise ``UnstorableValue`` unless the raw string ``raw`` can be stored and read back."""
    if raw is None:
        return
    if len(raw) > max_length:
        raise UnstorableValue(
            f"it is {len(raw):,} characters long once stored, over the limit of {max_length:,}"
        )
    if "\x00" in raw:
        # PostgreSQL refuses NUL in text; other databases would truncate at it.
        raise UnstorableValue("it contains a NUL character, which text columns cannot hold")
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UnstorableValue(
            f"it contains a lone surrogate (position {exc.start}), which is not valid Unicode text"
        ) from exc


class BaseSerializer:
    """Stateless serializer: every method is a classmethod."""

    exception = SerializationError

    @classmethod
    def serialize(cls, value: Any, **kwargs: Any) -> str | None:
        return cls.to_db(value, **kwargs)

    @classmethod
    def deserialize(cls, value: str | None, **kwargs: Any) -> Any:
        return cls.to_python(value, **kwargs)

    @classmethod
    def to_python(cls, value: str | None, **kwargs: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def to_db(cls, value: Any, **kwargs: Any) -> str | None:
        return str(cls.clean_to_db_value(value))

    @classmethod
    def clean_to_db_value(cls, value: Any) -> Any:
        return value


class InstanciatedSerializer(BaseSerializer):
    """Serializer that needs state (a model class, a preference): used as an instance."""

    def serialize(self, value: Any, **kwargs: Any) -> str | None:
        return self.to_db(value, **kwargs)

    def deserialize(self, value: str | None, **kwargs: Any) -> Any:
        return self.to_python(value, **kwargs)

    def to_python(self, value: str | None, **kwargs: Any) -> Any:
        raise NotImplementedError

    def to_db(self, value: Any, **kwargs: Any) -> str | None:
        return str(self.clean_to_db_value(value))

    def clean_to_db_value(self, value: Any) -> Any:
        return value


def _require_type(
    serializer: type[BaseSerializer], value: Any, *kinds: type, but: tuple[type, ...] = ()
) -> None:
    """Raise the serializer's error unless ``value`` is one of ``kinds`` (and none of ``but``)."""
    if isinstance(value, kinds) and not isinstance(value, but):
        return
    expected = " or ".join(kind.__name__ for kind in kinds)
    raise serializer.exception(
        f"{serializer.__name__} cannot serialize {value!r} of type {type(value).__name__}: "
        f"expected {expected}"
    )


def _unparsable(serializer: Any, value: Any, kind: str) -> SerializationError:
    return serializer.exception(f"Value {value!r} cannot be converted to {kind}")


class BooleanSerializer(BaseSerializer):
    true = ("True", "true", "TRUE", "1", "YES", "Yes", "yes")
    false = ("False", "false", "FALSE", "0", "No", "no", "NO")

    @classmethod
    def clean_to_db_value(cls, value: Any) -> bool:
        _require_type(cls, value, bool)
        return value

    @classmethod
    def to_python(cls, value: str | None, **kwargs: Any) -> bool:
        if value in cls.true:
            return True
        if value in cls.false:
            return False
        raise _unparsable(cls, value, "a boolean")


class IntegerSerializer(BaseSerializer):
    @classmethod
    def clean_to_db_value(cls, value: Any) -> int:
        # bool is an int subclass; upstream stored it as an unreadable "True" (R-SER-3 fix).
        _require_type(cls, value, int, but=(bool,))
        return value

    @classmethod
    def to_python(cls, value: str | None, **kwargs: Any) -> int:
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise _unparsable(cls, value, "an integer") from exc


IntSerializer = IntegerSerializer


class DecimalSerializer(BaseSerializer):
    # The decimal module's default context precision: beyond it arithmetic rounds.
    max_digits = 28

    @classmethod
    def clean_to_db_value(cls, value: Any) -> decimal.Decimal:
        _require_type(cls, value, decimal.Decimal)
        if not value.is_finite():
            raise cls.exception(f"{value} is not a finite decimal")
        if len(value.as_tuple().digits) > cls.max_digits:
            raise cls.exception(f"A decimal has at most {cls.max_digits} significant digits")
        # The REST API represents decimals as JSON numbers, which stop at float's range.
        if not math.isfinite(float(value)):
            raise cls.exception("The decimal is out of the range of a JSON number")
        return value

    @classmethod
    def to_python(cls, value: str | None, **kwargs: Any) -> decimal.Decimal:
        try:
            return decimal.Decimal(value)
        except (TypeError, ValueError, decimal.InvalidOperation) as exc:
            raise _unparsable(cls, value, "a decimal") from exc


class FloatSerializer(BaseSerializer):
    @classmethod
    def clean_to_db_value(cls, value: Any) -> float:
        _require_type(cls, value, int, float, but=(bool,))
        try:
            value = float(value)
        except OverflowError as exc:  # an int beyond float's range
            raise cls.exception("The number is out of the range of a float") from exc
        if not math.isfinite(value):
            # inf and NaN do not round-trip: JSON has no spelling for them.
            raise cls.exception(f"{value} is not a finite number")
        return value

    @classmethod
    def to_python(cls, value: str | None, **kwargs: Any) -> float:
        # Upstream caught a non-existent ``float.InvalidOperation`` (R-SER-3 fix).
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise _unparsable(cls, value, "a float") from exc


class StringSerializer(BaseSerializer):
    @classmethod
    def to_db(cls, value: Any, **kwargs: Any) -> str:
        _require_type(cls, value, str)
        if kwargs.get("escape_html", False):
            value = force_escape(value)
        return cls.clean_to_db_value(value)

    @classmethod
    def to_python(cls, value: str | None, **kwargs: Any) -> str:
        return str(value) if value else ""


class MultipleSerializer(BaseSerializer):
    """A list of strings joined by ``separator``; a separator inside an item is doubled."""

    separator = ","
    sort = True

    @classmethod
    def to_db(cls, value: Any, **kwargs: Any) -> str | None:
        if not value:
            return None
        items = [str(item) for item in value]
        for item in items:
            cls._check_item(item)
        if cls.sort:
            items.sort()
        return cls.separator.join(item.replace(cls.separator, cls.separator * 2) for item in items)

    @classmethod
    def _check_item(cls, item: str) -> None:
        if not item:
            raise cls.exception("Choices must not be empty")
        # "a" + "," + ",b" and "a," + "," + "b" would both be stored as "a,,,b"; refusing
        # a leading separator keeps the stored form unambiguous.
        if item.startswith(cls.separator):
            raise cls.exception(f"Choice {item!r} must not start with {cls.separator!r}")

    @classmethod
    def to_python(cls, value: Any, **kwargs: Any) -> list[str]:
        if not value:
            return []
        items, current, index = [], [], 0
        sep, width = cls.separator, len(cls.separator)
        while index < len(value):
            if value.startswith(sep * 2, index):
                current.append(sep)
                index += 2 * width
            elif value.startswith(sep, index):
                items.append("".join(current))
                current, index = [], index + width
            else:
                current.append(value[index])
                index += 1
        items.append("".join(current))
        return items


class ModelSerializer(InstanciatedSerializer):
    """One model instance, stored as its primary key (any pk type, R-SER-3)."""

    model: type[Model] | None = None

    def __init__(self, model: type[Model]) -> None:
        super().__init__()
        self.model = model

    def to_db(self, value: Any, **kwargs: Any) -> str | None:
        if not value or value is UNSET:
            return None
        return str(value.pk)

    def to_python(self, value: str | None, **kwargs: Any) -> Model | None:
        if value is None:
            return None
        try:
            pk = self.model._meta.pk.to_python(value)
            return self.model._default_manager.get(pk=pk)
        except Exception as exc:  # bad pk or object gone: both mean "cannot resolve"
            raise self.exception(f"Value {value} cannot be converted to pk") from exc


class ModelMultipleSerializer(ModelSerializer):
    """Several instances of one model, stored as sorted primary keys joined by ``separator``."""

    separator = ","
    sort = True

    def to_db(self, value: Any, **kwargs: Any) -> str | None:
        if not value:
            return None
        pks = list(self._primary_keys(value))
        if self.sort:
            pks.sort()  # by pk value, before str(): 9 comes before 10
        return self.separator.join(str(pk) for pk in pks)

    def _primary_keys(self, value: Any) -> Iterable[Any]:
        if isinstance(value, Model):
            return [value.pk]
        if isinstance(value, QuerySet):
            return value.values_list("pk", flat=True)
        if isinstance(value, list | tuple) and all(isinstance(v, self.model) for v in value):
            return [v.pk for v in value]
        raise ValueError(f"Cannot handle value {value!r} of type {type(value).__name__}")

    def to_python(self, value: Any, **kwargs: Any) -> QuerySet:
        if not value:
            return self.model._default_manager.none()
        try:
            pks = [int(pk) if pk.isdigit() else pk for pk in value.split(self.separator)]
            return self.model._default_manager.filter(pk__in=pks)
        except Exception as exc:  # a malformed raw value: report it like ModelSerializer
            raise self.exception(f"Value {value} cannot be converted to pks") from exc


class FakeInstance:
    """Stands in for the model instance a ``FieldFile`` expects; nothing to save."""

    def save(self) -> None:
        return None


class FakeField:
    """Stands in for the model field a ``FieldFile`` expects (name, size limit, storage)."""

    name = "noop"
    attname = "noop"
    max_length = 10000

    def __init__(self, storage: Storage | None = None) -> None:
        self.storage = storage


class PreferenceFieldFile(FieldFile):
    """The value of a file preference: the same API as a model ``FileField``'s value.

    Picklable (R-SER-4, upstream #297): ``FieldFile.__getstate__`` keeps the fake instance
    and field, which carry the storage. The preference is not pickled (it holds the whole
    registry), so an unpickled copy has ``preference = None``.
    """

    preference = None

    def __init__(self, preference: Any, storage: Storage, name: str) -> None:
        super(FieldFile, self).__init__(None, name)
        self.instance = FakeInstance()
        self.field = FakeField(storage)
        self.storage = storage
        self._committed = True
        self.preference = preference


class FileSerializer(InstanciatedSerializer):
    """Stores uploaded files in the preference's storage; the raw value is the stored name."""

    def __init__(self, preference: Any) -> None:
        super().__init__()
        self.preference = preference

    def to_db(self, value: Any, **kwargs: Any) -> str | None:
        if not value:
            return None
        if hasattr(value, "save"):
            # Already stored (e.g. the current PreferenceFieldFile written back unchanged).
            return value.name
        # Only the base name: a File opened from a path carries the whole path in ``name``.
        path = os.path.join(self.preference.get_upload_path(), os.path.basename(value.name))
        return self.preference.get_file_storage().save(path, value)

    def to_python(self, value: str | None, **kwargs: Any) -> PreferenceFieldFile | None:
        if not value:
            return None
        storage = self.preference.get_file_storage()
        return PreferenceFieldFile(preference=self.preference, storage=storage, name=value)


class DurationSerializer(BaseSerializer):
    @classmethod
    def to_db(cls, value: Any, **kwargs: Any) -> str:
        _require_type(cls, value, datetime.timedelta)
        return duration_string(value)

    @classmethod
    def to_python(cls, value: str | None, **kwargs: Any) -> datetime.timedelta:
        return _parse(cls, parse_duration, value, "a duration")


class DateSerializer(BaseSerializer):
    @classmethod
    def to_db(cls, value: Any, **kwargs: Any) -> str:
        # A datetime is a date too; upstream stored it as a full timestamp that
        # parse_date cannot read back (R-SER-3 fix).
        _require_type(cls, value, datetime.date, but=(datetime.datetime,))
        return value.isoformat()

    @classmethod
    def to_python(cls, value: str | None, **kwargs: Any) -> datetime.date:
        return _parse(cls, parse_date, value, "a date")


class DateTimeSerializer(BaseSerializer):
    @classmethod
    def to_db(cls, value: Any, **kwargs: Any) -> str:
        _require_type(cls, value, datetime.datetime)
        if settings.USE_TZ and timezone.is_naive(value):
            value = timezone.make_aware(value)
        elif not settings.USE_TZ and timezone.is_aware(value):
            value = timezone.make_naive(value, datetime.UTC)
        return value.isoformat()

    @classmethod
    def to_python(cls, value: str | None, **kwargs: Any) -> datetime.datetime:
        return _parse(cls, parse_datetime, value, "a datetime")


class TimeSerializer(BaseSerializer):
    @classmethod
    def to_db(cls, value: Any, **kwargs: Any) -> str:
        _require_type(cls, value, datetime.time)
        return value.isoformat()

    @classmethod
    def to_python(cls, value: str | None, **kwargs: Any) -> datetime.time:
        return _parse(cls, parse_time, value, "a time")


def _parse(serializer: type[BaseSerializer], parser: Any, value: Any, kind: str) -> Any:
    """Django's parsers return None for a malformed string and raise for invalid values.

    An empty string is refused first: ``parse_duration("")`` would read it as zero.
    """
    if not value:
        raise _unparsable(serializer, value, kind)
    try:
        parsed = parser(value)
    except (TypeError, ValueError) as exc:
        raise _unparsable(serializer, value, kind) from exc
    if parsed is None:
        raise _unparsable(serializer, value, kind)
    return parsed
