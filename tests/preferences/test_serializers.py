"""preferences.serializers: R-SER-1..6, the spec's examples and round-trip properties.

Every serializer gets a Hypothesis property: ``deserialize(serialize(value))`` gives the
value back (normalised the documented way: sorted lists, aware datetimes, querysets).
"""

import datetime
import math
import pickle
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import QuerySet
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from preferences.registries import global_preferences_registry
from preferences.serializers import (
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
)
from preferences.types import FilePreference
from tests.testapp.models import BlogEntry, BlogEntryWithNonIntPk

DB_PROPERTY = hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


# -- R-SER-1, R-SER-2: the base classes ---------------------------------------------------


def test_r_ser_1_unset_and_serialization_error():
    assert isinstance(UNSET, UnsetValue)
    assert UNSET is not None and UnsetValue() != UNSET
    assert issubclass(SerializationError, Exception)


def test_r_ser_2_base_serializer_contract():
    class Upper(BaseSerializer):
        @classmethod
        def clean_to_db_value(cls, value):
            return value.upper()

        @classmethod
        def to_python(cls, value, **kwargs):
            return value.lower()

    assert Upper.serialize("abc") == "ABC"
    assert Upper.deserialize("ABC") == "abc"
    assert BaseSerializer.serialize(12) == "12"
    assert BaseSerializer.exception is SerializationError
    with pytest.raises(NotImplementedError):
        BaseSerializer.deserialize("12")


def test_r_ser_2_instanciated_serializer_uses_instance_state():
    class Prefixed(InstanciatedSerializer):
        def __init__(self, prefix):
            self.prefix = prefix

        def clean_to_db_value(self, value):
            return self.prefix + value

        def to_python(self, value, **kwargs):
            return value.removeprefix(self.prefix)

    serializer = Prefixed("p:")
    assert serializer.serialize("x") == "p:x"
    assert serializer.deserialize("p:x") == "x"
    with pytest.raises(NotImplementedError):
        InstanciatedSerializer().deserialize("x")


# -- R-SER-3: per-type formats, the spec's examples ---------------------------------------


def test_r_ser_3_boolean():
    assert BooleanSerializer.serialize(True) == "True"
    assert BooleanSerializer.serialize(False) == "False"
    assert BooleanSerializer.true == ("True", "true", "TRUE", "1", "YES", "Yes", "yes")
    assert BooleanSerializer.false == ("False", "false", "FALSE", "0", "No", "no", "NO")
    for raw in BooleanSerializer.true:
        assert BooleanSerializer.deserialize(raw) is True
    for raw in BooleanSerializer.false:
        assert BooleanSerializer.deserialize(raw) is False


@pytest.mark.parametrize("value", [1, 0, "True", None, ""])
def test_r_ser_3_boolean_rejects_non_bool(value):
    with pytest.raises(SerializationError, match="BooleanSerializer"):
        BooleanSerializer.serialize(value)


@pytest.mark.parametrize("raw", [None, "", "on", "maybe", "2"])
def test_r_ser_3_boolean_rejects_unknown_raw(raw):
    with pytest.raises(SerializationError, match="boolean"):
        BooleanSerializer.deserialize(raw)


def test_r_ser_3_integer():
    assert IntSerializer is IntegerSerializer
    assert IntegerSerializer.serialize(666) == "666"
    assert IntegerSerializer.serialize(-144) == "-144"
    assert IntegerSerializer.serialize(0) == "0"
    assert IntegerSerializer.deserialize("666") == 666
    assert IntegerSerializer.deserialize("-144") == -144


@pytest.mark.parametrize("value", ["666", 1.5, Decimal(1), None, True])
def test_r_ser_3_integer_rejects_non_int_and_bool(value):
    with pytest.raises(SerializationError):
        IntegerSerializer.serialize(value)


@pytest.mark.parametrize("raw", ["abc", "1.5", None, ""])
def test_r_ser_3_integer_rejects_bad_raw(raw):
    with pytest.raises(SerializationError, match="integer"):
        IntegerSerializer.deserialize(raw)


def test_r_ser_3_decimal():
    assert DecimalSerializer.serialize(Decimal("-666.6")) == "-666.6"
    assert DecimalSerializer.serialize(Decimal("1")) == "1"
    assert DecimalSerializer.deserialize("-666.6") == Decimal("-666.6")


