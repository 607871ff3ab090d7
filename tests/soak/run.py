"""The soak and fault run: many changes through the manager while the hub's parts fail.

The run owns everything it breaks: a private ``redis-server`` (broker and workers'
cache), two workers (the first with beat and fast sweepers), and one loopback receiver
per endpoint that records every request. One producer writes the changes as fast as it
can and, at fixed points of the run, injects the faults:

1. at a quarter: Redis is killed and started again (no persistence: queued tasks are lost);
2. at a half: the second worker is SIGKILLed mid-delivery and a new one started;
3. at three quarters: Redis is stopped for ``outage`` seconds while writes go on; each
   write must still return quickly and commit.

Then it waits, with a bound, until every event is dispatched and every message has
succeeded, and compares what the receivers saw with the events and the attempt log.
``tests/soak/test_soak.py`` runs it scaled down in CI; ``tests/soak/soak.py`` runs it
full size.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from hub.models import Attempt, Event, Message
from preferences.registries import global_preferences_registry
from tests.support.broker import RedisServer, broker_env, publishing_to
from tests.support.receiver import Receiver
from tests.support.webhook_endpoints import add_endpoint
from tests.support.webhooks import LOOPBACK
from tests.support.worker import ALL_QUEUES, Supervisor, WorkerProcess

# Short sweeps, leases and visibility timeout: recovery is measured in seconds.
SWEEP_SECONDS = "1"
VISIBILITY_TIMEOUT = "20"
HUB = {
    "OUTBOUND_ALLOWLIST": LOOPBACK,
    "OUTBOX_GRACE": 1,
    "OUTBOX_PUBLISH_LEASE": 10,
    "WEBHOOK_DELIVERY_LEASE": 10,
}
# Two keys, written in turn with values that always change (a no-op is not an event).
KEYS = ("user__items_per_page", "test__TestGlobal1")


@dataclass
class Figures:
    """What a run measured; ``problems`` lists every broken pass criterion."""

    changes: int = 0
    events: int = 0
    endpoints: int = 0
    expected_pairs: int = 0
    received_pairs: int = 0
    missing_pairs: int = 0
    requests: int = 0
    duplicates: int = 0
    duplicates_with_other_ids: int = 0
    longest_commit_to_receipt: float = 0.0
    back_to_last_delivery: float = 0.0
    slowest_write: float = 0.0
    slowest_write_during_outage: float = 0.0
    median_write: float = 0.0
    settle_seconds: float = 0.0
    worker_restarts: int = 0
    problems: list[str] = field(default_factory=list)

    def table(self) -> str:
        rows = [
            ("changes written", self.changes),
            ("events recorded", self.events),
            ("endpoints", self.endpoints),
            ("(change, endpoint) pairs expected", self.expected_pairs),
            ("pairs received at least once", self.received_pairs),
            ("pairs missing", self.missing_pairs),
            ("requests received", self.requests),
            ("duplicate deliveries (same webhook-id)", self.duplicates),
            ("duplicates with another webhook-id", self.duplicates_with_other_ids),
            ("longest commit -> receipt", f"{self.longest_commit_to_receipt:.1f} s"),
            ("Redis back -> last delivery", f"{self.back_to_last_delivery:.1f} s"),
            ("median write", f"{self.median_write * 1000:.1f} ms"),
            ("slowest write", f"{self.slowest_write * 1000:.0f} ms"),
            ("slowest write, Redis down", f"{self.slowest_write_during_outage * 1000:.0f} ms"),
            ("settled after the last write", f"{self.settle_seconds:.1f} s"),
            ("workers that exited on their own (restarted)", self.worker_restarts),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


class Hub:
    """The private Redis and the supervised workers of one run."""

    def __init__(self) -> None:
        self.redis = RedisServer()
        self.workers = Supervisor(self.worker)

    def worker(self, name: str) -> WorkerProcess:
        beat = name == "soak-1"
        extra_args = ["--beat", "--scheduler=celery.beat:Scheduler"] if beat else []
        return WorkerProcess(
            queues=ALL_QUEUES, name=name, extra_args=extra_args,
            extra_env={
                **broker_env(self.redis.url),
                "HUB_SETTINGS": json.dumps(HUB),
                "OUTBOX_SWEEP_SECONDS": SWEEP_SECONDS,
                "WEBHOOK_SWEEP_SECONDS": SWEEP_SECONDS,
                "CELERY_VISIBILITY_TIMEOUT": VISIBILITY_TIMEOUT,
            },
        )  # fmt: skip

    def start(self) -> Hub:
        self.redis.start()
        for name in ("soak-1", "soak-2"):
            self.workers.start(name)
        return self

    def replace_second_worker(self) -> threading.Thread:
        """SIGKILL the second worker, and start a new one in the background."""
        self.workers.kill("soak-2")
        starter = threading.Thread(target=self.workers.start, args=("soak-3",), daemon=True)
        starter.start()
        return starter

    def stop(self) -> None:
        self.workers.stop()
        self.redis.stop()


def soak(changes: int, endpoints: int, outage: float, settle_timeout: float) -> Figures:
    """Run the soak (the database must be writable by the workers: commit, no test txn)."""
    figures = Figures(changes=changes, endpoints=endpoints)
    receivers = [Receiver().start() for _ in range(endpoints)]
    hub = Hub().start()
    try:
        for receiver in receivers:
            add_endpoint(receiver.url)
        with publishing_to(hub.redis.url):
            back = _write(hub, changes, outage, figures)
            _settle(settle_timeout, figures)
        _compare(receivers, back, figures)
    except TimeoutError as exc:
        figures.problems.append(f"{exc}\n{hub.workers.logs()}")
    finally:
        figures.worker_restarts = hub.workers.restarts
        hub.stop()
        for receiver in receivers:
            receiver.stop()
    return figures


def _write(hub: Hub, changes: int, outage: float, figures: Figures) -> float:
    """Write ``changes`` with the faults on the way; return when Redis came back last."""
    manager = global_preferences_registry.manager()
    durations, during_outage = [], []
    starter = None
    outage_until = back = 0.0
    for number in range(1, changes + 1):
        if number == changes // 4:
            hub.redis.kill()
            hub.redis.start()
            back = time.time()
        elif number == changes // 2:
            starter = hub.replace_second_worker()
        elif number == 3 * changes // 4:
            hub.redis.stop()
            outage_until = time.monotonic() + outage
        key = KEYS[number % len(KEYS)]
        started = time.monotonic()
        manager[key] = number if key.startswith("user__") else f"value {number}"
        durations.append(time.monotonic() - started)
        if outage_until:
            during_outage.append(durations[-1])
    if outage_until:
        time.sleep(max(0.0, outage_until - time.monotonic()))
        hub.redis.start()
        back = time.time()
    if starter is not None:
        starter.join()
    figures.median_write = statistics.median(durations)
    figures.slowest_write = max(durations)
    figures.slowest_write_during_outage = max(during_outage, default=0.0)
    return back


def _settle(timeout: float, figures: Figures) -> None:
    """Wait until every event is dispatched and every message succeeded."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        pending_events = Event.objects.filter(dispatched_at__isnull=True).count()
        unsettled = Message.objects.exclude(status=Message.Status.SUCCEEDED).count()
        expected = Event.objects.count() * figures.endpoints
        if not pending_events and not unsettled and Message.objects.count() == expected:
            figures.settle_seconds = time.monotonic() - started
            return
        time.sleep(0.5)
    raise TimeoutError(
        f"not settled after {timeout:.0f} s: {pending_events} events pending, "
        f"{unsettled} messages not succeeded, {Message.objects.count()}/{expected} messages"
    )


