"""Handlers registered in every test worker (``--include``, tests/support/worker.py).

They react to ``test__TestGlobal1`` (a string) only, and do something unusual only when the new
value asks for it, so that other tests writing that preference merely leave a trace:

- ``record_change`` stores the event's version and new value in the shared cache,
  under ``handled_key(event_id)``;
- ``fail_on_request`` raises for values containing ``"fail"`` (retried twice, 1 s apart);
- ``sleep_on_request`` sleeps ``N`` seconds for values containing ``"slow:N"``;
- ``flaky_until_allowed`` hears only resets, and fails, without retrying, for a reset from
  a value containing ``"flaky"`` until the shared cache holds ``allowed_key(event_id)``:
  a run to retry by hand.
"""

import re
import time

from django.core.cache import caches

import hub
from hub.handlers import HandlerEvent

WATCHED = "test__TestGlobal1"
SLOW = re.compile(r"slow:(\d+(?:\.\d+)?)")
# A worker's `default` cache is the run's Redis (tests/settings.py).
RECORD_TIMEOUT = 600


class RequestedFailure(Exception):
    """Raised on purpose by ``fail_on_request``."""


def handled_key(event_id: str) -> str:
    return f"hubtest:handled:{event_id}"


def allowed_key(event_id: str) -> str:
    return f"hubtest:allowed:{event_id}"


@hub.handler(WATCHED, registry="global")
def record_change(event: HandlerEvent) -> None:
    caches["default"].set(
        handled_key(event.id), {"version": event.version, "value": event.new_value}, RECORD_TIMEOUT
    )


@hub.handler(WATCHED, registry="global", max_retries=2, retry_backoff=1, retry_backoff_max=1)
def fail_on_request(event: HandlerEvent) -> None:
    if "fail" in (event.new_value or ""):
        raise RequestedFailure(f"event {event.id} asked to fail")


@hub.handler(WATCHED, registry="global", time_limit=60)
def sleep_on_request(event: HandlerEvent) -> None:
    if match := SLOW.search(event.new_value or ""):
        time.sleep(float(match.group(1)))


@hub.handler(WATCHED, registry="global", kinds=["preference.reset"], max_retries=0)
def flaky_until_allowed(event: HandlerEvent) -> None:
    if "flaky" in (event.old_value or "") and not caches["default"].get(allowed_key(event.id)):
        raise RequestedFailure(f"event {event.id} is not allowed yet")
