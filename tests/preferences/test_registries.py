"""Registries (spec §5, R-REG-1..8, R-REG-10, R-REG-11, R-TEST-2).

Tests that register preferences use throw-away registries, never the reference ones.
"""

import pytest
from django.test.utils import isolate_apps

from preferences.exceptions import MissingDefault, MissingModel, NotFoundInRegistry
from preferences.managers import PreferencesManager
from preferences.models import GlobalPreferenceModel
from preferences.preferences import InvalidNameError, Section
from preferences.registries import (
    GlobalPreferenceRegistry,
    MissingPreference,
    PerInstancePreferenceRegistry,
    PreferenceModelsRegistry,
    PreferenceRegistry,
    global_preferences_registry,
    preference_models,
)
from preferences.types import BooleanPreference, IntegerPreference, StringPreference
from preferences.users.models import UserPreferenceModel
from preferences.users.registries import UserPreferenceRegistry, user_preferences_registry
from tests.testapp.dynamic_preferences_registry import MaxUsers, NoDefault, NoModel
from tests.testapp.models import BlogEntry, Site, SitePreferenceModel
from tests.testapp.registries import site_preferences_registry


class Title(StringPreference):
    section = Section("general")
    name = "title"
    default = "Prefhub"


class Subtitle(StringPreference):
    section = Section("general", verbose_name="General settings")
    name = "subtitle"
    default = ""


class Maintenance(BooleanPreference):
    name = "maintenance"
    default = False


class Limit(IntegerPreference):
    section = Section("quota")
    name = "title"
    default = 3


@pytest.fixture
def registry():
    fresh = PreferenceRegistry()
    for preference_class in (Title, Maintenance, Subtitle, Limit):
        fresh.register(preference_class)
    return fresh


def test_r_reg_1_registry_maps_sections_to_names_to_preferences(registry):
    assert list(registry) == ["general", None, "quota"]
    assert list(registry["general"]) == ["title", "subtitle"]
    assert isinstance(registry["general"]["title"], Title)
    assert registry.section_objects["general"].verbose_name == "General settings"
    assert PreferenceRegistry.name == "preferences_registry"
    assert PreferenceRegistry.preference_model is None
    assert PreferenceRegistry.section_url_namespace is None
    assert PreferenceRegistry.look_into == "dynamic_preferences_registry"


def test_r_reg_2_register_returns_the_class_and_binds_the_instance(registry):
    assert registry.register(Title) is Title
    instance = registry.get("general__title")
    assert instance.registry is registry
    assert type(instance) is Title


def test_r_reg_2_registering_twice_replaces(registry):
    class OtherTitle(Title):
        default = "Other"

    registry.register(OtherTitle)
    assert type(registry.get("general__title")) is OtherTitle
    assert len(registry.preferences(section="general")) == 2


def test_r_reg_2_declaration_errors_surface_at_registration():
    registry = PreferenceRegistry()
    with pytest.raises(MissingDefault):
        registry.register(NoDefault)
    with pytest.raises(MissingModel):
        registry.register(NoModel)

    class BadName(StringPreference):
        name = "with space"
        default = ""

    with pytest.raises(InvalidNameError):
        registry.register(BadName)
    assert dict(registry) == {}


def test_r_reg_3_get_by_identifier_or_section_and_name():
    by_identifier = global_preferences_registry.get("user__registration_allowed")
    by_parts = global_preferences_registry.get(name="registration_allowed", section="user")
    assert by_identifier is by_parts
    assert global_preferences_registry.get(name="no_section").name == "no_section"
    # The identifier wins over an explicit section.
    assert global_preferences_registry.get("user__max_users", section="blog") is (
        global_preferences_registry.get(name="max_users", section="user")
    )


@pytest.mark.parametrize("key", ["user__unknown", "unknownsection__max_users", "unknown"])
def test_r_reg_3_unknown_keys_raise_not_found(key):
    with pytest.raises(NotFoundInRegistry, match="GlobalPreferenceRegistry"):
        global_preferences_registry.get(key)


def test_r_reg_4_fallback_object_for_unknown_rows(registry):
    with pytest.warns(UserWarning, match="checkpreferences"):
        fallback = registry.get(name="old", section="gone", fallback=True)
    assert isinstance(fallback, MissingPreference)
    assert isinstance(fallback, StringPreference)
    assert fallback.section.name == "gone"
    assert fallback.name == "old"
    assert fallback.default == ""
    assert fallback.help_text == "Obsolete: missing in registry"
    assert fallback.identifier() == "gone__old"
    assert "gone" not in registry


