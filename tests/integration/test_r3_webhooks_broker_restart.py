"""R3, webhook variant: the broker restarts holding delivery tasks; none waits 15 minutes.

The test runs its own ``redis-server`` (without persistence) as broker. Twenty changes are
fanned out, so twenty first tries wait in the broker's webhooks queue, and a sweep has
seen the broker. No worker is running yet: the broker is restarted, which drops the
queue. A worker with an embedded beat then starts; its webhook sweeper sees that the
broker is a new server and publishes the lost tries. Every message must be delivered
within the sweeper interval + 30 s of the broker's return, with one request each.
"""

import json
import time

import pytest

from hub.models import Event, Message
from preferences.registries import global_preferences_registry
from tasks import fanout, webhooks
from tests.support.broker import RedisServer, broker_env, publishing_to
from tests.support.polling import wait_until
from tests.support.receiver import Receiver
from tests.support.webhook_endpoints import add_endpoint
from tests.support.webhooks import LOOPBACK
from tests.support.worker import ALL_QUEUES, WorkerProcess

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

CHANGES = 20
SWEEP_SECONDS = 2


def _sweeping_worker(broker: RedisServer) -> WorkerProcess:
    # Beat's in-memory scheduler, as in the other R3 test (no shelve file under load).
    return WorkerProcess(
        queues=ALL_QUEUES,
        name="r3-webhooks",
        extra_args=["--beat", "--scheduler=celery.beat:Scheduler"],
        extra_env={
            **broker_env(broker.url),
            "WEBHOOK_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "HUB_SETTINGS": json.dumps({"OUTBOUND_ALLOWLIST": LOOPBACK}),
        },
    )


def _delivered() -> int:
    return Message.objects.filter(status=Message.Status.SUCCEEDED).count()


def test_r3_deliveries_lost_with_the_broker_go_out_within_a_sweep(allow_loopback):
    manager = global_preferences_registry.manager()
    broker = RedisServer().start()
    worker = _sweeping_worker(broker)
    with Receiver() as receiver:
        add_endpoint(receiver.url)
        try:
            with publishing_to(broker.url):
                webhooks.sweep_due()  # a sweeper has seen this broker before the restart
                for value in range(1, CHANGES + 1):
                    manager["user__max_users"] = value
                for event_id in Event.objects.values_list("pk", flat=True):
                    fanout.expand(str(event_id))  # the fan-out, as a worker runs it
                assert Message.objects.filter(is_queued=True).count() == CHANGES

                broker.stop()
                broker.start()  # the queued delivery tasks are gone
                back = time.monotonic()
                worker.start()
                try:
                    wait_until(lambda: _delivered() == CHANGES, timeout=SWEEP_SECONDS + 45)
                except TimeoutError as exc:
                    raise AssertionError(
                        f"{CHANGES - _delivered()} messages not delivered:\n{worker.log()[-6000:]}"
                    ) from exc
                recovered_in = time.monotonic() - back
                time.sleep(2 * SWEEP_SECONDS)  # room for a duplicate request to show up
        finally:
            worker.stop()
            broker.stop()

    assert recovered_in < SWEEP_SECONDS + 30
    messages = set(Message.objects.values_list("pk", flat=True))
    assert sorted(r.headers["webhook-id"] for r in receiver.requests) == sorted(messages)
    assert "The broker restarted" in worker.log()
