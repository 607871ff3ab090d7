"""Preference models (spec §8, R-MOD-1..12)."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import IntegrityError, models, transaction

import preferences
from preferences.models import (
    BasePreferenceModel,
    GlobalPreferenceModel,
    PerInstancePreferenceModel,
    invalidate_cache,
)
from preferences.registries import MissingPreference, global_preferences_registry
from preferences.users.models import UserPreferenceModel
from tests.testapp.models import Site, SitePreferenceModel

REPO = Path(__file__).resolve().parents[2]
MIGRATIONS = Path(preferences.__file__).parent / "migrations"

# The cache is written when the transaction commits: tests that look into it commit.
commits = pytest.mark.django_db(transaction=True)


def test_r_mod_1_fields():
    section = BasePreferenceModel._meta.get_field("section")
    assert isinstance(section, models.CharField)
    assert (section.max_length, section.db_index, section.blank, section.null) == (
        150,
        True,
        True,
        True,
    )
    assert section.default is None
    assert section.verbose_name == "Section Name"
    name = BasePreferenceModel._meta.get_field("name")
    assert isinstance(name, models.CharField)
    assert (name.max_length, name.db_index, name.verbose_name) == (150, True, "Name")
    raw_value = BasePreferenceModel._meta.get_field("raw_value")
    assert isinstance(raw_value, models.TextField)
    assert (raw_value.null, raw_value.blank, raw_value.verbose_name) == (True, True, "Raw Value")


@pytest.mark.django_db
def test_r_mod_1_sectionless_rows_store_null():
    global_preferences_registry.manager()["no_section"] = True
    assert GlobalPreferenceModel.objects.filter(section__isnull=True, name="no_section").exists()


def test_r_mod_2_row_resolves_its_preference_or_a_fallback():
    row = GlobalPreferenceModel(section="user", name="max_users")
    assert row.preference is global_preferences_registry.get("user__max_users")
    obsolete = GlobalPreferenceModel(section="gone", name="old", raw_value="kept")
    with pytest.warns(UserWarning):
        assert isinstance(obsolete.preference, MissingPreference)
    assert obsolete.value == "kept"


def test_r_mod_3_value_property_and_accessors():
    row = GlobalPreferenceModel(section="type", name="cost")
    row.value = Decimal("1.50")
    assert row.raw_value == "1.50"
    assert row.value == Decimal("1.50")
    row.set_value(Decimal(2))
    assert row.get_value() == Decimal(2)


def test_r_mod_4_verbose_name_and_help_text():
    row = GlobalPreferenceModel(section="user", name="max_users")
    assert row.verbose_name == "Maximum user count"
    assert row.help_text == "Be careful with this setting"
    plain = GlobalPreferenceModel(section="user", name="items_per_page")
    assert plain.verbose_name == "user__items_per_page"
    assert isinstance(plain.verbose_name, str)
    assert plain.help_text == ""
    assert BasePreferenceModel.verbose_name.fget.short_description == "Verbose Name"
    assert BasePreferenceModel.help_text.fget.short_description == "Help Text"


@pytest.mark.django_db
def test_r_mod_5_new_row_without_value_gets_the_default():
    row = GlobalPreferenceModel(section="user", name="items_per_page")
    row.save()
    assert GlobalPreferenceModel.objects.get(pk=row.pk).raw_value == "25"
    explicit = GlobalPreferenceModel(section="user", name="max_users", raw_value="3")
    explicit.save()
    assert GlobalPreferenceModel.objects.get(pk=explicit.pk).raw_value == "3"


@pytest.mark.django_db
def test_r_mod_5_existing_row_emptied_stays_empty(django_user_model):
    user = django_user_model.objects.create_user(username="e", password="x")
    row = user.preferences.get_db_pref("misc", "favourite_colour")
    row.raw_value = ""
    row.save()
    row.refresh_from_db()
    assert row.raw_value == ""


def test_r_mod_6_str_and_repr():
    row = GlobalPreferenceModel(section=None, name="no_section")
    assert str(row) == "GlobalPreferenceModel - None/no_section"
    assert repr(row) == "GlobalPreferenceModel - None/no_section"
    assert str(GlobalPreferenceModel(section="user", name="max_users")) == (
        "GlobalPreferenceModel - user/max_users"
    )


def test_r_mod_7_global_model_meta():
    meta = GlobalPreferenceModel._meta
    assert meta.app_label == "preferences"
    assert meta.db_table == "preferences_globalpreferencemodel"
    assert meta.unique_together == (("section", "name"),)
    assert (meta.verbose_name, meta.verbose_name_plural) == (
        "Global preference",
        "Global preferences",
    )
    assert GlobalPreferenceModel.registry is global_preferences_registry
    assert global_preferences_registry.preference_model is GlobalPreferenceModel


def test_r_mod_8_per_instance_model_contract():
    assert PerInstancePreferenceModel._meta.abstract
    assert SitePreferenceModel._meta.unique_together == (("instance", "section", "name"),)
    assert SitePreferenceModel.get_instance_model() is Site
    assert SitePreferenceModel._meta.app_label == "testapp"


@pytest.mark.django_db
@commits
def test_r_mod_9_every_save_refreshes_the_cache():
    manager = global_preferences_registry.manager()
    row = GlobalPreferenceModel.objects.create(section="user", name="max_users", raw_value="7")
    key = manager.get_cache_key("user", "max_users")
    assert caches["default"].get(key) == "7"
    caches["default"].delete(key)
    invalidate_cache(sender=GlobalPreferenceModel, instance=row, created=False)
    assert caches["default"].get(key) == "7"


@pytest.mark.django_db
def test_r_mod_9_receiver_ignores_other_models():
    site = Site.objects.create(domain="ignored.org")
    entries_before = len(caches["default"]._cache)
    invalidate_cache(sender=Site, instance=site, created=True)
    assert len(caches["default"]._cache) == entries_before


@pytest.mark.django_db
def test_r_mod_10_deleting_a_row_drops_its_cache_entry(django_user_model):
    manager = global_preferences_registry.manager()
    manager["user__max_users"] = 9
    key = manager.get_cache_key("user", "max_users")
    GlobalPreferenceModel.objects.get(name="max_users").delete()
    assert caches["default"].get(key) is None
    assert manager["user__max_users"] == 100


@pytest.mark.django_db
def test_r_mod_10_queryset_delete_drops_per_instance_entries(django_user_model):
    user = django_user_model.objects.create_user(username="d", password="x")
    user.preferences["misc__favourite_colour"] = "Red"
    key = user.preferences.get_cache_key("misc", "favourite_colour")
    UserPreferenceModel.objects.filter(instance=user).delete()
    assert caches["default"].get(key) is None
    assert django_user_model.objects.get(pk=user.pk).preferences["misc__favourite_colour"] == (
        "Green"
    )


@pytest.mark.django_db(transaction=True)
def test_r_mod_11_sectionless_global_rows_are_unique():
    GlobalPreferenceModel.objects.create(section=None, name="no_section", raw_value="False")
    with pytest.raises(IntegrityError), transaction.atomic():
        GlobalPreferenceModel.objects.create(section=None, name="no_section", raw_value="True")
    with pytest.raises(IntegrityError), transaction.atomic():
        GlobalPreferenceModel.objects.create(section="user", name="max_users")
        GlobalPreferenceModel.objects.create(section="user", name="max_users")
    assert GlobalPreferenceModel.objects.filter(name="no_section").count() == 1
    assert global_preferences_registry.manager()["no_section"] is False


@pytest.mark.django_db(transaction=True)
def test_r_mod_11_sectionless_per_instance_rows_are_unique():
    site = Site.objects.create(domain="unique.org")
    other = Site.objects.create(domain="other.org")
    SitePreferenceModel.objects.create(instance=site, section=None, name="flag", raw_value="1")
    SitePreferenceModel.objects.create(instance=other, section=None, name="flag", raw_value="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        SitePreferenceModel.objects.create(instance=site, section=None, name="flag", raw_value="")
    assert SitePreferenceModel.objects.filter(name="flag").count() == 2


def test_r_mod_12_main_migrations_never_mention_user_preferences():
    text = "".join(path.read_text() for path in MIGRATIONS.glob("0*.py"))
    assert "UserPreferenceModel" not in text
    assert "AUTH_USER_MODEL" not in text
    # The initial migration plus the data migration sealing sensitive values at rest.
    names = sorted(p.name for p in MIGRATIONS.glob("0*.py"))
    assert names == ["0001_initial.py", "0002_seal_sensitive_values.py"]


def test_r_mod_12_no_pending_migrations_with_big_auto_field(settings, tmp_path):
    """Run in a fresh process: models that other tests define at run time must not count.

    Migrations do not depend on the backend; a scratch SQLite file keeps the check away
    from the test database, which this run holds open.
    """
    assert settings.DEFAULT_AUTO_FIELD == "django.db.models.BigAutoField"
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemigrations",
            "preferences",
            "preferences_users",
            "testapp",
            "--check",
            "--dry-run",
            "--settings=tests.settings",
        ],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'scratch.sqlite3'}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
    assert isinstance(GlobalPreferenceModel._meta.pk, models.AutoField)
    assert not isinstance(GlobalPreferenceModel._meta.pk, models.BigAutoField)
    assert not isinstance(UserPreferenceModel._meta.pk, models.BigAutoField)
