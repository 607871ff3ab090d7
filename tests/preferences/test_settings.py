"""preferences.settings: R-SET-1..5."""

import pytest
from django.test import override_settings

from preferences.settings import DEFAULTS, SETTINGS_ATTR, PreferenceSettings, preferences_settings


def test_r_set_1_user_value_wins_over_default(settings):
    settings.DYNAMIC_PREFERENCES = {"SECTION_KEY_SEPARATOR": "--"}
    assert preferences_settings.SECTION_KEY_SEPARATOR == "--"
    assert preferences_settings.CACHE_NAME == "default"


def test_r_set_1_missing_django_setting_means_defaults(settings):
    if hasattr(settings, SETTINGS_ATTR):
        del settings.DYNAMIC_PREFERENCES
    assert SETTINGS_ATTR == "DYNAMIC_PREFERENCES"
    assert preferences_settings.user_settings == {}
    assert preferences_settings.MANAGER_ATTRIBUTE == "preferences"


# Prefhub's own settings, beyond the upstream table of R-SET-2.
EXTENSIONS = {"MAX_VALUE_LENGTH": 64 * 1024, "LOCAL_CACHE_TTL": 5.0}


def test_r_set_2_exact_defaults(settings):
    settings.DYNAMIC_PREFERENCES = {}
    assert DEFAULTS == EXTENSIONS | {
        "MANAGER_ATTRIBUTE": "preferences",
        "SECTION_KEY_SEPARATOR": "__",
        "REGISTRY_MODULE": "dynamic_preferences_registry",
        "ADMIN_ENABLE_CHANGELIST_FORM": False,
        "ENABLE_GLOBAL_MODEL_AUTO_REGISTRATION": True,
        "ENABLE_USER_PREFERENCES": True,
        "ENABLE_CACHE": True,
        "CACHE_NAME": "default",
        "VALIDATE_NAMES": True,
        "FILE_PREFERENCE_UPLOAD_DIR": "dynamic_preferences",
        "CACHE_NONE_VALUE": "__dynamic_preferences_empty_value",
    }
    assert {key: getattr(preferences_settings, key) for key in DEFAULTS} == DEFAULTS


def test_r_set_3_unknown_key_raises_attribute_error():
    with pytest.raises(AttributeError) as error:
        preferences_settings.NOT_A_SETTING  # noqa: B018
    assert str(error.value) == "Invalid preference setting: 'NOT_A_SETTING'"


def test_r_set_4_memoised_when_caching_settings(settings):
    settings.CACHE_DYNAMIC_PREFERENCES_SETTINGS = True
    settings.DYNAMIC_PREFERENCES = {"CACHE_NAME": "first"}
    own = PreferenceSettings(DEFAULTS)
    assert own.CACHE_NAME == "first"
    settings.DYNAMIC_PREFERENCES = {"CACHE_NAME": "second"}
    assert own.CACHE_NAME == "first"
    assert "CACHE_NAME" in vars(own)


def test_r_set_4_reread_when_not_caching_settings(settings):
    assert settings.CACHE_DYNAMIC_PREFERENCES_SETTINGS is False  # project test settings
    own = PreferenceSettings(DEFAULTS)
    settings.DYNAMIC_PREFERENCES = {"CACHE_NAME": "first"}
    assert own.CACHE_NAME == "first"
    settings.DYNAMIC_PREFERENCES = {"CACHE_NAME": "second"}
    assert own.CACHE_NAME == "second"
    assert "CACHE_NAME" not in vars(own)


def test_r_set_4_override_settings_drops_the_memo():
    with override_settings(CACHE_DYNAMIC_PREFERENCES_SETTINGS=True):
        with override_settings(DYNAMIC_PREFERENCES={"CACHE_NAME": "inner"}):
            assert preferences_settings.CACHE_NAME == "inner"
        assert preferences_settings.CACHE_NAME == "default"


def test_r_set_5_registry_module_is_read_at_import(settings):
    from preferences.registries import PreferenceRegistry

    settings.DYNAMIC_PREFERENCES = {"REGISTRY_MODULE": "somewhere_else"}
    assert preferences_settings.REGISTRY_MODULE == "somewhere_else"
    assert PreferenceRegistry.look_into == "dynamic_preferences_registry"
