"""Per-user preferences (spec §10, R-USER-1..3, R-MOD-13)."""

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction

from preferences.managers import PreferencesManager
from preferences.registries import preference_models
from preferences.users.apps import UserPreferencesConfig
from preferences.users.models import UserPreferenceModel
from preferences.users.registries import user_preferences_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="carol", password="x")


def test_r_user_1_app_config_and_manager_attribute(django_user_model):
    config = apps.get_app_config("preferences_users")
    assert isinstance(config, UserPreferencesConfig)
    assert config.name == "preferences.users"
    assert config.verbose_name == "Preferences - Users"
    assert preference_models[UserPreferenceModel] is user_preferences_registry
    assert isinstance(django_user_model.__dict__["preferences"], property)


def test_r_user_1_ready_honours_manager_attribute(settings, django_user_model):
    settings.DYNAMIC_PREFERENCES = {"MANAGER_ATTRIBUTE": "prefs"}
    try:
        apps.get_app_config("preferences_users").ready()
        user = django_user_model(pk=1, username="p")
        assert isinstance(user.prefs, PreferencesManager)
        assert user.prefs.instance is user
    finally:
        delattr(django_user_model, "prefs")


def test_r_user_2_first_read_returns_default_and_creates_the_row(user):
    assert user.preferences["misc__favourite_colour"] == "Green"
    row = UserPreferenceModel.objects.get(section="misc", name="favourite_colour", instance=user)
    assert row.value == "Green"
    user.preferences["misc__favourite_colour"] = "Blue"
    row = UserPreferenceModel.objects.get(section="misc", name="favourite_colour", instance=user)
    assert row.value == "Blue"


def test_r_user_2_users_do_not_share_values(user, django_user_model):
    other = django_user_model.objects.create_user(username="dave", password="x")
    user.preferences["user__favorite_vegetable"] = "P"
    assert other.preferences["user__favorite_vegetable"] == "C"
    assert user.preferences["user__favorite_vegetable"] == "P"


def test_r_user_2_choice_validation(user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        user.preferences["user__favorite_vegetable"] = "Nope"
    with pytest.raises(ValidationError):
        user.preferences["user__favorite_vegetables"] = ["C", "Nope"]
    assert user.preferences["user__favorite_vegetables"] == ["C", "P"]


def test_r_user_3_rows_are_created_lazily(user):
    assert not UserPreferenceModel.objects.filter(instance=user).exists()
    assert len(user.preferences) == 8
    assert UserPreferenceModel.objects.filter(instance=user).count() == 8


def test_r_user_3_duplicate_rows_are_refused(user):
    user.preferences["misc__is_zombie"]
    with pytest.raises(IntegrityError), transaction.atomic():
        UserPreferenceModel.objects.create(instance=user, section="misc", name="is_zombie")


def test_r_mod_13_user_model_has_no_related_name(django_user_model, user):
    field = UserPreferenceModel._meta.get_field("instance")
    assert field.related_model is django_user_model
    assert field.remote_field.related_name is None
    assert field.remote_field.on_delete.__name__ == "CASCADE"
    assert UserPreferenceModel._meta.app_label == "preferences_users"
    assert UserPreferenceModel._meta.db_table == "preferences_users_userpreferencemodel"
    assert UserPreferenceModel._meta.verbose_name == "user preference"
    assert UserPreferenceModel._meta.verbose_name_plural == "user preferences"
    user.preferences.all()
    assert user.userpreferencemodel_set.count() == 8


def test_r_mod_13_deleting_a_user_deletes_their_rows(user, django_user_model):
    other = django_user_model.objects.create_user(username="erin", password="x")
    user.preferences.all()
    other.preferences.all()
    user.delete()
    assert set(UserPreferenceModel.objects.values_list("instance", flat=True)) == {other.pk}


def test_r_inst_2_each_access_returns_a_fresh_bound_manager(user):
    first, second = user.preferences, user.preferences
    assert isinstance(first, PreferencesManager)
    assert first is not second
    assert first.instance is user
    assert first.registry is user_preferences_registry
    assert first.model is UserPreferenceModel
