"""R3: the broker is down while 100 changes commit; nothing is lost once it is back.

The test runs its own ``redis-server`` as broker (never the shared one) and a worker
with an embedded beat whose sweepers run every second, already up and connected before
the broker goes away. It stops the broker, commits 100 changes (each commit must return
quickly: the publish gives up and the event stays pending), starts the broker again and
measures, from that moment, until a real receiver has the webhook of every change:
within the sweeper interval + grace + 30 s, one ``webhook-id`` per change.
"""

import json
import statistics
import time

import pytest

from hub.models import Event
from preferences.registries import global_preferences_registry
from tests.support.broker import RedisServer, broker_env, publishing_to
from tests.support.receiver import Receiver
from tests.support.webhook_endpoints import add_endpoint
from tests.support.webhooks import LOOPBACK
from tests.support.worker import ALL_QUEUES, Supervisor, WorkerProcess

pytestmark = pytest.mark.django_db(transaction=True)

CHANGES = 100
SWEEP_SECONDS = 1
GRACE_SECONDS = 1


def _sweeping_worker(broker: RedisServer):
    def make(name: str) -> WorkerProcess:
        # Beat's in-memory scheduler: the default one keeps a shelve file, which Python
        # 3.13 stores in SQLite and which failed under load ("locking protocol").
        return WorkerProcess(
            queues=ALL_QUEUES,
            name=name,
            extra_args=["--beat", "--scheduler=celery.beat:Scheduler"],
            extra_env={
                **broker_env(broker.url),
                "OUTBOX_SWEEP_SECONDS": str(SWEEP_SECONDS),
                "WEBHOOK_SWEEP_SECONDS": str(SWEEP_SECONDS),
                "HUB_SETTINGS": json.dumps(
                    {"OUTBOX_GRACE": GRACE_SECONDS, "OUTBOUND_ALLOWLIST": LOOPBACK}
                ),
            },
        )

    return make


def test_r3_broker_down_at_commit_loses_nothing(allow_loopback):
    manager = global_preferences_registry.manager()
    broker = RedisServer().start()
    workers = Supervisor(_sweeping_worker(broker))
    with Receiver() as receiver, publishing_to(broker.url):
        try:
            add_endpoint(receiver.url)
            workers.start("r3")
            broker.stop()
            commit_times = []
            for value in range(1, CHANGES + 1):
                started = time.monotonic()
                manager["user__max_users"] = value
                commit_times.append(time.monotonic() - started)
            assert Event.objects.filter(dispatched_at__isnull=True).count() == CHANGES

            broker.start()
            back = time.time()
            try:
                receiver.wait_for_requests(CHANGES, timeout=SWEEP_SECONDS + GRACE_SECONDS + 45)
            except TimeoutError as exc:
                raise AssertionError(
                    f"{CHANGES - len(receiver.requests)} changes not delivered:\n"
                    f"{workers.logs(6000)}"
                ) from exc
        finally:
            workers.stop()
            broker.stop()

    recovered_in = max(request.received_at for request in receiver.requests) - back
    assert max(commit_times) < 1.5, f"slowest commit {max(commit_times):.2f} s"
    assert statistics.median(commit_times) < 1.0
    assert recovered_in < SWEEP_SECONDS + GRACE_SECONDS + 30, f"recovered in {recovered_in:.1f} s"
    events = {str(pk) for pk in Event.objects.values_list("pk", flat=True)}
    delivered = {json.loads(request.body)["data"]["event_id"] for request in receiver.requests}
    assert delivered == events
    ids_per_event = {}
    for request in receiver.requests:
        event_id = json.loads(request.body)["data"]["event_id"]
        ids_per_event.setdefault(event_id, set()).add(request.headers["webhook-id"])
    assert all(len(ids) == 1 for ids in ids_per_event.values())
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
    assert "Outbox sweeper published" in workers.logs(tail=None)
