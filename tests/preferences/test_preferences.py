"""preferences.preferences: names, sections and AbstractPreference (R-NAME-*, R-PREF-*)."""

import pytest

from preferences.exceptions import MissingDefault
from preferences.preferences import (
    EMPTY_SECTION,
    AbstractPreference,
    InvalidNameError,
    Section,
    check_name,
)
from preferences.serializers import UNSET


def make(name="pref", section=EMPTY_SECTION, **attrs):
    """A preference class (default 0 unless given) instantiated without a registry."""
    attrs.setdefault("default", 0)
    return type("Pref", (AbstractPreference,), {"name": name, "section": section, **attrs})()


def test_r_name_1_invalid_name_is_a_value_error():
    assert issubclass(InvalidNameError, ValueError)


@pytest.mark.parametrize("name", ["with space", "with__separator", "with-hyphen", "", "end\n"])
def test_r_name_2_rejected_names(name):
    with pytest.raises(InvalidNameError) as error:
        check_name(name, "the object")
    assert repr(name) in str(error.value)
    assert "the object" in str(error.value)


@pytest.mark.parametrize(
    "name", ["title", "max_users", "TestGlobal1", "_x", "couleur_préférée", "x1"]
)
def test_r_name_2_accepted_names(name):
    check_name(name, "the object")


def test_r_name_2_uses_the_configured_separator(settings):
    settings.DYNAMIC_PREFERENCES = {"SECTION_KEY_SEPARATOR": "_"}
    with pytest.raises(InvalidNameError, match="reserved"):
        check_name("max_users", "the object")


def test_r_name_3_section_verbose_name_and_str():
    assert Section("general").verbose_name == "general"
    assert str(Section("general")) == "general"
    assert str(Section("child", verbose_name="Child Section Verbose Name")) == (
        "Child Section Verbose Name"
    )
    assert str(Section(None)) == ""


def test_r_name_3_section_name_is_validated():
    with pytest.raises(InvalidNameError, match="bad name"):
        Section("bad name")


def test_r_name_3_validation_can_be_disabled(settings):
    settings.DYNAMIC_PREFERENCES = {"VALIDATE_NAMES": False}
    assert Section("bad name").name == "bad name"
    assert make(name="bad name").name == "bad name"


def test_r_name_4_empty_section_is_the_default():
    assert EMPTY_SECTION.name is None
    assert AbstractPreference.section is EMPTY_SECTION


def test_r_pref_1_class_attributes():
    assert AbstractPreference.name == ""
    assert AbstractPreference.default is UNSET


def test_r_pref_2_unnamed_preference_fails():
    with pytest.raises(InvalidNameError):
        make(name="")


def test_r_pref_2_string_section_becomes_section_with_warning():
    with pytest.warns(DeprecationWarning, match="Section"):
        preference = make(section="general")
    assert isinstance(preference.section, Section)
    assert preference.section.name == "general"
    assert type(preference).section == "general"  # only the instance is changed


def test_r_pref_2_registry_is_stored():
    registry = object()
    preference = type("Pref", (AbstractPreference,), {"name": "p", "default": 1})(registry)
    assert preference.registry is registry


def test_r_pref_2_missing_default_raises():
    with pytest.raises(MissingDefault):
        type("NoDefault", (AbstractPreference,), {"name": "p"})()


def test_r_pref_2_get_default_replaces_default():
    preference = make(default=UNSET, get_default=lambda self: 42)
    assert preference.get("default") == 42


def test_r_pref_3_get_prefers_getter_then_attribute_then_default():
    preference = make(help_text="static", get_verbose_name=lambda self: "computed")
    assert preference.get("verbose_name") == "computed"
    assert preference.get("help_text") == "static"
    assert preference.get("widget") is None
    assert preference.get("widget", "fallback") == "fallback"


def test_r_pref_4_identifier():
    assert make(name="title", section=Section("general")).identifier() == "general__title"
    assert make(name="maintenance_mode").identifier() == "maintenance_mode"
    assert make(name="x", section=Section("", verbose_name="Nothing")).identifier() == "x"


def test_r_pref_5_model_is_the_registry_preference_model():
    registry = type("Registry", (), {"preference_model": "the model"})()
    preference = type("Pref", (AbstractPreference,), {"name": "p", "default": 1})(registry)
    assert preference.model == "the model"


def test_r_pref_6_section_none_is_empty_section():
    preference = make(name="flag", section=None)
    assert preference.section is EMPTY_SECTION
    assert preference.identifier() == "flag"
