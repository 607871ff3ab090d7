"""The preference_updated signal as sent by the manager (spec §16, R-SIG-*, R-MGR-14).

The admin, REST and form paths of R-SIG-4 (b)-(d) are proven where those surfaces are
tested; the signals page examples (R-SIG-7) run verbatim in test_readme_core.py.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.dispatch import Signal

from preferences.models import GlobalPreferenceModel
from preferences.registries import global_preferences_registry
from preferences.signals import preference_updated
from preferences.users.models import UserPreferenceModel
from tests.testapp.dynamic_preferences_registry import BlogCost, MaxUsers, NoSection
from tests.testapp.models import BlogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    calls = []

    def record(**kwargs):
        calls.append(kwargs)

    preference_updated.connect(record)
    yield calls
    preference_updated.disconnect(record)


@pytest.fixture
def connected():
    """Connect receivers for one test only."""
    receivers = []

    def connect(receiver, **kwargs):
        preference_updated.connect(receiver, **kwargs)
        receivers.append((receiver, kwargs))

    yield connect
    for receiver, kwargs in receivers:
        preference_updated.disconnect(receiver, **kwargs)


def test_r_sig_1_signal_and_its_arguments(manager, received):
    assert isinstance(preference_updated, Signal)
    manager["user__max_users"] = 5
    [call] = received
    assert set(call) == {
        "signal",
        "sender",
        "section",
        "name",
        "old_value",
        "new_value",
        "instance",
    }


def test_r_sig_2_argument_values(manager, received):
    manager["type__cost"] = Decimal("111.11")
    manager["no_section"] = True
    cost, no_section = received
    assert (cost["section"], cost["name"]) == ("type", "cost")
    assert cost["old_value"] == Decimal(0)
    assert cost["new_value"] == Decimal("111.11")
    assert isinstance(cost["instance"], GlobalPreferenceModel)
    assert cost["instance"].value == Decimal("111.11")
    assert (no_section["section"], no_section["name"]) == (None, "no_section")


def test_r_sig_2_user_row_carries_the_user(django_user_model, received):
    user = django_user_model.objects.create_user(username="s", password="x")
    user.preferences["misc__favourite_colour"] = "Blue"
    [call] = received
    assert isinstance(call["instance"], UserPreferenceModel)
    assert call["instance"].instance == user
    assert (call["old_value"], call["new_value"]) == ("Green", "Blue")


def test_r_sig_2_model_values_are_passed_as_objects(manager, received):
    entry = BlogEntry.objects.create(title="t", content="c")
    manager["blog__featured_entry"] = entry
    [call] = received
    assert call["new_value"] == entry
    assert call["instance"].raw_value == str(entry.pk)


def test_r_sig_3_sender_is_the_preference_class(manager, received, connected):
    only_max_users = []
    connected(lambda sender, **kwargs: only_max_users.append(kwargs["name"]), sender=MaxUsers)
    manager["user__max_users"] = 5
    manager["type__cost"] = Decimal(1)
    manager["no_section"] = True
    assert [call["sender"] for call in received] == [MaxUsers, BlogCost, NoSection]
    assert only_max_users == ["max_users"]


def test_r_sig_4a_sent_once_per_write_including_creation(manager, received):
    assert not GlobalPreferenceModel.objects.exists()
    manager["user__max_users"] = 5
    manager.update_db_pref("user", "max_users", 6)
    assert [(c["old_value"], c["new_value"]) for c in received] == [(100, 5), (5, 6)]


def test_r_sig_4a_sent_even_when_the_value_does_not_change(manager, received):
    manager["user__max_users"] = 100
    manager["user__max_users"] = 100
    assert [(c["old_value"], c["new_value"]) for c in received] == [(100, 100), (100, 100)]


def test_r_sig_5_reads_and_lazy_creation_send_nothing(manager, received, django_user_model):
    user = django_user_model.objects.create_user(username="r", password="x")
    manager["user__max_users"]
    manager.get("user__items_per_page", no_cache=True)
    manager.all()
    manager.get_db_pref("type", "cost")
    len(user.preferences)
    assert GlobalPreferenceModel.objects.count() == 15
    assert received == []


def test_r_sig_5_deletions_and_plain_saves_send_nothing(manager, received):
    entry = BlogEntry.objects.create(title="t", content="c")
    manager["blog__featured_entry"] = entry
    received.clear()
    entry.delete()
    assert not GlobalPreferenceModel.objects.filter(name="featured_entry").exists()
    GlobalPreferenceModel.objects.filter(name="max_users").delete()
    row = manager.get_db_pref("test", "TestGlobal1")
    row.value = "plain save"
    row.save()
    assert manager["test__TestGlobal1"] == "plain save"
    assert received == []


def test_r_sig_6_delivered_synchronously_after_the_save_inside_the_atomic_block(manager, connected):
    seen = {}

    def inspect(sender, instance, **kwargs):
        seen["thread"] = threading.get_ident()
        seen["in_atomic_block"] = connection.in_atomic_block
        seen["stored"] = GlobalPreferenceModel.objects.get(pk=instance.pk).raw_value
        seen["cached"] = manager["user__max_users"]

    connected(inspect)
    manager["user__max_users"] = 7
    assert seen == {
        "thread": threading.get_ident(),
        "in_atomic_block": True,
        "stored": "7",
        "cached": 7,
    }


def test_r_mgr_14_receiver_exception_rolls_the_write_back(manager, connected, received):
    manager["user__max_users"] = 10

    def fail(sender, **kwargs):
        raise RuntimeError("receiver refused")

    connected(fail)
    with pytest.raises(RuntimeError, match="receiver refused"):
        manager["user__max_users"] = 11
    assert GlobalPreferenceModel.objects.get(name="max_users").raw_value == "10"
    assert manager["user__max_users"] == 10


def test_r_mgr_14_receiver_exception_rolls_back_a_created_row(manager, connected):
    def fail(sender, **kwargs):
        raise RuntimeError("receiver refused")

    connected(fail)
    with pytest.raises(RuntimeError):
        manager["user__items_per_page"] = 30
    assert not GlobalPreferenceModel.objects.filter(name="items_per_page").exists()
    assert manager["user__items_per_page"] == 25


def test_r_mgr_14_receiver_rows_share_the_writers_transaction(manager, connected):
    def write_and_fail(sender, instance, **kwargs):
        BlogEntry.objects.create(title=f"audit {instance.name}", content="")
        if kwargs["new_value"] == 13:
            raise RuntimeError("second receiver failure")

    connected(write_and_fail)
    manager["user__max_users"] = 12
    with pytest.raises(RuntimeError):
        manager["user__max_users"] = 13
    assert list(BlogEntry.objects.values_list("title", flat=True)) == ["audit max_users"]


@pytest.mark.django_db(transaction=True)
def test_r_sig_6_on_commit_work_runs_only_for_committed_writes(manager, connected):
    committed = []

    def defer(sender, section, name, new_value, **kwargs):
        transaction.on_commit(lambda: committed.append(new_value))

    connected(defer)
    manager["user__max_users"] = 20
    assert committed == [20]

    with pytest.raises(RuntimeError), transaction.atomic():
        manager["user__max_users"] = 21
        assert committed == [20]
        raise RuntimeError("the caller's transaction fails later")
    assert committed == [20]
    assert global_preferences_registry.manager().get("user__max_users", no_cache=True) == 20


@pytest.mark.django_db(transaction=True)
def test_r_mgr_14_nested_write_is_a_savepoint_of_the_callers_transaction(manager, connected):
    def fail_once(sender, new_value, **kwargs):
        if new_value == 31:
            raise RuntimeError("refused")

    connected(fail_once)
    with transaction.atomic():
        manager["user__max_users"] = 30
        with pytest.raises(RuntimeError):
            manager["user__max_users"] = 31
        manager["user__items_per_page"] = 32
    assert manager.get("user__max_users", no_cache=True) == 30
    assert manager.get("user__items_per_page", no_cache=True) == 32
