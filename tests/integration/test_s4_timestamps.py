"""S4: every attempt, retries included, is signed with the time it is sent (within 5 s)
and carries the same ``webhook-id``, so receivers can reject replays and de-duplicate."""

import pytest
from django.db import transaction
from standardwebhooks import Webhook

from hub.models import Attempt, Message
from preferences.registries import global_preferences_registry
from tests.support.polling import wait_until
from tests.support.receiver import Receiver, Reply
from tests.support.webhook_endpoints import add_endpoint

pytestmark = pytest.mark.django_db(transaction=True)


def test_s4_timestamp_fresh_and_id_stable_on_retries(webhook_worker):
    with Receiver() as receiver:
        receiver.script(Reply(status=500), Reply(status=503))
        _endpoint, secret = add_endpoint(receiver.url)
        with transaction.atomic():
            global_preferences_registry.manager()["user__items_per_page"] = 30
        requests = receiver.wait_for_requests(3, timeout=20)
        message = wait_until(lambda: Message.objects.filter(status="succeeded").first())

    assert {request.headers["webhook-id"] for request in requests} == {message.pk}
    for request in requests:
        assert abs(int(request.headers["webhook-timestamp"]) - request.received_at) <= 5
        Webhook(secret).verify(request.body, request.headers)
    attempts = Attempt.objects.filter(message=message).order_by("number")
    assert [a.status for a in attempts] == ["failure", "failure", "success"]
    assert [a.trigger for a in attempts] == ["scheduled"] * 3
    sent = [int(r.headers["webhook-timestamp"]) for r in requests]
    assert sent == [a.webhook_timestamp for a in attempts]
    assert sent == sorted(sent)
