"""The checkpreferences command (R-CMD-1..3, R-TEST-3)."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from preferences.management.commands import checkpreferences
from preferences.models import GlobalPreferenceModel
from preferences.registries import (
    PreferenceModelsRegistry,
    global_preferences_registry,
    preference_models,
)
from preferences.signals import preference_updated
from preferences.users.models import UserPreferenceModel
from preferences.users.registries import user_preferences_registry
from tests.testapp.models import Site, SitePreferenceModel

pytestmark = pytest.mark.django_db

REFERENCE_OUTPUT = [
    "Creating missing global preferences...",
    "Deleted 0 global preferences",
    "Deleted 0 GlobalPreferenceModel preferences",
    "Deleted 0 UserPreferenceModel preferences",
    "Creating missing preferences for User model...",
]

GLOBAL_DEFAULTS_WITHOUT_BLOG = {
    "user__registration_allowed": False,
    "user__max_users": 100,
    "user__items_per_page": 25,
    "blog__featured_entry": None,
    "blog__logo": None,
    "blog__logo2": None,
    "no_section": False,
    "test__TestGlobal1": "default value",
    "test__TestGlobal2": False,
    "test__TestGlobal3": False,
}


@pytest.fixture
def reference_setup(monkeypatch):
    """Upstream's reference setup: only the global and the user preference models.

    The test app also binds a per-site model (R-INST-1), which adds its own two lines.
    """
    reference = PreferenceModelsRegistry()
    reference[GlobalPreferenceModel] = global_preferences_registry
    reference[UserPreferenceModel] = user_preferences_registry
    monkeypatch.setattr(checkpreferences, "preference_models", reference)


@pytest.fixture
def signals():
    received = []

    def record(sender, **kwargs):
        received.append(sender)

    preference_updated.connect(record)
    yield received
    preference_updated.disconnect(record)


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("checkpreferences", *args, stdout=out)
    return out.getvalue().splitlines()


def test_r_cmd_1_reference_output(reference_setup, django_user_model):
    django_user_model.objects.create_user(username="u1", password="x")
    assert run() == REFERENCE_OUTPUT


def test_r_cmd_1_skip_create_only_deletes(reference_setup, django_user_model):
    user = django_user_model.objects.create_user(username="u1", password="x")
    assert run("--skip_create") == REFERENCE_OUTPUT[1:4]
    assert not GlobalPreferenceModel.objects.exists()
    assert not UserPreferenceModel.objects.filter(instance=user).exists()


def test_r_cmd_1_every_bound_model_in_registration_order():
    assert list(preference_models) == [
        SitePreferenceModel,
        GlobalPreferenceModel,
        UserPreferenceModel,
    ]
    assert run() == [
        "Creating missing global preferences...",
        "Deleted 0 global preferences",
        "Deleted 0 SitePreferenceModel preferences",
        "Creating missing preferences for Site model...",
        "Deleted 0 GlobalPreferenceModel preferences",
        "Deleted 0 UserPreferenceModel preferences",
        "Creating missing preferences for User model...",
    ]


def test_r_cmd_1_materialises_preferences_of_every_instance(django_user_model, signals):
    users = [
        django_user_model.objects.create_user(username=f"u{i}", password="x") for i in range(3)
    ]
    sites = [Site.objects.create(domain=f"s{i}.org") for i in range(2)]
    users[0].preferences["misc__favourite_colour"] = "Red"
    signals.clear()
    run()
    assert GlobalPreferenceModel.objects.count() == 15
    for user in users:
        assert UserPreferenceModel.objects.filter(instance=user).count() == 8
    for site in sites:
        assert SitePreferenceModel.objects.filter(instance=site).count() == 2
    assert users[0].preferences["misc__favourite_colour"] == "Red"
    assert users[1].preferences.all()["user__favorite_vegetables"] == ["C", "P"]
    assert signals == []


def test_r_cmd_2_obsolete_rows_are_deleted(django_user_model):
    user = django_user_model.objects.create_user(username="u1", password="x")
    GlobalPreferenceModel.objects.create(section="gone", name="old", raw_value="x")
    GlobalPreferenceModel.objects.create(section="user", name="removed", raw_value="x")
    # Strict lookup: a section-less row named like an identifier is not that preference.
    GlobalPreferenceModel.objects.create(section=None, name="user__max_users", raw_value="1")
    UserPreferenceModel.objects.create(instance=user, section="misc", name="gone", raw_value="x")
    output = run()
    assert "Deleted 3 global preferences" in output
    assert "Deleted 1 UserPreferenceModel preferences" in output
    assert not GlobalPreferenceModel.objects.filter(name__in=["old", "removed"]).exists()
    assert not GlobalPreferenceModel.objects.filter(name="user__max_users").exists()
    assert UserPreferenceModel.objects.filter(instance=user).count() == 8


def test_r_cmd_2_delete_preferences_returns_the_deleted_rows():
    global_preferences_registry.manager().all()
    obsolete = GlobalPreferenceModel.objects.create(section="gone", name="old", raw_value="x")
    deleted = checkpreferences.delete_preferences(GlobalPreferenceModel.objects.all())
    assert [(row.section, row.name) for row in deleted] == [("gone", "old")]
    assert not GlobalPreferenceModel.objects.filter(pk=obsolete.pk).exists()
    assert GlobalPreferenceModel.objects.count() == 15


def count_queries_of_bulk_creation() -> int:
    with CaptureQueriesContext(connection) as queries:
        checkpreferences.create_missing_rows(
            UserPreferenceModel, user_preferences_registry.preferences()
        )
    return len(queries)


def test_r_cmd_3_bulk_creation_query_count_does_not_grow_with_instances(django_user_model):
    for i in range(3):
        django_user_model.objects.create_user(username=f"few{i}", password="x")
    few = count_queries_of_bulk_creation()
    UserPreferenceModel.objects.all().delete()
    for i in range(60):
        django_user_model.objects.create_user(username=f"many{i}", password="x")
    many = count_queries_of_bulk_creation()
    assert few == many
    assert UserPreferenceModel.objects.count() == 63 * 8


def test_r_cmd_3_bulk_creation_skips_existing_rows(django_user_model):
    user = django_user_model.objects.create_user(username="u1", password="x")
    user.preferences["misc__is_zombie"] = False
    checkpreferences.create_missing_rows(
        UserPreferenceModel, user_preferences_registry.preferences()
    )
    checkpreferences.create_missing_rows(
        UserPreferenceModel, user_preferences_registry.preferences()
    )
    assert UserPreferenceModel.objects.filter(instance=user).count() == 8
    assert user.preferences["misc__is_zombie"] is False


def test_r_test_3_all_defaults_after_checkpreferences():
    run()
    values = global_preferences_registry.manager().all()
    assert {
        key: values[key] for key in GLOBAL_DEFAULTS_WITHOUT_BLOG
    } == GLOBAL_DEFAULTS_WITHOUT_BLOG
    assert len(values) == 15
    assert str(values["type__cost"]) == "0"
    assert str(values["exam__duration"]) == "3:00:00"
    assert values["company__RegistrationDate"].isoformat() == "1998-09-04"
    assert values["child__BirthDateTime"].isoformat() == "1992-05-04T03:04:10.000150+00:00"
    assert values["company__OpenningTime"].isoformat() == "08:00:00"