def test_r_reg_4_fallback_without_section_and_with_invalid_names(registry):
    with pytest.warns(UserWarning):
        sectionless = registry.get(name="old", fallback=True)
    assert sectionless.section is None
    assert sectionless.identifier() == "old"
    with pytest.warns(UserWarning):
        invalid = registry.get(name="with space", section="bad-section", fallback=True)
    assert invalid.section.name == "bad-section"
    assert invalid.serializer.deserialize("kept") == "kept"


def test_r_reg_5_get_by_name_returns_the_first_match(registry):
    assert type(registry.get_by_name("title")) is Title
    assert type(registry.get_by_name("maintenance")) is Maintenance
    with pytest.raises(NotFoundInRegistry):
        registry.get_by_name("nothing")


def test_r_reg_6_preferences_and_sections(registry):
    assert [type(p) for p in registry.preferences()] == [Title, Subtitle, Maintenance, Limit]
    assert [type(p) for p in registry.preferences(section="quota")] == [Limit]
    with pytest.raises(KeyError):
        registry.preferences(section="unknown")
    assert list(registry.sections()) == ["general", None, "quota"]


def test_r_test_2_reference_registry_order():
    names = [p.name for p in global_preferences_registry.preferences()]
    assert names[:4] == ["registration_allowed", "max_users", "items_per_page", "featured_entry"]
    assert len(names) == 15
    assert len(user_preferences_registry.preferences()) == 8


def test_r_reg_7_manager_is_bound_to_the_registry_and_model():
    manager = global_preferences_registry.manager()
    assert isinstance(manager, PreferencesManager)
    assert manager.registry is global_preferences_registry
    assert manager.model is GlobalPreferenceModel
    site = Site(pk=3, domain="example.org")
    bound = site_preferences_registry.manager(instance=site)
    assert bound.instance is site
    assert bound.model is SitePreferenceModel


def test_r_reg_8_concrete_registries_have_distinct_names():
    assert global_preferences_registry.name == "global"
    assert user_preferences_registry.name == "user"
    assert isinstance(global_preferences_registry, GlobalPreferenceRegistry)
    assert isinstance(user_preferences_registry, UserPreferenceRegistry)
    assert issubclass(UserPreferenceRegistry, PerInstancePreferenceRegistry)
    assert issubclass(PerInstancePreferenceRegistry, PreferenceRegistry)
    assert GlobalPreferenceRegistry.section_url_namespace == "preferences:global.section"
    assert UserPreferenceRegistry.section_url_namespace == "preferences:user.section"


@pytest.mark.django_db
def test_r_reg_8_rows_tell_their_registry_name(django_user_model):
    user = django_user_model.objects.create_user(username="r", password="x")
    global_row = global_preferences_registry.manager().get_db_pref("user", "max_users")
    user_row = user.preferences.get_db_pref("misc", "is_zombie")
    assert global_row.registry.name == "global"
    assert user_row.registry.name == "user"


def test_r_reg_10_register_binds_model_and_registry(django_user_model):
    assert preference_models[GlobalPreferenceModel] is global_preferences_registry
    assert global_preferences_registry.preference_model is GlobalPreferenceModel
    assert user_preferences_registry.preference_model is UserPreferenceModel
    assert UserPreferenceModel.registry is user_preferences_registry
    assert GlobalPreferenceModel.registry is global_preferences_registry
    manager_property = django_user_model.__dict__["preferences"]
    assert isinstance(manager_property, property)
    assert manager_property.fset is None


def test_r_reg_10_model_keeps_an_existing_registry_attribute():
    models_registry = PreferenceModelsRegistry()
    other = GlobalPreferenceRegistry()
    try:
        models_registry.register(GlobalPreferenceModel, other)
        assert other.preference_model is GlobalPreferenceModel
        assert GlobalPreferenceModel.registry is global_preferences_registry
    finally:
        global_preferences_registry.preference_model = GlobalPreferenceModel


def test_r_reg_11_get_by_preference_resolves_proxies():
    with isolate_apps("preferences"):

        class ProxyGlobalPreference(GlobalPreferenceModel):
            class Meta:
                proxy = True
                app_label = "preferences"

    row = ProxyGlobalPreference(section="user", name="max_users")
    assert preference_models.get_by_preference(row) is global_preferences_registry
    user_row = UserPreferenceModel(section="misc", name="is_zombie")
    assert preference_models.get_by_preference(user_row) is user_preferences_registry


def test_r_reg_11_get_by_instance(django_user_model):
    assert preference_models.get_by_instance(django_user_model(username="x")) is (
        user_preferences_registry
    )
    assert preference_models.get_by_instance(Site(domain="a.org")) is site_preferences_registry
    assert preference_models.get_by_instance(BlogEntry(title="t")) is None


def test_r_reg_2_registered_instance_is_the_declared_class():
    assert type(global_preferences_registry.get("user__max_users")) is MaxUsers