@pytest.mark.parametrize("value", [1, 1.5, "1", None])
def test_r_ser_3_decimal_rejects_ints_floats_and_strings(value):
    with pytest.raises(SerializationError):
        DecimalSerializer.serialize(value)


@pytest.mark.parametrize("raw", ["abc", None, ""])
def test_r_ser_3_decimal_rejects_bad_raw(raw):
    with pytest.raises(SerializationError, match="decimal"):
        DecimalSerializer.deserialize(raw)


def test_r_ser_3_float():
    assert FloatSerializer.serialize(1) == "1.0"
    assert FloatSerializer.serialize(-666.6) == "-666.6"
    assert FloatSerializer.deserialize("-666.6") == -666.6


@pytest.mark.parametrize("value", ["1.0", Decimal("1.5"), None])
def test_r_ser_3_float_rejects_other_types(value):
    with pytest.raises(SerializationError):
        FloatSerializer.serialize(value)


@pytest.mark.parametrize("raw", ["abc", None, ""])
def test_r_ser_3_float_bad_raw_is_serialization_error(raw):
    # Upstream raised AttributeError here (a non-existent float.InvalidOperation).
    with pytest.raises(SerializationError, match="float"):
        FloatSerializer.deserialize(raw)


def test_r_ser_3_string():
    assert StringSerializer.serialize("hello") == "hello"
    assert StringSerializer.serialize("<b>&</b>", escape_html=True) == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert StringSerializer.serialize("<b>") == "<b>"
    assert StringSerializer.deserialize(None) == ""
    assert StringSerializer.deserialize("") == ""
    assert StringSerializer.deserialize("hello") == "hello"


@pytest.mark.parametrize("value", [None, 1, b"bytes"])
def test_r_ser_3_string_rejects_non_str(value):
    with pytest.raises(SerializationError, match="StringSerializer"):
        StringSerializer.serialize(value)


def test_r_ser_3_multiple():
    assert MultipleSerializer.separator == ","
    assert MultipleSerializer.sort is True
    assert MultipleSerializer.serialize(["a", "b", "c"]) == "a,b,c"
    assert MultipleSerializer.serialize(["c", "a", "b"]) == "a,b,c"
    assert MultipleSerializer.serialize(["key,with,comma", "b", "another,key,with,comma"]) == (
        "another,,key,,with,,comma,b,key,,with,,comma"
    )
    assert MultipleSerializer.deserialize("key,,with,,comma,b,another,,key,,with,,comma") == [
        "key,with,comma",
        "b",
        "another,key,with,comma",
    ]
    assert MultipleSerializer.serialize([2, 1]) == "1,2"
    assert MultipleSerializer.deserialize("1,2") == ["1", "2"]


@pytest.mark.parametrize("value", [None, "", [], ()])
def test_r_ser_3_multiple_falsy_serializes_to_none(value):
    assert MultipleSerializer.serialize(value) is None


@pytest.mark.parametrize("raw", [None, "", [], (), {}])
def test_r_ser_3_multiple_empty_raw_is_empty_list(raw):
    assert MultipleSerializer.deserialize(raw) == []


def test_r_ser_3_multiple_rejects_empty_choice():
    with pytest.raises(SerializationError, match="Choices must not be empty"):
        MultipleSerializer.serialize(["a", ""])


def test_r_ser_3_multiple_rejects_ambiguous_leading_separator():
    # ["a", ",b"] and ["a,", "b"] would both be stored as "a,,,b".
    assert MultipleSerializer.deserialize(MultipleSerializer.serialize(["a,", "b"])) == ["a,", "b"]
    with pytest.raises(SerializationError, match="must not start with"):
        MultipleSerializer.serialize(["a", ",b"])


def test_r_ser_3_duration():
    assert DurationSerializer.serialize(datetime.timedelta(minutes=1)) == "00:01:00"
    assert DurationSerializer.serialize(datetime.timedelta(milliseconds=1)) == "00:00:00.001000"
    assert DurationSerializer.serialize(datetime.timedelta(weeks=1)) == "7 00:00:00"
    assert DurationSerializer.deserialize("7 00:00:00") == datetime.timedelta(weeks=1)
    with pytest.raises(SerializationError):
        DurationSerializer.serialize(60)
    with pytest.raises(SerializationError, match="duration"):
        DurationSerializer.deserialize("three hours")


