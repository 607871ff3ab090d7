"""R5: retry steps longer than the broker's visibility timeout are neither early nor doubled.

Redis redelivers a task left unacknowledged past the visibility timeout, and a countdown
task waits unacknowledged, so a long countdown would run twice (F5). Scaled down from
the spec's 60 s: visibility timeout 4 s, schedule 1 s (a countdown: it fits), 5 s and
6 s (stored as ``next_attempt_at`` and published by the beat sweeper).
"""

import itertools

import pytest
from django.db import transaction

from hub.models import Attempt, Message
from hub.webhooks.retries import JITTER
from preferences.registries import global_preferences_registry
from tests.support.polling import wait_until
from tests.support.receiver import Receiver, Reply
from tests.support.webhook_endpoints import add_endpoint
from tests.support.webhooks import webhook_worker

pytestmark = pytest.mark.django_db(transaction=True)

VISIBILITY_TIMEOUT = 4
SCHEDULE = [1, 5, 6]
SWEEP_SECONDS = 0.5
SLACK = 1.5  # queue, sweep tick and scheduling latency on a loaded machine


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker):
    with webhook_worker(
        "r5",
        hub={"WEBHOOK_RETRY_SCHEDULE": SCHEDULE},
        env={
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "WEBHOOK_SWEEP_SECONDS": str(SWEEP_SECONDS),
        },
        beat=True,
    ) as started:
        yield started


def test_r5_long_steps_neither_early_nor_duplicated(worker, allow_loopback):
    with Receiver(default=Reply(status=500)) as receiver:
        add_endpoint(receiver.url)
        with transaction.atomic():
            global_preferences_registry.manager()["user__max_users"] = 3
        message = wait_until(lambda: Message.objects.filter(status="failed").first(), timeout=40)
        # Twice the visibility timeout more: a redelivered duplicate would show up now.
        receiver.stopping.wait(2 * VISIBILITY_TIMEOUT)

    times = [request.received_at for request in receiver.requests]
    assert len(times) == len(SCHEDULE) + 1
    assert {r.headers["webhook-id"] for r in receiver.requests} == {message.pk}
    for step, gap in zip(SCHEDULE, [b - a for a, b in itertools.pairwise(times)], strict=True):
        assert step * (1 - JITTER) - 0.05 <= gap <= step * (1 + JITTER) + SLACK, (step, gap)
    assert Attempt.objects.filter(message=message).count() == len(SCHEDULE) + 1
