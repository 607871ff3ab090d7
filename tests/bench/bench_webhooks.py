"""Benchmark: webhook delivery throughput and latency (issue 5, "Performance").

* sustained deliveries per second for N changes (default 2,000) with 1 and 5 endpoints,
  from the first commit to the last request received;
* commit-to-receipt latency p50/p95/p99 at a steady 50 changes per second;

each with a worker of 2 processes, for the hub's design (one pooled HTTP client per
process) and, in the same run, for a naive design that opens a new HTTP session for every
delivery (``tests/bench/naive_celery.py``). The receivers are real servers on loopback,
allow-listed for the worker only, over plain HTTP and over HTTPS (production webhooks
are HTTPS; ``tests/bench/bench_tls.py`` makes a throwaway CA the workers trust).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        .venv/bin/python tests/bench/bench_webhooks.py [--changes 2000] [--latency-changes 500] \\
        [--scheme http|https|both]

It creates and drops its own test database and broker namespace; it is not a test. It
runs like production: ``DEBUG`` off (no query log in the workers), a random secret key.
"""

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ.setdefault("PREFHUB_TEST_NAMESPACE", f"bench{os.getpid()}")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from hub.models import Event, Message, WebhookEndpoint  # noqa: E402
from hub.webhooks.delivery import create_messages  # noqa: E402
from hub.webhooks.secrets import create_secret  # noqa: E402
from preferences.registries import global_preferences_registry  # noqa: E402
from tasks.webhooks import deliver  # noqa: E402
from tests.bench.bench_tls import BUNDLE_ENV, BenchCertificates, TlsReceiver, make_bundle  # noqa: E402
from tests.support.receiver import Receiver  # noqa: E402
from tests.support.webhooks import LOOPBACK, QUEUES  # noqa: E402
from tests.support.worker import WorkerProcess  # noqa: E402

KEY = "user__items_per_page"
LATENCY_RATE = 50  # changes per second (issue 5)
WORKER_PROCESSES = 2
DESIGNS = {
    "pooled client (hub)": "tests.bench.hub_celery",
    "new session per delivery (naive)": "tests.bench.naive_celery",
}
THROUGHPUT_LABELS = (
    "1 endpoint (deliveries/s)",
    "5 endpoints (deliveries/s)",
    "delivery stage only (deliveries/s)",
)


class BenchWorker(WorkerProcess):
    """A worker of the given Celery app module (the hub's, or the naive variant)."""

    def __init__(self, app_module: str, certificates: BenchCertificates) -> None:
        env = {
            "HUB_SETTINGS": json.dumps({"OUTBOUND_ALLOWLIST": LOOPBACK}),
            BUNDLE_ENV: str(certificates.bundle_file),
        }
        super().__init__(queues=QUEUES, concurrency=WORKER_PROCESSES, name="bench", extra_env=env)
        self.app_module = app_module

    def command(self) -> list[str]:
        command = super().command()
        command[command.index("celery_app")] = self.app_module
        return command


class Receivers:
    """Makes the run's receivers: plain HTTP, or HTTPS with the bench's certificate."""

    certificates: BenchCertificates | None = None

    @classmethod
    def new(cls) -> Receiver:
        if cls.certificates is None:
            return Receiver().start()
        return TlsReceiver(cls.certificates).start()


def reset(endpoints: int) -> list[Receiver]:
    """Empty the tables and add ``endpoints`` endpoints, each with its own receiver."""
    Message.objects.all().delete()
    Event.objects.all().delete()
    WebhookEndpoint.objects.all().delete()
    receivers = [Receivers.new() for _ in range(endpoints)]
    for receiver in receivers:
        endpoint = WebhookEndpoint.objects.create(url=receiver.url)
        create_secret(endpoint)
    return receivers


def write(manager, value: int) -> float:
    """One change in its own transaction; returns the wall time right after the commit."""
    with transaction.atomic():
        manager[KEY] = value
    return time.time()


def wait_for(receivers: list[Receiver], count: int, timeout: float) -> None:
    for receiver in receivers:
        receiver.wait_for_requests(count, timeout=timeout)


