"""R6: a 500, then a 429 with Retry-After, then a timeout: the gaps follow F5.

Schedule scaled down to 1 s, 2 s, 3 s (+-20 % jitter); the 60 s floor after a 429 or a
timeout is the spec's own number and is not scaled, so two endpoints run side by side
to keep the test near one minute: one answers 500, 429 (Retry-After: 3), then 200;
the other never answers (total timeout 2 s), then 200.
"""

import itertools

import pytest
from django.db import transaction

from hub.models import Message
from preferences.registries import global_preferences_registry
from tests.support.polling import wait_until
from tests.support.receiver import Receiver, Reply
from tests.support.webhook_endpoints import add_endpoint
from tests.support.webhooks import webhook_worker

pytestmark = pytest.mark.django_db(transaction=True)

SCHEDULE = [1, 2, 3]
TOTAL_TIMEOUT = 2
FLOOR = 60  # F5: at least 60 s after a 429 or a timeout
SLACK = 1.0  # queue and scheduling latency


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker):
    hub = {"WEBHOOK_RETRY_SCHEDULE": SCHEDULE, "WEBHOOK_TOTAL_TIMEOUT": TOTAL_TIMEOUT}
    with webhook_worker("r6", hub=hub) as started:
        yield started


def within_jitter(gap: float, target: float) -> bool:
    return target * 0.8 - 0.05 <= gap <= target * 1.2 + SLACK


def gaps(receiver: Receiver) -> list[float]:
    times = [request.received_at for request in receiver.requests]
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def test_r6_gaps_after_500_429_and_timeout(worker, allow_loopback):
    with Receiver() as failing, Receiver() as silent:
        failing.script(Reply(status=500), Reply.retry_after(3))
        silent.script(Reply(behaviour="hang"))
        add_endpoint(failing.url)
        add_endpoint(silent.url)
        with transaction.atomic():
            global_preferences_registry.manager()["user__max_users"] = 9
        wait_until(lambda: Message.objects.filter(status="succeeded").count() == 2, timeout=120)
        silent.stopping.set()

    after_500, after_429 = gaps(failing)
    assert within_jitter(after_500, SCHEDULE[0])
    # Retry-After 3 clamped to [2, 4] = 3, then raised to the 60 s floor; jitter only adds.
    assert FLOOR - 0.05 <= after_429 <= FLOOR * 1.2 + SLACK
    (after_timeout,) = gaps(silent)
    # The timed-out attempt itself lasted TOTAL_TIMEOUT before the delay started.
    assert FLOOR + TOTAL_TIMEOUT - 0.05 <= after_timeout <= FLOOR * 1.2 + TOTAL_TIMEOUT + SLACK
    statuses = sorted(Message.objects.values_list("attempts__status", flat=True))
    assert statuses == ["failure", "failure", "success", "success", "timeout"]
