"""preferences.types: the typed preferences (R-TYPE-1..15)."""

import datetime
import gc
from decimal import Decimal

import pytest
from django import forms
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.signals import pre_delete

from preferences.exceptions import MissingDefault, MissingModel
from preferences.models import GlobalPreferenceModel
from preferences.preferences import AbstractPreference, Section
from preferences.registries import PreferenceRegistry, global_preferences_registry
from preferences.serializers import (
    BooleanSerializer,
    DateSerializer,
    DateTimeSerializer,
    DecimalSerializer,
    DurationSerializer,
    FileSerializer,
    FloatSerializer,
    IntegerSerializer,
    ModelMultipleSerializer,
    ModelSerializer,
    MultipleSerializer,
    StringSerializer,
    TimeSerializer,
)
from preferences.signals import preference_updated
from preferences.types import (
    BasePreferenceType,
    BooleanPreference,
    ChoicePreference,
    DatePreference,
    DateTimePreference,
    DecimalPreference,
    DurationPreference,
    FilePreference,
    FloatPreference,
    IntegerPreference,
    IntPreference,
    LongStringPreference,
    ModelChoicePreference,
    ModelMultipleChoicePreference,
    MultipleChoicePreference,
    StringPreference,
    TimePreference,
)
from tests.testapp.dynamic_preferences_registry import VEGETABLES, NoModel
from tests.testapp.models import BlogEntry

# The cache is written when the transaction commits: tests that look into it commit.
commits = pytest.mark.django_db(transaction=True)


def declare(base, name="pref", section="test", **attrs):
    """Instantiate an unregistered subclass of ``base`` (default 0 unless given)."""
    attrs.setdefault("default", 0)
    return type(f"Test{base.__name__}", (base,), {"name": name, "section": section, **attrs})()


def unique_validator(value):
    """A validator declared in a class-level ``field_kwargs``."""


# -- R-TYPE-1..6: the base type -----------------------------------------------------------


def test_r_type_1_base_class_attributes():
    assert issubclass(BasePreferenceType, AbstractPreference)
    assert BasePreferenceType.field_class is None
    assert BasePreferenceType.serializer is None
    assert BasePreferenceType.field_kwargs == {}


def test_r_type_1_optional_attributes_through_get():
    preference = declare(
        StringPreference,
        verbose_name="Title",
        help_text="Shown on top",
        get_required=lambda s: True,
    )
    kwargs = preference.get_field_kwargs()
    assert kwargs["label"] == "Title"
    assert kwargs["help_text"] == "Shown on top"
    assert kwargs["required"] is True
    assert kwargs["widget"] is None


def test_r_type_2_field_kwargs_defaults():
    preference = declare(IntegerPreference, default=7)
    kwargs = preference.get_field_kwargs()
    assert kwargs == {
        "label": None,
        "help_text": None,
        "widget": None,
        "required": None,
        "initial": 7,
        "validators": [preference.validate],
    }
    assert preference.field.required is None  # no `required`: effectively optional


def test_r_type_2_declared_kwargs_are_kept():
    preference = declare(StringPreference, field_kwargs={"label": "Declared", "max_length": 5})
    kwargs = preference.get_field_kwargs()
    assert kwargs["label"] == "Declared"
    assert kwargs["max_length"] == 5


def test_r_type_2_validators_do_not_accumulate():
    declared = [unique_validator]
    preference = declare(StringPreference, field_kwargs={"validators": declared})
    first = preference.get_field_kwargs()["validators"]
    second = preference.get_field_kwargs()["validators"]
    assert first == second == [unique_validator, preference.validate]
    assert first is not second
    assert declared == [unique_validator]
    assert type(preference).field_kwargs == {"validators": [unique_validator]}


def test_r_type_3_initial_from_field_kwargs_or_default():
    assert declare(IntegerPreference, default=3).initial == 3
    assert declare(IntegerPreference, default=3, field_kwargs={"initial": 9}).initial == 9
    assert declare(IntegerPreference, default=3).get_initial() == 3


def test_r_type_4_setup_field_and_field_property():
    preference = declare(IntegerPreference, default=3, verbose_name="Count")
    field = preference.setup_field(label="Overridden", min_value=0)
    assert isinstance(field, forms.IntegerField)
    assert field.label == "Overridden"
    assert field.min_value == 0
    assert preference.field.label == "Count"
    assert preference.field is not preference.field


