"""R4: the worker is killed (SIGKILL) during a slow task; a new worker finishes it.

The slow task is the ``sleep_on_request`` handler of tests/support/handlers.py. The
workers run in a private broker namespace with a short visibility timeout, the time
after which Redis hands an unacknowledged message to another consumer. Late
acknowledgement means the killed worker never acknowledged it: the new worker runs it
again, once, and the handler's run shows both attempts.
"""

import time

import pytest

from hub.models import HandlerRun
from preferences.registries import global_preferences_registry
from tests.support.namespaces import namespace_env, publishing_in
from tests.support.polling import wait_until
from tests.support.worker import ALL_QUEUES, WorkerProcess

pytestmark = pytest.mark.django_db(transaction=True)

SLOW_HANDLER = "hub.handlers.tests.support.handlers.sleep_on_request"
SLEEP = 2
VISIBILITY_TIMEOUT = 4  # longer than the task, so only a lost worker causes redelivery


def _worker(name: str, namespace: dict[str, str]) -> WorkerProcess:
    env = {**namespace, "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    return WorkerProcess(queues=ALL_QUEUES, name=name, extra_env=env)


def _slow_run() -> HandlerRun | None:
    return HandlerRun.objects.filter(handler=SLOW_HANDLER).first()


def test_r4_task_of_a_killed_worker_completes_on_a_new_one():
    namespace = namespace_env("r4")
    first, second = _worker("r4-first", namespace), _worker("r4-second", namespace)
    try:
        with publishing_in(namespace):
            first.start()
            global_preferences_registry.manager()["test__TestGlobal1"] = f"slow:{SLEEP}"
            wait_until(lambda: (run := _slow_run()) and run.status == "running")
            started = time.monotonic()
            first.kill()
            # A new worker restores unacknowledged messages older than the visibility
            # timeout when it starts (later only every ~100 s): start it after that.
            time.sleep(max(0.0, started + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
            second.start()
            wait_until(lambda: _slow_run().status == "succeeded", timeout=VISIBILITY_TIMEOUT + 30)
    finally:
        first.kill()
        second.stop()

    run = _slow_run()
    assert run.attempts == 2  # the interrupted attempt, then the one that completed
    assert run.finished_at is not None
    assert "sleep_on_request" in second.log()
