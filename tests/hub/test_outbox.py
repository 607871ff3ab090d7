"""The outbox service: events recorded with the change, published after commit (F1, F2, F17)."""

import json
import time
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hub import outbox
from hub.models import Event
from hub.models.events import new_event_id
from hub.receivers import record_preference_change
from hub.redaction import PLACEHOLDER
from preferences.registries import global_preferences_registry
from preferences.sealing import unseal
from preferences.signals import preference_updated
from tests.support.broker import RedisServer, publishing_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return get_user_model().objects.create_user("ada", password="x")


def test_f1_one_event_per_write_with_raw_values(manager):
    manager["user__max_users"] = 42

    event = Event.objects.get()
    assert event.kind == Event.Kind.PREFERENCE_UPDATED
    assert (event.registry, event.section, event.name) == ("global", "user", "max_users")
    assert event.identifier == "user__max_users"
    assert (event.old_value, event.new_value) == ("100", "42")
    assert (event.version, event.sensitive, event.sealed_values) == (1, False, None)
    assert (event.owner_type, event.owner_id, event.actor_id) == (None, None, None)
    assert event.dispatched_at is None
    assert abs((timezone.now() - event.occurred_at).total_seconds()) < 5


def test_f1_section_less_preference(manager):
    manager["no_section"] = True

    event = Event.objects.get()
    assert (event.section, event.name, event.identifier) == (None, "no_section", "no_section")
    assert (event.old_value, event.new_value) == ("False", "True")


def test_f1_version_increases_by_one_per_key(manager):
    for value in ("a", "b", "c"):
        manager["test__TestGlobal1"] = value
    manager["user__max_users"] = 7

    versions = Event.objects.filter(identifier="test__TestGlobal1").order_by("id")
    assert [(e.version, e.old_value, e.new_value) for e in versions] == [
        (1, "default value", "a"),
        (2, "a", "b"),
        (3, "b", "c"),
    ]
    assert Event.objects.get(identifier="user__max_users").version == 1


def test_f1_user_preference_records_owner_and_per_owner_versions(user):
    other = get_user_model().objects.create_user("bob", password="x")
    user.preferences["misc__favourite_colour"] = "Blue"
    user.preferences["misc__favourite_colour"] = "Red"
    other.preferences["misc__favourite_colour"] = "Blue"

    events = Event.objects.filter(registry="user").order_by("id")
    assert [(e.owner_type, e.owner_id, e.version, e.new_value) for e in events] == [
        ("auth.user", str(user.pk), 1, "Blue"),
        ("auth.user", str(user.pk), 2, "Red"),
        ("auth.user", str(other.pk), 1, "Blue"),
    ]
    assert events[0].old_value == "Green"


def test_f1_rolled_back_write_leaves_no_event(manager):
    with pytest.raises(RuntimeError), transaction.atomic():
        manager["user__max_users"] = 5
        raise RuntimeError("abort")

    assert not Event.objects.exists()


def test_f1_invalid_value_writes_nothing(manager):
    with pytest.raises(ValidationError):
        manager["user__max_users"] = 1001

    assert not Event.objects.exists()


def test_f1_event_adds_one_insert_and_nothing_else(manager):
    """The hub's whole cost in the request is the INSERT of the event (issue 4)."""
    manager["user__max_users"] = 1  # the row exists: both measured writes are updates
    uid = "hub.receivers.record_preference_change"
    preference_updated.disconnect(dispatch_uid=uid)
    try:
        without_hub = _queries_of_write(manager, 2)
    finally:
        preference_updated.connect(record_preference_change, dispatch_uid=uid)
    with_hub = _queries_of_write(manager, 3)

    added = [sql for sql in with_hub if "hub_event" in sql]
    assert len(with_hub) == len(without_hub) + 1
    assert len(added) == 1 and added[0].startswith("INSERT")


def _queries_of_write(manager, value: int) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        manager["user__max_users"] = value
    return [query["sql"] for query in captured.captured_queries]


def test_f17_sensitive_values_redacted_and_sealed(manager, monkeypatch):
    preference = global_preferences_registry.get("test__TestGlobal1")
    monkeypatch.setattr(type(preference), "sensitive", True, raising=False)

    manager["test__TestGlobal1"] = "s3cr3t-token"

    event = Event.objects.get()
    assert (event.old_value, event.new_value, event.sensitive) == (PLACEHOLDER, PLACEHOLDER, True)
    assert "s3cr3t-token" not in event.sealed_values
    assert json.loads(unseal(event.sealed_values)) == {
        "old": "default value",
        "new": "s3cr3t-token",
    }


def test_f1_actor_recorded_with_acting_as(manager, user):
    from hub.actor import acting_as

    with acting_as(user):
        manager["user__max_users"] = 3
    manager["user__max_users"] = 4

    assert list(Event.objects.order_by("id").values_list("actor_id", flat=True)) == [user.pk, None]