def test_r_type_5_validate_runs_in_form_fields():
    class Even(IntegerPreference):
        section = "test"
        name = "even"
        default = 2

        def validate(self, value):
            if value % 2:
                raise forms.ValidationError("Odd!")

    preference = Even()
    assert preference.field.clean("4") == 4
    with pytest.raises(ValidationError, match="Odd!"):
        preference.field.clean("3")
    assert declare(IntegerPreference).validate(3) is None


def test_r_type_5_reference_validate_wrong_value():
    max_users = global_preferences_registry.get("user__max_users")
    with pytest.raises(ValidationError, match="Wrong value!"):
        max_users.field.clean("1001")
    with pytest.raises(ValidationError, match="Wrong value!"):
        max_users.validate(1001)


def test_r_type_6_api_helpers():
    preference = declare(IntegerPreference)
    assert preference.api_repr(12) == 12
    assert preference.get_api_additional_data() == {}
    assert preference.get_api_field_data() == {
        "class": "IntegerField",
        "widget": {"class": "NumberInput"},
        "input_type": "number",
    }
    assert declare(LongStringPreference, default="").get_api_field_data() == {
        "class": "CharField",
        "widget": {"class": "Textarea"},
        "input_type": None,
    }


# -- R-TYPE-7: the table ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preference_class", "field_class", "serializer", "default"),
    [
        (BooleanPreference, forms.BooleanField, BooleanSerializer, False),
        (IntegerPreference, forms.IntegerField, IntegerSerializer, 1),
        (DecimalPreference, forms.DecimalField, DecimalSerializer, Decimal(1)),
        (FloatPreference, forms.FloatField, FloatSerializer, 1.0),
        (StringPreference, forms.CharField, StringSerializer, ""),
        (LongStringPreference, forms.CharField, StringSerializer, ""),
        (ChoicePreference, forms.ChoiceField, StringSerializer, "C"),
        (MultipleChoicePreference, forms.MultipleChoiceField, MultipleSerializer, []),
        (DurationPreference, forms.DurationField, DurationSerializer, datetime.timedelta(0)),
        (DatePreference, forms.DateField, DateSerializer, datetime.date(2000, 1, 1)),
        (DateTimePreference, forms.DateTimeField, DateTimeSerializer, None),
        (TimePreference, forms.TimeField, TimeSerializer, datetime.time(8)),
    ],
)
def test_r_type_7_field_and_serializer(preference_class, field_class, serializer, default):
    preference = declare(preference_class, default=default)
    assert preference_class.field_class is field_class
    assert preference.serializer is serializer
    assert type(preference.field) is field_class


def test_r_type_7_extras():
    assert IntPreference is IntegerPreference
    assert BooleanPreference.required is False
    assert declare(BooleanPreference, default=False).field.required is False
    assert issubclass(LongStringPreference, StringPreference)
    assert LongStringPreference.widget is forms.Textarea
    assert ChoicePreference.choices == ()
    assert issubclass(MultipleChoicePreference, ChoicePreference)
    assert MultipleChoicePreference.widget is forms.CheckboxSelectMultiple
    assert ModelChoicePreference.model is None
    assert ModelChoicePreference.queryset is None
    assert ModelChoicePreference.serializer_class is ModelSerializer
    assert ModelMultipleChoicePreference.serializer_class is ModelMultipleSerializer
    assert ModelMultipleChoicePreference.field_class is forms.ModelMultipleChoiceField
    assert ModelChoicePreference.field_class is forms.ModelChoiceField
    assert FilePreference.default is None
    assert FilePreference.field_class is forms.FileField


def test_r_type_7_model_and_file_serializers_are_instances():
    entry_choice = declare(ModelChoicePreference, model=BlogEntry, default=None)
    assert isinstance(entry_choice.serializer, ModelSerializer)
    assert entry_choice.serializer.model is BlogEntry
    entries = declare(ModelMultipleChoicePreference, model=BlogEntry, default=None)
    assert isinstance(entries.serializer, ModelMultipleSerializer)
    logo = declare(FilePreference, default=None)
    assert isinstance(logo.serializer, FileSerializer)
    assert logo.serializer.preference is logo
    assert logo.serializer is not logo.serializer


# -- R-TYPE-8, R-TYPE-9: choices ----------------------------------------------------------


