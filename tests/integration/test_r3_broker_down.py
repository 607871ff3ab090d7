"""R3: the broker is down while 100 changes commit; nothing is lost once it is back.

The test runs its own ``redis-server`` as broker (never the shared one): it stops it,
commits 100 changes (each commit must return quickly: the publish gives up and the
event stays pending), starts it again, then starts a worker with an embedded beat whose
outbox sweeper runs every second. Every event must be fanned out and its cache task run
within the sweeper interval + 30 s; a duplicate, if any, carries the same event id.
"""

import json
import statistics
import time

import pytest
from django_celery_results.models import TaskResult

from hub.models import Event
from preferences.registries import global_preferences_registry
from tests.support.broker import RedisServer, broker_env, publishing_to
from tests.support.polling import wait_until
from tests.support.worker import ALL_QUEUES, WorkerProcess

pytestmark = pytest.mark.django_db(transaction=True)

CHANGES = 100
SWEEP_SECONDS = 1
GRACE_SECONDS = 1


def _cache_tasks_done() -> set[str]:
    results = TaskResult.objects.filter(task_name="hub.cache.invalidate", status="SUCCESS")
    return {json.loads(result.result)["event"] for result in results}


def _sweeping_worker(broker: RedisServer) -> WorkerProcess:
    # Beat's in-memory scheduler: the default one keeps a shelve file, which Python
    # 3.13 stores in SQLite and which failed under load ("locking protocol").
    return WorkerProcess(
        queues=ALL_QUEUES,
        name="r3",
        extra_args=["--beat", "--scheduler=celery.beat:Scheduler"],
        extra_env={
            **broker_env(broker.url),
            "OUTBOX_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "HUB_SETTINGS": json.dumps({"OUTBOX_GRACE": GRACE_SECONDS}),
        },
    )


def test_r3_broker_down_at_commit_loses_nothing():
    manager = global_preferences_registry.manager()
    broker = RedisServer().start()
    worker = _sweeping_worker(broker)
    try:
        with publishing_to(broker.url):
            broker.stop()
            commit_times = []
            for value in range(1, CHANGES + 1):
                started = time.monotonic()
                manager["user__max_users"] = value
                commit_times.append(time.monotonic() - started)
            assert Event.objects.filter(dispatched_at__isnull=True).count() == CHANGES

            broker.start()
            back = time.monotonic()
            worker.start()
            events = {str(pk) for pk in Event.objects.values_list("pk", flat=True)}
            try:
                wait_until(lambda: _cache_tasks_done() >= events, timeout=SWEEP_SECONDS + 45)
            except TimeoutError as exc:
                missing = len(events - _cache_tasks_done())
                raise AssertionError(
                    f"{missing} events not delivered:\n{worker.log()[-6000:]}"
                ) from exc
            recovered_in = time.monotonic() - back
    finally:
        worker.stop()
        broker.stop()

    assert max(commit_times) < 1.5, f"slowest commit {max(commit_times):.2f} s"
    assert statistics.median(commit_times) < 1.0
    assert recovered_in < SWEEP_SECONDS + GRACE_SECONDS + 30
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
    fanouts = TaskResult.objects.filter(task_name="hub.fanout.expand", status="SUCCESS")
    assert {json.loads(result.result)["event"] for result in fanouts} == events
    assert "Outbox sweeper published" in worker.log()