def test_r_ser_3_date():
    assert DateSerializer.serialize(datetime.date(2017, 10, 5)) == "2017-10-05"
    assert DateSerializer.deserialize("2017-10-05") == datetime.date(2017, 10, 5)
    with pytest.raises(SerializationError):
        DateSerializer.serialize("2017-10-05")
    # A datetime is a date subclass; stored whole it could not be read back.
    with pytest.raises(SerializationError):
        DateSerializer.serialize(datetime.datetime(2017, 10, 5, 1, 2))
    for raw in ("5 October", "2017-13-45", None):
        with pytest.raises(SerializationError, match="date"):
            DateSerializer.deserialize(raw)


def test_r_ser_3_datetime_naive_becomes_aware_in_time_zone(settings):
    assert settings.TIME_ZONE == "America/Chicago" and settings.USE_TZ
    value = datetime.datetime(2017, 10, 5, 23, 45, 1, 792346)
    raw = DateTimeSerializer.serialize(value)
    assert raw == "2017-10-05T23:45:01.792346-05:00"
    parsed = DateTimeSerializer.deserialize(raw)
    assert timezone.is_aware(parsed)
    assert parsed == timezone.make_aware(value)


def test_r_ser_3_datetime_aware_becomes_naive_utc_without_tz():
    paris = datetime.timezone(datetime.timedelta(hours=2))
    with override_settings(USE_TZ=False):
        raw = DateTimeSerializer.serialize(datetime.datetime(2017, 10, 5, 23, 45, 1, tzinfo=paris))
        assert raw == "2017-10-05T21:45:01"
        assert DateTimeSerializer.serialize(datetime.datetime(2017, 10, 5, 1, 2)) == (
            "2017-10-05T01:02:00"
        )
    assert timezone.is_naive(DateTimeSerializer.deserialize("2017-10-05T21:45:01"))


def test_r_ser_3_datetime_errors():
    with pytest.raises(SerializationError):
        DateTimeSerializer.serialize(datetime.date(2017, 10, 5))
    with pytest.raises(SerializationError, match="datetime"):
        DateTimeSerializer.deserialize("yesterday")


def test_r_ser_3_time():
    assert TimeSerializer.serialize(datetime.time(5)) == "05:00:00"
    assert TimeSerializer.serialize(datetime.time(23, 59, 59, 999999)) == "23:59:59.999999"
    assert TimeSerializer.deserialize("05:00:00") == datetime.time(5)
    with pytest.raises(SerializationError):
        TimeSerializer.serialize("05:00")
    with pytest.raises(SerializationError, match="time"):
        TimeSerializer.deserialize("noon")


# -- R-SER-3: model serializers -----------------------------------------------------------


@pytest.mark.django_db
def test_r_ser_3_model_serializer():
    entry = BlogEntry.objects.create(title="first", content="...")
    serializer = ModelSerializer(BlogEntry)
    assert serializer.serialize(entry) == str(entry.pk)
    assert serializer.serialize(None) is None
    assert serializer.serialize(UNSET) is None
    assert serializer.deserialize(str(entry.pk)) == entry
    assert serializer.deserialize(None) is None


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["abc", "999999"])
def test_r_ser_3_model_serializer_bad_or_missing_pk(raw):
    with pytest.raises(SerializationError, match=f"Value {raw} cannot be converted to pk"):
        ModelSerializer(BlogEntry).deserialize(raw)


@pytest.mark.django_db
def test_r_ser_3_model_serializer_non_integer_pk():
    entry = BlogEntryWithNonIntPk.objects.create(title="uuid", content="...")
    serializer = ModelSerializer(BlogEntryWithNonIntPk)
    raw = serializer.serialize(entry)
    assert raw == str(entry.pk)
    assert serializer.deserialize(raw) == entry
    with pytest.raises(SerializationError, match="cannot be converted to pk"):
        serializer.deserialize("not-a-uuid")