def test_r_type_8_choice_preference():
    preference = declare(ChoicePreference, choices=VEGETABLES, default="C")
    assert preference.get_field_kwargs()["choices"] == VEGETABLES
    assert preference.field.choices == list(VEGETABLES)
    assert preference.get_api_additional_data() == {"choices": VEGETABLES}
    assert preference.get_choice_values() == ["C", "T", "P"]
    preference.validate("T")
    with pytest.raises(ValidationError, match="Nope is not a valid choice"):
        preference.validate("Nope")


def test_r_type_8_empty_choices_build_a_field():
    preference = declare(ChoicePreference, default="")
    assert preference.field.choices == []
    assert preference.get_choice_values() == []


def test_r_type_8_choices_through_a_getter():
    preference = declare(ChoicePreference, default="a", get_choices=lambda self: [("a", "A")])
    assert preference.field.choices == [("a", "A")]
    assert preference.get_choice_values() == ["a"]


@pytest.mark.django_db
def test_r_type_8_user_manager_rejects_bad_choice(django_user_model):
    user = django_user_model.objects.create_user(username="vegetarian", password="x")
    with pytest.raises(ValidationError, match="Nope is not a valid choice"):
        user.preferences["user__favorite_vegetable"] = "Nope"
    assert user.preferences["user__favorite_vegetable"] == "C"


def test_r_type_9_multiple_choice_validation():
    preference = declare(MultipleChoicePreference, choices=VEGETABLES, default=["C"])
    preference.validate(["C", "P"])
    preference.validate(None)
    preference.validate([])
    with pytest.raises(ValidationError, match="X is not a valid choice"):
        preference.validate(["C", "X"])
    assert preference.field.clean(["C", "T"]) == ["C", "T"]


# -- R-TYPE-10, R-TYPE-11: model choices --------------------------------------------------


def test_r_type_10_model_gives_queryset():
    preference = declare(ModelChoicePreference, model=BlogEntry, default=None)
    assert preference.queryset.model is BlogEntry
    assert preference.get_field_kwargs()["queryset"] is preference.queryset


def test_r_type_10_queryset_gives_model():
    queryset = BlogEntry.objects.filter(title__startswith="a")
    preference = declare(ModelChoicePreference, queryset=queryset, default=None)
    assert preference.model is BlogEntry
    assert preference.field.queryset.query.where == queryset.query.where


def test_r_type_10_missing_model_and_missing_default():
    with pytest.raises(MissingModel):
        NoModel()
    with pytest.raises(MissingDefault):
        type("NoDefault", (ModelChoicePreference,), {"name": "x", "model": BlogEntry})()


@pytest.mark.django_db
def test_r_type_11_api_repr():
    first = BlogEntry.objects.create(title="a", content="")
    second = BlogEntry.objects.create(title="b", content="")
    single = declare(ModelChoicePreference, model=BlogEntry, default=None)
    assert single.api_repr(None) is None
    assert single.api_repr(first) == first.pk
    multiple = declare(ModelMultipleChoicePreference, model=BlogEntry, default=None)
    assert multiple.api_repr(BlogEntry.objects.order_by("pk")) == [first.pk, second.pk]
    assert multiple.api_repr(BlogEntry.objects.none()) is None


# -- R-TYPE-12: deleting the referenced object --------------------------------------------


@pytest.fixture
def signals_sent():
    sent = []

    def record(**kwargs):
        sent.append(kwargs)

    preference_updated.connect(record)
    yield sent
    preference_updated.disconnect(record)


@commits
def test_r_type_12_deletion_removes_row_and_cache_entry(signals_sent):
    kept = BlogEntry.objects.create(title="kept", content="")
    featured = BlogEntry.objects.create(title="featured", content="")
    manager = global_preferences_registry.manager()
    manager["blog__featured_entry"] = featured
    assert manager["blog__featured_entry"] == featured
    cache_key = manager.get_cache_key("blog", "featured_entry")
    assert caches["default"].get(cache_key) == str(featured.pk)
    signals_sent.clear()

    featured.delete()

    assert not GlobalPreferenceModel.objects.filter(section="blog", name="featured_entry").exists()
    assert caches["default"].get(cache_key) is None
    assert signals_sent == []
    assert manager["blog__featured_entry"] == kept  # recreated with the default


@pytest.mark.django_db
def test_r_type_12_only_rows_pointing_to_the_deleted_object():
    doomed = BlogEntry.objects.create(title="doomed", content="")
    other = BlogEntry.objects.create(title="other", content="")
    GlobalPreferenceModel.objects.bulk_create(
        [GlobalPreferenceModel(section="blog", name="featured_entry", raw_value=str(other.pk))]
    )
    doomed.delete()
    assert global_preferences_registry.manager()["blog__featured_entry"] == other


