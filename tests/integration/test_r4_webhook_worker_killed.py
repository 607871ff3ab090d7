"""R4, webhook variant: the worker is SIGKILLed during a slow delivery; a new one starts.

The attempt row was written before the request went out, so the log shows the
interrupted attempt; the message's lease runs out and the new worker's beat sweeper
retries it; the receiver sees at most two requests, both with one ``webhook-id``.
"""

import pytest
from django.db import transaction

from hub.models import Attempt, Message
from preferences.registries import global_preferences_registry
from tests.support.polling import wait_until
from tests.support.receiver import Receiver, Reply
from tests.support.webhook_endpoints import add_endpoint
from tests.support.webhooks import start_webhook_worker, webhook_worker

pytestmark = pytest.mark.django_db(transaction=True)

LEASE = 6  # seconds; longer than the slow answer, so a live worker is never doubled
SLOW_ANSWER = 4
SETTINGS = {"hub": {"WEBHOOK_DELIVERY_LEASE": LEASE}, "env": {"WEBHOOK_SWEEP_SECONDS": "0.5"}}


def test_r4_worker_killed_during_slow_delivery(django_db_setup, allow_loopback):
    with Receiver() as receiver, webhook_worker("r4", **SETTINGS) as first:
        receiver.script(Reply(delay=SLOW_ANSWER))
        add_endpoint(receiver.url)
        with transaction.atomic():
            global_preferences_registry.manager()["user__max_users"] = 5
        receiver.wait_for_requests(1, timeout=20)
        first.kill()  # SIGKILL while the request waits for its answer

        interrupted = Attempt.objects.get()
        assert interrupted.status == "sending"  # written before the request went out
        second = start_webhook_worker("r4", beat=True, **SETTINGS)
        try:
            message = wait_until(
                lambda: Message.objects.filter(status="succeeded").first(), timeout=LEASE + 20
            )
        finally:
            second.stop()

    assert 1 <= len(receiver.requests) <= 2
    assert {r.headers["webhook-id"] for r in receiver.requests} == {message.pk}
    attempts = list(Attempt.objects.filter(message=message).order_by("number"))
    assert [a.status for a in attempts] == ["interrupted", "success"]
    assert attempts[0].pk == interrupted.pk
