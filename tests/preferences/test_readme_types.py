"""The code examples of docs/preferences/declaring.md, types.md and configuration.md
("Preferences settings"), copied verbatim.

The examples register into the real
global registry, so a fixture restores the registry afterwards (the reference registry of
R-TEST-1 must stay exactly as it is for the other tests).
"""

import sys
import types

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.signals import pre_delete
from django.test import override_settings

from hub.redaction import is_sensitive
from preferences.admin import DynamicPreferenceAdmin
from preferences.models import GlobalPreferenceModel
from preferences.preferences import InvalidNameError
from preferences.registries import PreferenceRegistry, global_preferences_registry
from preferences.serializers import SerializationError
from preferences.settings import DEFAULTS, preferences_settings
from preferences.types import ModelChoicePreference
from tests.testapp.models import BlogEntry


@pytest.fixture
def registry_snapshot():
    """Put the global registry back as it was; disconnect handlers the examples added."""
    registry = global_preferences_registry
    saved = {section: dict(by_name) for section, by_name in registry.items()}
    saved_sections = dict(registry.section_objects)
    known = {id(p) for p in registry.preferences()}
    yield
    for preference in registry.preferences():
        if id(preference) not in known and isinstance(preference, ModelChoicePreference):
            pre_delete.disconnect(preference.deletion_handler, sender=preference.model)
    registry.clear()
    registry.update(saved)
    registry.section_objects.clear()
    registry.section_objects.update(saved_sections)


@pytest.fixture
def myapp(monkeypatch):
    """The docs' ``myapp.models``: the reference app's BlogEntry."""
    package = types.ModuleType("myapp")
    models = types.ModuleType("myapp.models")
    models.BlogEntry = BlogEntry
    package.models = models
    monkeypatch.setitem(sys.modules, "myapp", package)
    monkeypatch.setitem(sys.modules, "myapp.models", models)


def declare_general_settings():
    """docs/preferences/declaring.md, first example (myapp/dynamic_preferences_registry.py)."""
    from django.core.exceptions import ValidationError

    from preferences.preferences import Section
    from preferences.registries import global_preferences_registry
    from preferences.types import BooleanPreference, IntegerPreference, StringPreference

    general = Section("general", verbose_name="General settings")

    @global_preferences_registry.register
    class SiteTitle(StringPreference):
        section = general
        name = "title"
        default = "Prefhub"
        verbose_name = "Site title"
        help_text = "Shown in every page header"

    @global_preferences_registry.register
    class PageSize(IntegerPreference):
        section = general
        name = "page_size"
        default = 25

        def validate(self, value):
            if not 1 <= value <= 500:
                raise ValidationError("Between 1 and 500, please")

    @global_preferences_registry.register
    class MaintenanceMode(BooleanPreference):
        name = "maintenance_mode"  # no section: the identifier is just the name
        default = False

    return general


@pytest.mark.django_db
@pytest.mark.usefixtures("registry_snapshot")
def test_r_reg_2_readme_registry_module_and_manager():
    declare_general_settings()

    # docs/preferences/declaring.md, second example, verbatim:
    global_preferences = global_preferences_registry.manager()
    assert global_preferences["general__title"] == "Prefhub"
    global_preferences["general__page_size"] = 50
    assert global_preferences["maintenance_mode"] is False

    assert global_preferences_registry.get("general__title").verbose_name == "Site title"
    assert str(global_preferences_registry.section_objects["general"]) == "General settings"
    with pytest.raises(ValidationError, match="Between 1 and 500"):
        global_preferences["general__page_size"] = 501
    assert global_preferences["general__page_size"] == 50
    row = GlobalPreferenceModel.objects.get(section="general", name="page_size")
    assert row.raw_value == "50"


def test_r_name_2_readme_names_are_checked_at_registration():
    registry = PreferenceRegistry()
    bad = type("Bad", (ModelChoicePreference,), {"name": "page__size", "model": BlogEntry})
    with pytest.raises(InvalidNameError, match="Bad"):
        registry.register(bad)