def throughput(changes: int, endpoints: int) -> float:
    """Deliveries per second for ``changes`` changes to ``endpoints`` endpoints."""
    receivers = reset(endpoints)
    manager = global_preferences_registry.manager()
    started = time.time()
    for value in range(changes):
        write(manager, value)
    wait_for(receivers, changes, timeout=changes * endpoints)
    finished = max(request.received_at for r in receivers for request in r.requests)
    for receiver in receivers:
        receiver.stop()
    return changes * endpoints / (finished - started)


def delivery_stage(deliveries: int) -> float:
    """Deliveries per second of the delivery stage alone: messages queued, then sent.

    The end-to-end figure also pays for the fan-out and cache-invalidation tasks of each
    change on the same two processes; this one isolates what the HTTP design changes.
    """
    (receiver,) = reset(1)
    message_ids = []
    for value in range(deliveries):
        event = Event.objects.create(
            registry="global", identifier=KEY, name="items_per_page", section="user",
            version=value + 1, old_value=str(value), new_value=str(value + 1),
        )  # fmt: skip
        message_ids += create_messages(event)
    started = time.time()
    for message_id in message_ids:
        deliver.delay(message_id)
    receiver.wait_for_requests(deliveries, timeout=deliveries)
    receiver.stop()
    return deliveries / (max(r.received_at for r in receiver.requests) - started)


def latency(changes: int) -> dict[str, float]:
    """Commit-to-receipt latency percentiles (ms) at ``LATENCY_RATE`` changes per second."""
    (receiver,) = reset(1)
    manager = global_preferences_registry.manager()
    committed = {}
    began = time.monotonic()
    for value in range(changes):
        time.sleep(max(0.0, began + value / LATENCY_RATE - time.monotonic()))
        committed[str(value)] = write(manager, value)
    wait_for([receiver], changes, timeout=120)
    receiver.stop()
    delays = sorted(
        (request.received_at - committed[json.loads(request.body)["data"]["new_value"]]) * 1000
        for request in receiver.requests
    )
    cuts = statistics.quantiles(delays, n=100)
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def run_design(
    app_module: str, args: argparse.Namespace, certificates: BenchCertificates
) -> dict[str, object]:
    with BenchWorker(app_module, certificates):
        return {
            "1 endpoint (deliveries/s)": throughput(args.changes, 1),
            "5 endpoints (deliveries/s)": throughput(args.changes, 5),
            "delivery stage only (deliveries/s)": delivery_stage(args.changes),
            "latency at 50 changes/s (ms)": latency(args.latency_changes),
        }


def run_scheme(scheme: str, args: argparse.Namespace, certificates: BenchCertificates):
    """Both designs, one after the other, against receivers of ``scheme``."""
    Receivers.certificates = certificates if scheme == "https" else None
    return {
        design: run_design(app_module, args, certificates) for design, app_module in DESIGNS.items()
    }


def report(scheme: str, results: dict[str, dict[str, object]]) -> None:
    print(f"\n=== receivers over {scheme.upper()}")
    for design, numbers in results.items():
        print(f"\n{design}")
        for label, value in numbers.items():
            if isinstance(value, dict):
                shown = ", ".join(f"{k} {v:.1f}" for k, v in value.items())
                print(f"  {label}: {shown}")
            else:
                print(f"  {label}: {value:.1f}")
    hub, naive = results.values()
    for label in THROUGHPUT_LABELS:
        print(f"throughput ratio, {label}: {hub[label] / naive[label]:.2f}x (target >= 3x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=2000)
    parser.add_argument("--latency-changes", type=int, default=500)
    parser.add_argument("--scheme", choices=["http", "https", "both"], default="both")
    args = parser.parse_args()
    schemes = ["http", "https"] if args.scheme == "both" else [args.scheme]
    certificates = make_bundle()
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    os.environ["PREFHUB_TEST_PROCESS"] = "worker"  # the workers connect to test_name
    try:
        results = {scheme: run_scheme(scheme, args, certificates) for scheme in schemes}
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"database: {connection.vendor} ({test_name}); {args.changes} changes; "
          f"worker of {WORKER_PROCESSES} processes")  # fmt: skip
    for scheme, by_design in results.items():
        report(scheme, by_design)


if __name__ == "__main__":
    main()
