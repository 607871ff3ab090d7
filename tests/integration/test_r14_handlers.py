"""R14: three handlers of one change; the second raises, the third sleeps.

The handlers are those of tests/support/handlers.py, run by a webhook worker: the first
completes at once, the second is retried per its policy (2 retries, 1 s apart) and then
marked failed, the third completes after its sleep. Neither the write, nor the cache
invalidation (another queue), nor the webhook to a real receiver waits for them.
"""

import time

import pytest

from hub.models import Event, HandlerRun
from preferences.registries import global_preferences_registry
from tests.support.polling import wait_until
from tests.support.receiver import Receiver
from tests.support.webhook_endpoints import add_endpoint

pytestmark = pytest.mark.django_db(transaction=True)

PREFIX = "hub.handlers.tests.support.handlers."
SLEEP = 5


def _run(name: str) -> HandlerRun:
    return HandlerRun.objects.get(handler=PREFIX + name)


def _status(name: str) -> str | None:
    return HandlerRun.objects.filter(handler=PREFIX + name).values_list("status", flat=True).first()


def test_r14_failing_and_hanging_handlers_delay_nothing(webhook_worker):
    with Receiver() as receiver:
        add_endpoint(receiver.url)
        started = time.monotonic()
        global_preferences_registry.manager()["test__TestGlobal1"] = f"fail+slow:{SLEEP}"
        write_took = time.monotonic() - started
        (webhook,) = receiver.wait_for_requests(1, timeout=SLEEP)

        wait_until(lambda: _status("fail_on_request") == "failed", timeout=30)
        wait_until(lambda: _status("sleep_on_request") == "succeeded", timeout=30)
        wait_until(lambda: _status("record_change") == "succeeded", timeout=30)
    event = Event.objects.get()

    assert write_took < 1
    sleeper, failed = _run("sleep_on_request"), _run("fail_on_request")
    assert _run("record_change").finished_at < sleeper.finished_at
    # The fan-out, cache invalidation included, finished while the sleeper slept.
    assert event.dispatched_at < sleeper.finished_at
    # The webhook went out while the sleeper slept and the failing handler retried.
    assert webhook.received_at < sleeper.finished_at.timestamp()
    assert webhook.received_at < failed.finished_at.timestamp()
    assert (failed.attempts, failed.last_error) == (3, "tests.support.handlers.RequestedFailure")
    assert failed.finished_at < sleeper.finished_at  # its retries did not wait for the sleeper
    assert sleeper.attempts == 1
    assert event.dispatched_at is not None
