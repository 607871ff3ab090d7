"""PreferencesManager (spec §9.1, R-MGR-*), against the reference registry of tests.testapp."""

from collections.abc import Mapping
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models.signals import pre_save

from preferences.exceptions import NotFoundInRegistry
from preferences.managers import PreferencesManager
from preferences.models import GlobalPreferenceModel
from preferences.registries import MissingPreference, global_preferences_registry
from preferences.serializers import SerializationError
from preferences.signals import preference_updated
from preferences.users.registries import user_preferences_registry
from tests.testapp.dynamic_preferences_registry import MaxUsers

pytestmark = pytest.mark.django_db

# The cache is written when the transaction commits: tests that look into it commit.
commits = pytest.mark.django_db(transaction=True)

# Created at import time on purpose: R-MGR-1 says such a manager keeps working (#191).
IMPORT_TIME_MANAGER = global_preferences_registry.manager()

USER_DEFAULTS = {
    "misc__favourite_colour": "Green",
    "misc__is_zombie": True,
    "user__favorite_vegetable": "C",
    "user__favorite_vegetables": ["C", "P"],
    "test__SUserStringPref": "Hello world!",
    "test__SiteBooleanPref": False,
    "test__TestUserPref1": "default value",
    "test__TestUserPref2": "default value",
}


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="alice", password="x")


def test_r_mgr_1_manager_is_a_mapping_with_setitem(manager):
    assert isinstance(manager, Mapping)
    assert manager.model is GlobalPreferenceModel
    assert manager.registry is global_preferences_registry
    assert manager.instance is None
    manager["user__max_users"] = 7
    assert manager["user__max_users"] == 7


def test_r_mgr_1_manager_created_at_import_time_sees_later_writes(manager):
    manager["test__TestGlobal1"] = "written later"
    assert IMPORT_TIME_MANAGER["test__TestGlobal1"] == "written later"
    caches["default"].clear()
    assert IMPORT_TIME_MANAGER["test__TestGlobal1"] == "written later"


def test_r_mgr_2_queryset_is_filtered_by_instance(user, django_user_model):
    other = django_user_model.objects.create_user(username="bob", password="x")
    user.preferences.all()
    other.preferences.all()
    rows = user.preferences.queryset
    assert rows.count() == len(user_preferences_registry.preferences())
    assert set(rows.values_list("instance", flat=True)) == {user.pk}


def test_r_mgr_2_per_instance_manager_without_instance_refuses(user):
    user.preferences.all()
    orphan = user_preferences_registry.manager()
    for operation in (
        lambda: orphan["misc__favourite_colour"],
        lambda: orphan.all(),
        lambda: orphan.queryset,
        lambda: orphan.update_db_pref("misc", "favourite_colour", "Red"),
        lambda: orphan.__setitem__("misc__favourite_colour", "Red"),
    ):
        with pytest.raises(
            TypeError, match="UserPreferenceModel preferences belong to an instance"
        ):
            operation()
    assert user.preferences["misc__favourite_colour"] == "Green"


def test_r_mgr_3_getitem_reads_and_unknown_keys_raise(manager):
    assert manager["user__max_users"] == 100
    assert manager["no_section"] is False
    with pytest.raises(NotFoundInRegistry):
        manager["user__nope"]
    with pytest.raises(KeyError):
        manager["nope"]
    assert "user__max_users" in manager
    assert "user__nope" not in manager
    assert "a__b__c" not in manager


def test_r_mgr_4_mapping_protocol_follows_all(manager, user):
    everything = manager.all()
    assert list(manager) == list(everything)
    assert len(manager) == 15
    assert repr(manager) == repr(everything)
    assert dict(manager.items()) == everything
    assert manager == everything
    assert len(user.preferences) == len(user_preferences_registry.preferences()) == 8


def test_r_mgr_5_get_bypasses_cache_with_no_cache(manager, django_assert_num_queries):
    manager["user__items_per_page"] = 30
    GlobalPreferenceModel.objects.filter(section="user", name="items_per_page").update(
        raw_value="31"
    )
    assert manager.get("user__items_per_page") == 30
    assert manager.get("user__items_per_page", no_cache=True) == 31
    with django_assert_num_queries(1):
        # The second positional parameter is no_cache, not a Mapping default (§18.3-14).
        assert manager.get("user__items_per_page", "a default?") == 31


def test_r_mgr_5_get_unknown_key_raises(manager):
    with pytest.raises(NotFoundInRegistry, match="section='user' and name='unknown'"):
        manager.get("user__unknown")


def test_r_mgr_6_validate_rejects_and_nothing_is_written(manager, signals):
    with pytest.raises(ValidationError, match="Wrong value!"):
        manager["user__max_users"] = 1001
    assert manager.get("user__max_users", no_cache=True) == 100
    assert signals == []