@pytest.mark.django_db
def test_r_ser_3_model_multiple_serializer():
    entries = [BlogEntry.objects.create(title=f"e{i}", content="") for i in range(11)]
    serializer = ModelMultipleSerializer(BlogEntry)
    assert serializer.separator == "," and serializer.sort is True
    first, last = entries[0], entries[-1]
    assert serializer.serialize(first) == str(first.pk)
    # pks are sorted as pks, then str()-ed: 9 before 10.
    expected = ",".join(str(e.pk) for e in sorted(entries, key=lambda e: e.pk))
    assert serializer.serialize(BlogEntry.objects.all()) == expected
    assert serializer.serialize(list(reversed(entries))) == expected
    assert serializer.serialize(None) is None
    assert serializer.serialize([]) is None
    result = serializer.deserialize(f"{first.pk},{last.pk}")
    assert isinstance(result, QuerySet)
    assert set(result) == {first, last}


@pytest.mark.django_db
def test_r_ser_3_model_multiple_missing_pks_drop_out():
    entry = BlogEntry.objects.create(title="kept", content="")
    serializer = ModelMultipleSerializer(BlogEntry)
    assert list(serializer.deserialize(f"{entry.pk},999999")) == [entry]


@pytest.mark.django_db
@pytest.mark.parametrize("raw", [None, "", [], (), {}])
def test_r_ser_3_model_multiple_empty_raw_is_empty_queryset(raw):
    result = ModelMultipleSerializer(BlogEntry).deserialize(raw)
    assert isinstance(result, QuerySet)
    assert result.model is BlogEntry
    assert not result.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["a string", [1, 2], 42])
def test_r_ser_3_model_multiple_rejects_other_values_with_value_error(value):
    with pytest.raises(ValueError, match=r"Cannot handle value .* of type"):
        ModelMultipleSerializer(BlogEntry).serialize(value)


@pytest.mark.django_db
def test_r_ser_3_model_multiple_non_integer_pks():
    entries = [BlogEntryWithNonIntPk.objects.create(title=str(i), content="") for i in range(3)]
    serializer = ModelMultipleSerializer(BlogEntryWithNonIntPk)
    assert set(serializer.deserialize(serializer.serialize(entries))) == set(entries)


@pytest.mark.django_db
def test_r_ser_3_model_multiple_bad_raw_is_serialization_error():
    with pytest.raises(SerializationError, match="cannot be converted"):
        list(ModelMultipleSerializer(BlogEntry).deserialize(12))


# -- R-SER-3, R-SER-4: files --------------------------------------------------------------


class Logo(FilePreference):
    section = "blog"
    name = "logo"


