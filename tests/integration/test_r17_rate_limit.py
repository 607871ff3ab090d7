"""R17: rate limit 5/s, 200 events, several workers: never more than 5 requests in any
one-second window at the receiver (sliding, not calendar seconds), and all 200 delivered
(none dropped) (F12).

Two worker processes of two pool processes each share one Redis token bucket.
"""

from bisect import bisect_left

import pytest
from django.db import transaction

from hub.models import Message
from preferences.registries import global_preferences_registry
from tests.support.polling import wait_until
from tests.support.receiver import Receiver
from tests.support.webhook_endpoints import add_endpoint
from tests.support.webhooks import start_webhook_worker, webhook_worker

pytestmark = pytest.mark.django_db(transaction=True)

RATE = 5
EVENTS = 200


@pytest.fixture(scope="module")
def workers(django_db_setup, django_db_blocker):
    with webhook_worker("r17") as first:
        second = start_webhook_worker("r17")
        try:
            yield [first, second]
        finally:
            second.stop()


def test_r17_rate_limit_shared_by_workers(workers, allow_loopback):
    with Receiver() as receiver:
        add_endpoint(receiver.url, rate_limit=RATE)
        manager = global_preferences_registry.manager()
        for value in range(EVENTS):
            with transaction.atomic():
                manager["user__items_per_page"] = value
        receiver.wait_for_requests(EVENTS, timeout=EVENTS / RATE + 30)
        wait_until(lambda: Message.objects.filter(status="succeeded").count() == EVENTS)

    assert busiest_second(sorted(r.received_at for r in receiver.requests)) <= RATE
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == EVENTS
    assert Message.objects.count() == EVENTS


def busiest_second(times: list[float]) -> int:
    """The most requests in any one-second window [t, t + 1), wherever it starts.

    A window starting at a request holds at least as many as any window between two.
    """
    return max(bisect_left(times, start + 1) - index for index, start in enumerate(times))


def test_busiest_second_counts_a_sliding_window():
    # Two calendar seconds of 3 each, yet 6 within 0.6 s of each other.
    assert busiest_second([0.5, 0.6, 0.7, 1.0, 1.05, 1.1]) == 6
    assert busiest_second([0.0, 1.0, 2.0]) == 1