def test_r_mgr_6_serializer_rejection_is_a_validation_error(manager, signals):
    manager["user__max_users"] = 12
    with pytest.raises(ValidationError) as raised:
        manager["user__max_users"] = "twelve"
    assert isinstance(raised.value.__cause__, SerializationError)
    assert "user__max_users" in raised.value.messages[0]
    assert manager.get("user__max_users", no_cache=True) == 12
    assert manager["user__max_users"] == 12
    assert len(signals) == 1


def test_r_mgr_6_serializer_rejection_on_a_new_row_writes_nothing(manager):
    with pytest.raises(ValidationError, match="exam__duration"):
        manager["exam__duration"] = "three hours"
    assert not GlobalPreferenceModel.objects.filter(section="exam").exists()


def test_type_check_runs_before_validate(manager, signals, monkeypatch):
    """A ``validate()`` that compares numbers never sees a string (the README's PageSize)."""

    def at_most_1000(self, value):
        if value > 1000:
            raise ValidationError("At most 1000.")

    monkeypatch.setattr(MaxUsers, "validate", at_most_1000)
    with pytest.raises(ValidationError, match="user__max_users"):
        manager["user__max_users"] = "fifty"
    assert manager.get("user__max_users", no_cache=True) == 100
    assert signals == []


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("nul\x00byte", "NUL character"),
        ("lone \ud800 surrogate", "lone surrogate"),
        ("x" * 65, "65 characters long once stored, over the limit of 64"),
    ],
    ids=["nul", "lone-surrogate", "too-long"],
)
@pytest.mark.parametrize("write", ["setitem", "update_db_pref"])
def test_values_the_database_cannot_hold_are_validation_errors(
    manager, signals, settings, value, reason, write
):
    settings.DYNAMIC_PREFERENCES = {"MAX_VALUE_LENGTH": 64}
    with pytest.raises(ValidationError, match="test__TestGlobal1") as raised:
        if write == "setitem":
            manager["test__TestGlobal1"] = value
        else:
            manager.update_db_pref("test", "TestGlobal1", value)
    assert reason in raised.value.messages[0]
    assert manager.get("test__TestGlobal1", no_cache=True) == "default value"
    assert signals == []


def test_a_preference_sets_its_own_length_limit(manager, monkeypatch):
    monkeypatch.setattr(
        type(global_preferences_registry.get("test__TestGlobal1")), "max_stored_length", 3
    )
    manager["test__TestGlobal1"] = "Red"
    with pytest.raises(ValidationError, match="over the limit of 3"):
        manager["test__TestGlobal1"] = "Blue"
    assert manager.get("test__TestGlobal1", no_cache=True) == "Red"


def test_r_mgr_6_unknown_key_on_write_raises(manager):
    with pytest.raises(NotFoundInRegistry):
        manager["user__unknown"] = 1
    assert not GlobalPreferenceModel.objects.filter(name="unknown").exists()


def test_r_mgr_7_all_returns_every_registered_preference(user):
    assert user.preferences.all() == USER_DEFAULTS


def test_r_mgr_7_all_excludes_rows_missing_from_the_registry(manager):
    GlobalPreferenceModel.objects.create(section="gone", name="obsolete", raw_value="x")
    values = manager.all()
    assert "gone__obsolete" not in values
    assert len(values) == 15


@commits
def test_r_mgr_7_all_merges_database_over_a_partly_cached_registry(manager):
    manager.all()
    GlobalPreferenceModel.objects.filter(section="user", name="max_users").update(raw_value="77")
    caches["default"].delete(manager.get_cache_key("user", "max_users"))
    assert manager.all()["user__max_users"] == 77


def test_r_mgr_8_load_from_db_never_resets_values(manager):
    manager["test__TestGlobal1"] = "x"
    caches["default"].clear()
    assert manager.all()["test__TestGlobal1"] == "x"
    assert manager.all()["test__TestGlobal1"] == "x"
    assert manager.load_from_db()["test__TestGlobal1"] == "x"


@commits
def test_r_mgr_8_load_from_db_creates_missing_rows_and_caches_existing(manager):
    manager["user__max_users"] = 3
    caches["default"].clear()
    values = manager.load_from_db(cache=True)
    assert values["user__max_users"] == 3
    assert GlobalPreferenceModel.objects.count() == 15
    assert caches["default"].get(manager.get_cache_key("user", "max_users")) == "3"


def test_r_mgr_9_by_name_and_get_by_name(manager):
    manager["user__max_users"] = 12
    by_name = manager.by_name()
    assert by_name["max_users"] == 12
    assert by_name["no_section"] is False
    assert len(by_name) == len(manager.all())
    assert manager.get_by_name("max_users") == 12