def _compare(receivers: list[Receiver], back: float, figures: Figures) -> None:
    events = {str(pk): at for pk, at in Event.objects.values_list("pk", "occurred_at")}
    figures.events = len(events)
    figures.expected_pairs = len(events) * len(receivers)
    seen: dict[tuple[str, int], set[str]] = defaultdict(set)
    received_per_message: dict[str, int] = defaultdict(int)
    last_receipt = 0.0
    for index, receiver in enumerate(receivers):
        for request in receiver.requests:
            event_id = json.loads(request.body)["data"]["event_id"]
            webhook_id = request.headers["webhook-id"]
            seen[(event_id, index)].add(webhook_id)
            received_per_message[webhook_id] += 1
            figures.requests += 1
            commit_to_receipt = request.received_at - events[event_id].timestamp()
            figures.longest_commit_to_receipt = max(
                figures.longest_commit_to_receipt, commit_to_receipt
            )
            last_receipt = max(last_receipt, request.received_at)
    figures.received_pairs = sum(
        1 for event in events for i in range(len(receivers)) if seen[(event, i)]
    )
    figures.missing_pairs = figures.expected_pairs - figures.received_pairs
    figures.duplicates = figures.requests - figures.received_pairs
    figures.duplicates_with_other_ids = sum(len(ids) - 1 for ids in seen.values() if ids)
    figures.back_to_last_delivery = max(0.0, last_receipt - back)
    _check(figures, received_per_message)


def _check(figures: Figures, received_per_message: dict[str, int]) -> None:
    if figures.changes != figures.events:
        figures.problems.append(f"{figures.changes} changes but {figures.events} events")
    if figures.missing_pairs:
        figures.problems.append(f"{figures.missing_pairs} (change, endpoint) pairs missing")
    if figures.duplicates_with_other_ids:
        figures.problems.append(f"{figures.duplicates_with_other_ids} duplicates with a new id")
    if figures.slowest_write_during_outage > 1.5:
        figures.problems.append(
            f"a write took {figures.slowest_write_during_outage:.2f} s while Redis was down"
        )
    figures.problems.extend(_attempt_log_disagreements(received_per_message))


def _attempt_log_disagreements(received_per_message: dict[str, int]) -> list[str]:
    """Each message's receipts lie between its successful and its sent attempts.

    Receivers always answer 200, so a request that arrived is a success unless its worker
    died before recording the answer (an interrupted attempt, which may or may not have
    reached the receiver).
    """
    counts = Message.objects.annotate(
        successes=Count("attempts", filter=Q(attempts__status=Attempt.Status.SUCCESS)),
        interrupted=Count("attempts", filter=Q(attempts__status=Attempt.Status.INTERRUPTED)),
    ).values_list("pk", "successes", "interrupted")
    problems = []
    for message_id, successes, interrupted in counts:
        received = received_per_message.get(message_id, 0)
        if not successes <= received <= successes + interrupted:
            problems.append(
                f"message {message_id}: received {received}, attempt log says "
                f"{successes} successful and {interrupted} interrupted"
            )
    return problems