@pytest.fixture
def logo(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MEDIA_URL = "/media/"
    return Logo()


def test_r_ser_3_file_serializer_stores_upload(logo, tmp_path):
    serializer = FileSerializer(logo)
    raw = serializer.serialize(SimpleUploadedFile("x.txt", b"hello world"))
    assert raw == "dynamic_preferences/blog__logo/x.txt"
    assert (tmp_path / raw).read_bytes() == b"hello world"
    value = serializer.deserialize(raw)
    assert isinstance(value, PreferenceFieldFile)
    assert value.preference is logo
    assert value.read() == b"hello world"
    # An already stored file is written back as its name, not stored again.
    assert serializer.serialize(value) == raw
    assert sorted(p.name for p in (tmp_path / "dynamic_preferences/blog__logo").iterdir()) == [
        "x.txt"
    ]


def test_r_ser_3_file_serializer_keeps_existing_files(logo):
    serializer = FileSerializer(logo)
    first = serializer.serialize(ContentFile(b"one", name="x.txt"))
    second = serializer.serialize(ContentFile(b"two", name="x.txt"))
    assert first != second
    assert serializer.deserialize(first).read() == b"one"
    assert serializer.deserialize(second).read() == b"two"


def test_r_ser_3_file_serializer_falsy(logo):
    assert FileSerializer(logo).serialize(None) is None
    assert FileSerializer(logo).deserialize(None) is None
    assert FileSerializer(logo).deserialize("") is None


def test_r_ser_4_field_file_api_and_pickle(logo, tmp_path):
    value = FileSerializer(logo).deserialize(
        FileSerializer(logo).serialize(SimpleUploadedFile("x.txt", b"hello world"))
    )
    assert value.name == "dynamic_preferences/blog__logo/x.txt"
    assert value.url == "/media/dynamic_preferences/blog__logo/x.txt"
    assert value.path == str(tmp_path / "dynamic_preferences/blog__logo/x.txt")
    assert isinstance(value.instance, FakeInstance)
    assert isinstance(value.field, FakeField)
    field = value.field
    assert (field.name, field.attname, field.max_length) == ("noop", "noop", 10000)
    assert value.field.storage is value.storage
    copy = pickle.loads(pickle.dumps(value))
    assert copy.name == value.name
    copy.open("rb")
    assert copy.read() == b"hello world"
    copy.close()
    value.delete()
    assert not (tmp_path / "dynamic_preferences/blog__logo/x.txt").exists()


@pytest.mark.django_db
def test_r_ser_4_manager_file_value_is_picklable(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    manager = global_preferences_registry.manager()
    manager["blog__logo"] = SimpleUploadedFile("x.txt", b"hello world")
    restored = pickle.loads(pickle.dumps(manager["blog__logo"]))
    assert restored.name == manager["blog__logo"].name


@pytest.mark.django_db
def test_r_ser_5_file_location_read_and_delete(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MEDIA_URL = "/media/"
    manager = global_preferences_registry.manager()
    manager["blog__logo"] = SimpleUploadedFile("x.txt", b"hello world")
    stored = tmp_path / "dynamic_preferences" / "blog__logo" / "x.txt"
    assert stored.read_bytes() == b"hello world"
    assert manager["blog__logo"].url == "/media/dynamic_preferences/blog__logo/x.txt"
    assert manager["blog__logo"].read() == b"hello world"

    manager["blog__logo2"] = SimpleUploadedFile("x.txt", b"another")
    assert manager["blog__logo2"].path != manager["blog__logo"].path
    assert manager["blog__logo2"].name != manager["blog__logo"].name

    manager["blog__logo"].delete()
    assert not stored.exists()
    assert manager["blog__logo2"].read() == b"another"


# -- R-SER-6: what a None/empty raw value reads as ----------------------------------------


@pytest.mark.parametrize("serializer", [StringSerializer])
@pytest.mark.parametrize("raw", [None, ""])
def test_r_ser_6_string_types_read_empty(serializer, raw):
    assert serializer.deserialize(raw) == ""


@pytest.mark.parametrize("raw", [None, ""])
def test_r_ser_6_multiple_choice_reads_empty_list(raw):
    assert MultipleSerializer.deserialize(raw) == []


@pytest.mark.django_db
def test_r_ser_6_model_types_read_none_or_empty_queryset():
    assert ModelSerializer(BlogEntry).deserialize(None) is None
    assert not ModelMultipleSerializer(BlogEntry).deserialize(None).exists()


@pytest.mark.parametrize("raw", [None, ""])
def test_r_ser_6_file_reads_none(raw):
    assert FileSerializer(Logo()).deserialize(raw) is None


@pytest.mark.parametrize(
    "serializer",
    [
        BooleanSerializer,
        IntegerSerializer,
        DecimalSerializer,
        FloatSerializer,
        DurationSerializer,
        DateSerializer,
        DateTimeSerializer,
        TimeSerializer,
    ],
)
@pytest.mark.parametrize("raw", [None, ""])
def test_r_ser_6_scalar_types_refuse_empty(serializer, raw):
    with pytest.raises(SerializationError):
        serializer.deserialize(raw)


# -- Round-trip properties: serialize -> deserialize gives the value back -----------------


@given(st.booleans())
def test_r_ser_3_boolean_round_trip(value):
    assert BooleanSerializer.deserialize(BooleanSerializer.serialize(value)) is value


@given(st.integers())
def test_r_ser_3_integer_round_trip(value):
    assert IntegerSerializer.deserialize(IntegerSerializer.serialize(value)) == value


JSON_DECIMALS = st.decimals(
    allow_nan=False, allow_infinity=False, min_value=-(10**300), max_value=10**300
).filter(lambda value: len(value.as_tuple().digits) <= DecimalSerializer.max_digits)


@given(JSON_DECIMALS)
def test_r_ser_3_decimal_round_trip(value):
    result = DecimalSerializer.deserialize(DecimalSerializer.serialize(value))
    assert result == value
    assert str(result) == str(value)  # the exponent (precision) survives too


@pytest.mark.parametrize(
    "value",
    ["Infinity", "-Infinity", "NaN", "sNaN", "1e400", "1" * 500, "0." + "1" * 29],
    ids=["inf", "-inf", "nan", "snan", "beyond-json-range", "500-digits", "29-digits"],
)
def test_decimals_that_cannot_round_trip_are_refused(value):
    with pytest.raises(SerializationError):
        DecimalSerializer.serialize(Decimal(value))


@given(
    st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(min_value=-(2**53), max_value=2**53)
)
def test_r_ser_3_float_round_trip(value):
    assert FloatSerializer.deserialize(FloatSerializer.serialize(value)) == float(value)


@pytest.mark.parametrize(
    "value", [math.inf, -math.inf, math.nan, 10**400], ids=["inf", "-inf", "nan", "huge-int"]
)
def test_floats_that_cannot_round_trip_are_refused(value):
    with pytest.raises(SerializationError):
        FloatSerializer.serialize(value)


@given(st.text())
def test_r_ser_3_string_round_trip(value):
    assert StringSerializer.deserialize(StringSerializer.serialize(value)) == value


@given(st.lists(st.text(min_size=1).filter(lambda item: not item.startswith(","))))
def test_r_ser_3_multiple_round_trip(value):
    assert MultipleSerializer.deserialize(MultipleSerializer.serialize(value)) == sorted(value)


@given(st.timedeltas())
def test_r_ser_3_duration_round_trip(value):
    assert DurationSerializer.deserialize(DurationSerializer.serialize(value)) == value


@given(st.dates())
def test_r_ser_3_date_round_trip(value):
    assert DateSerializer.deserialize(DateSerializer.serialize(value)) == value


@given(st.datetimes(timezones=st.none() | st.timezones()))
def test_r_ser_3_datetime_round_trip(value):
    result = DateTimeSerializer.deserialize(DateTimeSerializer.serialize(value))
    expected = timezone.make_aware(value) if timezone.is_naive(value) else value
    assert timezone.is_aware(result)
    # Compared as UTC instants: inter-zone == is always False for a time whose offset
    # depends on ``fold`` (PEP 495), e.g. 02:00 on a night clocks go back.
    assert result.astimezone(datetime.UTC) == expected.astimezone(datetime.UTC)


@given(st.times())
def test_r_ser_3_time_round_trip(value):
    assert TimeSerializer.deserialize(TimeSerializer.serialize(value)) == value


@pytest.mark.django_db
@DB_PROPERTY
@given(title=st.text(max_size=50), non_int_pk=st.booleans())
def test_r_ser_3_model_round_trip(title, non_int_pk):
    model = BlogEntryWithNonIntPk if non_int_pk else BlogEntry
    entry = model.objects.create(title=title.replace("\x00", ""), content="")
    serializer = ModelSerializer(model)
    assert serializer.deserialize(serializer.serialize(entry)) == entry


@pytest.mark.django_db
@DB_PROPERTY
@given(count=st.integers(min_value=0, max_value=5), non_int_pk=st.booleans())
def test_r_ser_3_model_multiple_round_trip(count, non_int_pk):
    model = BlogEntryWithNonIntPk if non_int_pk else BlogEntry
    entries = [model.objects.create(title=str(i), content="") for i in range(count)]
    serializer = ModelMultipleSerializer(model)
    assert set(serializer.deserialize(serializer.serialize(entries))) == set(entries)


@DB_PROPERTY
@given(
    content=st.binary(max_size=2048),
    name=st.from_regex(r"[A-Za-z0-9_-]{1,20}\.(txt|png)", fullmatch=True),
)
def test_r_ser_3_file_round_trip(tmp_path, content, name):
    class Storage(Logo):
        def get_file_storage(self):
            return FileSystemStorage(location=tmp_path)

    serializer = FileSerializer(Storage())
    value = serializer.deserialize(serializer.serialize(ContentFile(content, name=name)))
    assert value.name.startswith("dynamic_preferences/blog__logo/")
    with value.open("rb"):
        assert value.read() == content