def test_r_mgr_10_get_db_pref_creates_the_row_with_the_default(manager):
    row = manager.get_db_pref(section="type", name="cost")
    assert row.pk is not None
    assert row.value == Decimal(0)
    assert manager.get_db_pref(section="type", name="cost").pk == row.pk
    assert manager.pref_obj("type", "cost") is global_preferences_registry.get("type__cost")


def test_r_mgr_11_create_db_pref_stores_the_value(manager):
    row = manager.create_db_pref(section="user", name="items_per_page", value=40)
    assert row.raw_value == "40"
    assert GlobalPreferenceModel.objects.get(pk=row.pk).value == 40


def test_r_mgr_11_create_db_pref_stores_an_empty_value_over_a_default(user):
    row = user.preferences.create_db_pref(section="misc", name="favourite_colour", value="")
    row.refresh_from_db()
    assert row.raw_value == ""
    assert user.preferences["misc__favourite_colour"] == ""


def test_r_mgr_11_create_db_pref_applies_value_to_a_concurrently_created_row(manager):
    # The row appears between the caller's read and its write (#126 race, §18.3-9).
    GlobalPreferenceModel.objects.create(section="user", name="items_per_page", raw_value="25")
    row = manager.create_db_pref(section="user", name="items_per_page", value=50)
    assert GlobalPreferenceModel.objects.get(pk=row.pk).raw_value == "50"
    assert manager["user__items_per_page"] == 50


def test_r_mgr_12_parse_lookup(manager):
    assert manager.parse_lookup("user__max_users") == ("user", "max_users")
    assert manager.parse_lookup("no_section") == (None, "no_section")
    assert manager.parse_lookup("a__b__c") == (None, "a__b__c")


def test_r_mgr_13_signal_on_update(manager, signals):
    manager["user__max_users"] = 10
    signals.clear()
    manager["user__max_users"] = 11
    [sent] = signals
    assert sent["sender"] is MaxUsers
    assert (sent["section"], sent["name"]) == ("user", "max_users")
    assert (sent["old_value"], sent["new_value"]) == (10, 11)
    assert sent["instance"] == GlobalPreferenceModel.objects.get(section="user", name="max_users")


def test_r_mgr_13_signal_on_create_with_default_as_old_value(manager, signals):
    assert not GlobalPreferenceModel.objects.exists()
    row = manager.update_db_pref("user", "max_users", 12)
    [sent] = signals
    assert (sent["old_value"], sent["new_value"]) == (100, 12)
    assert sent["instance"] == row
    assert row.value == 12


def test_r_mgr_13_update_db_pref_returns_the_saved_row(manager):
    manager.all()
    row = manager.update_db_pref(None, "no_section", True)
    assert row.value is True
    assert GlobalPreferenceModel.objects.get(section=None, name="no_section").value is True
    assert manager["no_section"] is True


@commits
def test_r_mgr_15_cache_keeps_the_committed_value_when_the_write_fails(manager):
    manager["user__max_users"] = 20
    key = manager.get_cache_key("user", "max_users")
    assert caches["default"].get(key) == "20"

    def explode(sender, **kwargs):
        raise RuntimeError("receiver failed")

    preference_updated.connect(explode)
    try:
        with pytest.raises(RuntimeError):
            manager["user__max_users"] = 21
    finally:
        preference_updated.disconnect(explode)
    assert caches["default"].get(key) == "20"
    assert manager["user__max_users"] == 20


@commits
def test_r_mgr_15_database_error_leaves_the_cache_entry(manager):
    manager["user__max_users"] = 20
    key = manager.get_cache_key("user", "max_users")

    def insert_duplicate(sender, instance, **kwargs):
        # A real constraint violation inside the manager's atomic block.
        duplicate = GlobalPreferenceModel(section="user", name="max_users", raw_value="0")
        GlobalPreferenceModel.objects.bulk_create([duplicate])

    pre_save.connect(insert_duplicate, sender=GlobalPreferenceModel)
    try:
        with pytest.raises(IntegrityError):
            manager["user__max_users"] = 22
    finally:
        pre_save.disconnect(insert_duplicate, sender=GlobalPreferenceModel)
    assert caches["default"].get(key) == "20"
    assert manager["user__max_users"] == 20


def test_r_mgr_1_manager_class_is_what_registries_build(manager, user):
    assert type(manager) is PreferencesManager
    assert isinstance(user.preferences, PreferencesManager)


def test_create_db_pref_for_unknown_name_gives_missing_preference(manager):
    """Upstream's test_do_not_crash_if_preference_is_missing_in_registry (#41)."""
    with pytest.warns(UserWarning, match="match no registered preference"):
        row = manager.create_db_pref(section=None, name="bad_pref", value="something")

    assert isinstance(row.preference, MissingPreference)
    assert row.preference.section is None
    assert row.preference.name == "bad_pref"
    assert row.value == "something"
    assert GlobalPreferenceModel.objects.get(section=None, name="bad_pref").raw_value == "something"