@pytest.mark.django_db
def test_r_type_12_every_preference_keeps_its_handler_and_uses_section_name():
    registry = PreferenceRegistry()
    registry.preference_model = GlobalPreferenceModel
    featured = Section("featured", verbose_name="Featured things")
    for name in ("first", "second"):
        registry.register(
            type(
                name,
                (ModelChoicePreference,),
                {"section": featured, "name": name, "model": BlogEntry, "default": None},
            )
        )
    gc.collect()  # weakly referenced handlers would be gone now
    doomed = BlogEntry.objects.create(title="doomed", content="")
    other = BlogEntry.objects.create(title="other", content="")
    GlobalPreferenceModel.objects.bulk_create(
        [
            GlobalPreferenceModel(section="featured", name="first", raw_value=str(doomed.pk)),
            GlobalPreferenceModel(section="featured", name="second", raw_value=str(doomed.pk)),
            GlobalPreferenceModel(section="blog", name="featured_entry", raw_value=str(other.pk)),
        ]
    )
    try:
        doomed.delete()
    finally:
        for preference in registry.preferences():
            pre_delete.disconnect(preference.deletion_handler, sender=BlogEntry)
    remaining = set(GlobalPreferenceModel.objects.values_list("section", "name"))
    assert remaining == {("blog", "featured_entry")}


@pytest.mark.django_db
def test_r_type_12_handler_of_an_unregistered_preference_is_harmless():
    preference = declare(ModelChoicePreference, model=BlogEntry, default=None)
    entry = BlogEntry.objects.create(title="x", content="")
    try:
        entry.delete()
    finally:
        pre_delete.disconnect(preference.deletion_handler, sender=BlogEntry)
    assert not BlogEntry.objects.exists()


def test_r_type_12_no_handler_for_multiple_model_choice():
    preference = declare(ModelMultipleChoicePreference, model=BlogEntry, default=None)
    assert not hasattr(preference, "deletion_handler")


# -- R-TYPE-13..15 ------------------------------------------------------------------------


@pytest.mark.django_db
def test_r_type_13_file_preference(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MEDIA_URL = "/media/"
    logo = global_preferences_registry.get("blog__logo")
    assert logo.get_upload_path() == "dynamic_preferences/blog__logo"
    assert logo.get_file_storage() is default_storage
    assert logo.field.required is False
    assert declare(FilePreference, default=None, required=True).field.required is True
    assert logo.api_repr(None) is None
    manager = global_preferences_registry.manager()
    manager["blog__logo"] = SimpleUploadedFile("x.txt", b"hello world")
    assert logo.api_repr(manager["blog__logo"]) == "/media/dynamic_preferences/blog__logo/x.txt"


def test_r_type_13_upload_dir_setting(settings):
    settings.DYNAMIC_PREFERENCES = {"FILE_PREFERENCE_UPLOAD_DIR": "uploads"}
    assert declare(FilePreference, name="logo", section="blog").get_upload_path() == (
        "uploads/blog__logo"
    )


def test_r_type_14_api_repr_of_dates_and_durations():
    duration = declare(DurationPreference, default=datetime.timedelta(hours=3))
    date = declare(DatePreference, default=datetime.date(1998, 9, 4))
    moment = declare(DateTimePreference, default=None)
    time = declare(TimePreference, default=datetime.time(8))
    assert duration.api_repr(datetime.timedelta(hours=3)) == "03:00:00"
    assert date.api_repr(datetime.date(1998, 9, 4)) == "1998-09-04"
    birth = datetime.datetime(1992, 5, 4, 3, 4, 10, 150, tzinfo=datetime.UTC)
    assert moment.api_repr(birth) == "1992-05-04T03:04:10.000150+00:00"
    assert time.api_repr(datetime.time(8)) == "08:00:00"
    for preference in (duration, date, moment, time):
        assert preference.api_repr(None) is None


def test_r_type_15_get_default_called_each_time():
    calls = []

    class Counter(IntegerPreference):
        section = "test"
        name = "counter"

        def get_default(self):
            calls.append(1)
            return len(calls)

    preference = Counter()
    assert preference.get("default") == 1
    assert preference.initial == 2
    assert preference.field.initial == 3


@pytest.mark.django_db
def test_r_type_15_get_default_at_row_creation():
    entry = BlogEntry.objects.create(title="first", content="")
    assert global_preferences_registry.manager()["blog__featured_entry"] == entry
