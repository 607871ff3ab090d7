"""R11: fan-out twice, resend, recover since T (F7, F8).

One message per (event, endpoint) however often the fan-out runs; a resend and a
recover replay keep the ``webhook-id``, are signed with a fresh timestamp, and record
their trigger.
"""

import time

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from hub.models import Attempt, Event, Message
from hub.webhooks import replay
from preferences.registries import global_preferences_registry
from tasks.fanout import expand
from tests.support.polling import wait_until
from tests.support.receiver import Receiver, Reply
from tests.support.webhook_endpoints import add_endpoint

pytestmark = pytest.mark.django_db(transaction=True)


def change(key: str, value) -> Event:
    with transaction.atomic():
        global_preferences_registry.manager()[key] = value
    return Event.objects.filter(kind="preference.updated").order_by("-id").first()


def test_r11_fanout_twice_then_resend(webhook_worker):
    with Receiver() as receiver:
        _, secret = add_endpoint(receiver.url)
        event = change("user__max_users", 42)
        (first,) = receiver.wait_for_requests(1, timeout=20)
        # The fan-out runs a second time, here, to its end: what it publishes is already
        # in the broker when it returns.
        expand.apply(args=(str(event.pk),)).get()
        assert Message.objects.filter(event=event).count() == 1
        # Barrier: a later change's delivery comes after anything published before it.
        later = change("user__items_per_page", 7)
        _, probe = receiver.wait_for_requests(2, timeout=20)
        assert probe.headers["webhook-id"] == Message.objects.get(event=later).pk
        wait_until(lambda: not Attempt.objects.filter(status="sending").exists())
        assert len(receiver.requests) == 2
        assert Attempt.objects.filter(message__event=event).count() == 1

        time.sleep(1)  # the resend's timestamp must be a fresh one
        replay.resend_message(Message.objects.get(event=event))
        *_, second = receiver.wait_for_requests(3, timeout=20)

    assert second.headers["webhook-id"] == first.headers["webhook-id"]
    assert int(second.headers["webhook-timestamp"]) > int(first.headers["webhook-timestamp"])
    assert second.body == first.body
    Webhook(secret).verify(second.body, second.headers)
    finished = Attempt.objects.filter(message__event=event).exclude(status="sending")
    finished = finished.order_by("number")
    wait_until(lambda: finished.count() == 2)
    triggers = list(finished.values_list("trigger", flat=True))
    assert triggers == ["scheduled", "manual"]


def test_r11_recover_failed_since(webhook_worker):
    with Receiver(default=Reply(status=500)) as receiver:
        endpoint, secret = add_endpoint(receiver.url)
        old = change("user__max_users", 1)
        wait_until(lambda: Message.objects.filter(event=old, status="failed").exists())
        since = timezone.now()
        new = change("user__max_users", 2)
        wait_until(lambda: Message.objects.filter(event=new, status="failed").exists())
        failed_requests = len(receiver.requests)  # 3 attempts each (QUICK_SCHEDULE)
        assert failed_requests == 6

        receiver.default = Reply(status=200)
        replay.recover_messages(endpoint, since=since)
        (replayed,) = receiver.wait_for_requests(failed_requests + 1, timeout=20)[failed_requests:]
        wait_until(lambda: Message.objects.filter(event=new, status="succeeded").exists())
        time.sleep(1)  # the old message is outside the window: nothing more comes

    message = Message.objects.get(event=new)
    assert len(receiver.requests) == failed_requests + 1
    assert replayed.headers["webhook-id"] == message.pk
    Webhook(secret).verify(replayed.body, replayed.headers)
    last = Attempt.objects.filter(message=message).order_by("-number").first()
    assert (last.trigger, last.status, last.number) == ("replay", "success", 4)
    assert Message.objects.get(event=old).status == "failed"