@pytest.mark.django_db
@pytest.mark.usefixtures("registry_snapshot", "myapp")
def test_r_type_7_readme_choices_model_choices_and_files(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    from preferences.preferences import Section

    general = declare_general_settings()

    # docs/preferences/types.md, verbatim:
    from myapp.models import BlogEntry

    from preferences.types import ChoicePreference, FilePreference, ModelChoicePreference

    @global_preferences_registry.register
    class Theme(ChoicePreference):
        section = general
        name = "theme"
        choices = [("light", "Light"), ("dark", "Dark")]
        default = "light"

    @global_preferences_registry.register
    class FeaturedEntry(ModelChoicePreference):
        section = Section("home")
        name = "featured_entry"
        model = BlogEntry

        def get_default(self):
            return BlogEntry.objects.first()  # runs at first read, not at import

    @global_preferences_registry.register
    class Logo(FilePreference):
        section = Section("home")
        name = "logo"  # stored under MEDIA_ROOT/dynamic_preferences/home__logo/

    entry = BlogEntry.objects.create(title="Hello", content="")
    manager = global_preferences_registry.manager()
    assert manager["general__theme"] == "light"
    with pytest.raises(ValidationError, match="blue is not a valid choice"):
        manager["general__theme"] = "blue"
    manager["general__theme"] = "dark"
    assert manager["general__theme"] == "dark"

    assert manager["home__featured_entry"] == entry
    manager["home__logo"] = SimpleUploadedFile("logo.png", b"png bytes")
    assert (tmp_path / "dynamic_preferences/home__logo/logo.png").read_bytes() == b"png bytes"

    # "Deleting the blog entry ... deletes that preference's row; the next read recreates it."
    entry.delete()
    assert not GlobalPreferenceModel.objects.filter(section="home", name="featured_entry").exists()
    assert manager["home__featured_entry"] is None


@pytest.mark.django_db
@pytest.mark.usefixtures("registry_snapshot")
def test_r_ser_6_readme_none_default_caveat():
    # docs/preferences/types.md, "The None default caveat", verbatim:
    from preferences.preferences import Section
    from preferences.types import IntegerPreference

    @global_preferences_registry.register
    class UploadLimit(IntegerPreference):
        section = Section("uploads")
        name = "limit"
        default = None  # wrong: reading uploads__limit raises

    with pytest.raises(SerializationError, match="cannot serialize None"):
        global_preferences_registry.manager()["uploads__limit"]
    assert not GlobalPreferenceModel.objects.filter(section="uploads").exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("registry_snapshot")
def test_r_pref_3_readme_sensitive_preference():
    from preferences.preferences import Section
    from preferences.types import StringPreference

    # docs/preferences/declaring.md, "Sensitive preferences", verbatim:
    @global_preferences_registry.register
    class SmtpPassword(StringPreference):
        section = Section("mail")
        name = "smtp_password"
        default = ""
        sensitive = True

    preference = global_preferences_registry.get("mail__smtp_password")
    assert preference.get("sensitive", False) is True
    assert is_sensitive(preference)
    manager = global_preferences_registry.manager()
    manager["mail__smtp_password"] = "s3cret"
    assert manager["mail__smtp_password"] == "s3cret"  # the engine stores it like any value


def test_r_set_5_readme_settings():
    # docs/configuration.md, "Preferences settings", verbatim:
    DYNAMIC_PREFERENCES = {
        "REGISTRY_MODULE": "dynamic_preferences_registry",
        "SECTION_KEY_SEPARATOR": "__",
        "ENABLE_CACHE": True,
        "CACHE_NAME": "default",
        "FILE_PREFERENCE_UPLOAD_DIR": "dynamic_preferences",
    }

    assert set(DYNAMIC_PREFERENCES) <= set(DEFAULTS)
    with override_settings(DYNAMIC_PREFERENCES=DYNAMIC_PREFERENCES):
        for key, value in DYNAMIC_PREFERENCES.items():
            assert getattr(preferences_settings, key) == value
    with pytest.raises(AttributeError, match="Invalid preference setting: 'UNKNOWN'"):
        preferences_settings.UNKNOWN  # noqa: B018


def test_r_set_5_readme_registry_module_read_once():
    with override_settings(DYNAMIC_PREFERENCES={"REGISTRY_MODULE": "other_registry"}):
        assert preferences_settings.REGISTRY_MODULE == "other_registry"
        assert PreferenceRegistry.look_into == "dynamic_preferences_registry"


def test_r_set_5_readme_admin_changelist_form_read_per_request():
    model_admin = DynamicPreferenceAdmin(GlobalPreferenceModel, admin.site)
    assert "raw_value" not in model_admin.list_editable
    with override_settings(DYNAMIC_PREFERENCES={"ADMIN_ENABLE_CHANGELIST_FORM": True}):
        assert "raw_value" in model_admin.list_editable
