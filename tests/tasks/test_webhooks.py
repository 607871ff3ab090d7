"""``tasks.webhooks``: deliveries whose task is lost with the broker go back to the sweeper.

Each test runs its own ``redis-server`` as broker (tests/support/broker.py) and calls the
tasks' functions in this process, so what reaches the broker can be read off its queue.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from hub.models import Event, Message
from preferences.registries import global_preferences_registry
from tasks import webhooks
from tests.support.broker import RedisServer, publishing_to, queued_tasks
from tests.support.webhook_endpoints import add_endpoint

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hook"  # never contacted: no worker runs in these tests


@pytest.fixture
def broker():
    server = RedisServer().start()
    try:
        with publishing_to(server.url):
            yield server
    finally:
        server.stop()


def deliveries_in(broker: RedisServer) -> list[str]:
    """Message ids of the delivery tasks waiting in the broker's webhooks queue."""
    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"]
    tasks = queued_tasks(broker.client(), f"{prefix}webhooks")
    return [args[0] for name, args in tasks if name == "hub.webhooks.deliver"]


def queue_deliveries(count: int, capture) -> list[str]:
    """``count`` messages, dispatched as the fan-out does: each first try is published."""
    add_endpoint(URL)
    manager = global_preferences_registry.manager()
    for value in range(1, count + 1):
        manager["user__max_users"] = value
    with capture(execute=True):
        for event in Event.objects.all():
            webhooks.dispatch(event)
    return sorted(Message.objects.values_list("pk", flat=True))


def test_a_sweep_leaves_deliveries_queued_in_a_live_broker_alone(
    broker, allow_loopback, django_capture_on_commit_callbacks
):
    webhooks.sweep_due()  # the sweeper has seen this broker
    messages = queue_deliveries(3, django_capture_on_commit_callbacks)
    assert sorted(deliveries_in(broker)) == messages

    assert webhooks.sweep_due() == 0
    assert sorted(deliveries_in(broker)) == messages  # no second task for any of them
    assert Message.objects.filter(is_queued=True).count() == 3


def test_after_a_broker_restart_the_first_sweep_publishes_every_lost_delivery(
    broker, allow_loopback, django_capture_on_commit_callbacks
):
    webhooks.sweep_due()
    messages = queue_deliveries(3, django_capture_on_commit_callbacks)
    later = Message.objects.get(pk=messages[0])
    later.next_attempt_at = timezone.now() + timedelta(minutes=5)  # a countdown retry
    later.save()

    broker.stop()
    broker.start()  # no persistence: the queued tasks are gone
    assert deliveries_in(broker) == []

    assert webhooks.sweep_due() == 2
    assert sorted(deliveries_in(broker)) == messages[1:]
    # The one not due yet is left to the sweeper, which publishes it when it is due.
    later.refresh_from_db()
    assert later.is_queued is False
    assert webhooks.sweep_due() == 0  # the restart is seen once
    assert sorted(deliveries_in(broker)) == messages[1:]


def test_a_delivery_the_broker_refuses_is_left_to_the_sweeper(
    broker, allow_loopback, django_capture_on_commit_callbacks
):
    broker.stop()
    messages = queue_deliveries(2, django_capture_on_commit_callbacks)
    assert not Message.objects.filter(is_queued=True).exists()

    broker.start()
    assert webhooks.sweep_due() == 2
    assert sorted(deliveries_in(broker)) == messages


def test_a_sweep_that_loses_the_broker_midway_releases_what_it_did_not_publish(
    broker, allow_loopback, django_capture_on_commit_callbacks, monkeypatch
):
    webhooks.sweep_due()
    queue_deliveries(3, django_capture_on_commit_callbacks)
    Message.objects.update(is_queued=False)  # three due retries, carried by no task
    published = []

    def publish_once(message_id, trigger, countdown=None):
        if published:
            broker.stop()
        published.append(message_id)
        return real_publish(message_id, trigger, countdown)

    real_publish = webhooks.publish_try
    monkeypatch.setattr(webhooks, "publish_try", publish_once)

    assert webhooks.sweep_due() == 1
    assert Message.objects.filter(is_queued=True).count() == 1
    assert Message.objects.filter(is_queued=False).count() == 2
