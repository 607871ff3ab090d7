"""R16: two outbox sweepers at once over 1,000 stuck events publish each event once.

Both sweepers must have claimed events (on PostgreSQL), and the union of what they
published is exactly the stuck set, each event once.

Two sweeps run concurrently in the two processes of a worker that consumes only the
``outbox`` queue of a private broker namespace; nobody consumes its ``fanout`` queue, so
every fan-out message the sweepers published is still there to be counted.
"""

import json

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from hub.models import Event
from tasks.outbox import sweep
from tests.support.broker import queued_tasks
from tests.support.namespaces import PREFIX_ENV, namespace_env, publishing_in
from tests.support.worker import WorkerProcess

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # SQLite has no row locks to skip: one sweeper would simply publish everything.
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="concurrent claiming needs PostgreSQL's SKIP LOCKED (CI runs on it)",
    ),
]

STUCK = 1000
BATCH = 50


@pytest.fixture
def namespace():
    env = namespace_env("r16")
    yield env
    client = redis.Redis.from_url(settings.TEST_REDIS_URL)
    for key in client.scan_iter(f"{env[PREFIX_ENV]}*"):
        client.delete(key)


def test_r16_two_sweepers_publish_each_stuck_event_once(namespace):
    long_ago = timezone.now() - timezone.timedelta(minutes=10)
    stuck = Event.objects.bulk_create(
        Event(identifier=f"user__k{i}", registry="global", occurred_at=long_ago)
        for i in range(STUCK)
    )
    hub_settings = json.dumps({"OUTBOX_BATCH_SIZE": BATCH})
    worker = WorkerProcess(
        queues=["outbox"], concurrency=2, name="r16",
        extra_env={**namespace, "HUB_SETTINGS": hub_settings},
    )  # fmt: skip
    with worker, publishing_in(namespace):
        # The sweeper keeps no result row unless asked: these report what they published.
        sweeps = [sweep.apply_async(ignore_result=False) for _ in range(2)]
        published = [result.get(timeout=60)["published"] for result in sweeps]

    client = redis.Redis.from_url(settings.TEST_REDIS_URL)
    messages = queued_tasks(client, f"{namespace[PREFIX_ENV]}fanout")
    assert sum(published) == STUCK
    assert all(count > 0 for count in published), f"one sweeper claimed all: {published}"
    assert {name for name, _ in messages} == {"hub.fanout.expand"}
    assert sorted(args[0] for _, args in messages) == sorted(str(e.pk) for e in stuck)
    # Leased, not dispatched: no fan-out ran (nobody consumes the queue).
    assert not Event.objects.filter(published_at__isnull=True).exists()