def test_f2_one_fanout_scheduled_per_write_after_commit(
    manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        manager["user__max_users"] = 5
        manager["test__TestGlobal1"] = "x"

    # The other callbacks are the cache writes, which also wait for the commit.
    fanouts = [c for c in callbacks if getattr(c, "func", None) is outbox.publish_fanout]
    assert [c.args for c in fanouts] == [(e.pk,) for e in Event.objects.order_by("id")]


def test_f2_publish_failure_is_logged_and_leaves_event_pending(manager, caplog):
    with RedisServer() as broker:
        url = broker.url
    manager["user__max_users"] = 5
    event = Event.objects.get()

    with publishing_to(url):  # nothing listens there any more
        started = time.monotonic()
        assert outbox.publish_fanout(event.pk) is False
        elapsed = time.monotonic() - started
        assert outbox.publish_fanout(event.pk) is False

    assert elapsed < 3
    # Once per outage, not once per write; and once more when the broker is back.
    assert caplog.text.count("Celery broker unreachable") == 1
    assert "fan-outs wait in the outbox for the sweeper" in caplog.text
    with RedisServer() as broker, publishing_to(broker.url):
        assert outbox.publish_fanout(event.pk) is True
    assert "Celery broker reachable again" in caplog.text
    event.refresh_from_db()
    assert event.dispatched_at is None


def test_f9_record_system_event_schedules_fanout(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = outbox.record_system_event("endpoint.disabled", {"endpoint_id": "abc"})

    stored = Event.objects.get(pk=event.pk)
    assert (stored.kind, stored.data, stored.identifier) == (
        "endpoint.disabled",
        {"endpoint_id": "abc"},
        "",
    )
    assert [c.args for c in callbacks] == [(event.pk,)]


def test_record_system_event_refuses_unknown_kind():
    with pytest.raises(ValueError, match=r"unknown event kind 'preference\.deleted'"):
        outbox.record_system_event("preference.deleted", {})
    with pytest.raises(ValueError, match=r"preference\.updated"):
        outbox.record_system_event("preference.updated", {})
    assert not Event.objects.exists()


def _pending(count: int, *, age: float) -> list[UUID]:
    occurred = timezone.now() - timedelta(seconds=age)
    # Distinct keys: a key has one event per version.
    events = [Event(identifier=f"k{uuid4().hex}", occurred_at=occurred) for _ in range(count)]
    return [e.pk for e in Event.objects.bulk_create(events)]


def test_f2_sweep_publishes_each_pending_event_once():
    stuck = _pending(5, age=120)
    fresh = _pending(2, age=0)
    published = []

    assert outbox.sweep(published.append, grace=30, batch_size=2) == 5
    assert outbox.sweep(published.append, grace=30, batch_size=2) == 0

    assert sorted(published) == sorted(stuck)
    # Leased, not dispatched: the fan-out has not run yet.
    assert Event.objects.filter(pk__in=stuck, published_at__isnull=False).count() == 5
    assert Event.objects.filter(pk__in=fresh, published_at__isnull=True).count() == 2
    assert not Event.objects.filter(dispatched_at__isnull=False).exists()


def test_f2_a_fanout_lost_after_the_sweeper_published_it_is_published_again(settings):
    """The lease runs out (or the broker restarted): the event is published once more."""
    settings.HUB = {"OUTBOX_PUBLISH_LEASE": 60}
    (stuck,) = _pending(1, age=600)
    published = []
    now = timezone.now()

    assert outbox.sweep(published.append, grace=30, now=now) == 1
    assert outbox.sweep(published.append, grace=30, now=now + timedelta(seconds=59)) == 0
    assert outbox.sweep(published.append, grace=30, now=now + timedelta(seconds=61)) == 1
    assert outbox.release_leases() == 1  # a restarted broker ends the lease at once
    assert outbox.sweep(published.append, grace=30, now=now + timedelta(seconds=62)) == 1
    assert published == [stuck] * 3

    outbox.mark_dispatched(stuck)  # the fan-out finished: nothing more to publish
    assert outbox.release_leases() == 0
    assert outbox.sweep(published.append, grace=30, now=now + timedelta(hours=1)) == 0


def test_f2_sweep_rolls_back_a_batch_the_broker_refused():
    stuck = _pending(3, age=120)

    def refuse(event_id):
        raise ConnectionError("broker down")

    with pytest.raises(ConnectionError):
        outbox.sweep(refuse, grace=30)

    assert Event.objects.filter(pk__in=stuck, dispatched_at__isnull=True).count() == 3


def test_f2_sweep_respects_its_limit():
    _pending(5, age=120)
    published = []

    assert outbox.sweep(published.append, grace=30, batch_size=2, limit=3) == 3
    assert len(published) == 3


def test_f2_outbox_age_metric():
    now = timezone.now()
    assert outbox.outbox_status(now=now) == outbox.OutboxStatus(pending=0, oldest_age=0.0)
    Event.objects.create(identifier="a", occurred_at=now - timedelta(seconds=90))
    Event.objects.create(identifier="b", occurred_at=now - timedelta(seconds=10))
    Event.objects.create(
        identifier="c", occurred_at=now - timedelta(seconds=500), dispatched_at=now
    )

    status = outbox.outbox_status(now=now)

    assert status.pending == 2
    assert status.oldest_age == pytest.approx(90)


def test_f2_mark_dispatched_only_once():
    event = Event.objects.create(identifier="a")

    assert outbox.mark_dispatched(event.pk) is True
    first = Event.objects.get(pk=event.pk).dispatched_at
    assert outbox.mark_dispatched(event.pk) is False
    assert Event.objects.get(pk=event.pk).dispatched_at == first


def test_f1_event_ids_are_uuid7_and_increase():
    ids = [new_event_id() for _ in range(5000)]

    assert all(i.version == 7 and i.variant == "specified in RFC 4122" for i in ids)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert abs((ids[0].int >> 80) - time.time() * 1000) < 10_000
