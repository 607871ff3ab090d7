"""One measurement of one hub, run by ``bench_compare.py`` with that hub's Python.

Starts the receivers, then Django with the hub's settings, then a Celery worker
(``prefork -c 2``, its own process group), warms it up, and measures one scenario:

* ``throughput``: ``--changes`` writes as fast as one writer commits them, to
  ``--endpoints`` endpoints; deliveries/s from the first write to the last receipt, and the
  worker's CPU time per delivery, read from /proc for its process group;
* ``latency``: writes at ``--rate`` changes per second; commit → receipt percentiles;
* ``writes``: Prefhub only, no worker: the latency of a write with the hub's receiver
  connected and without it, alternating rounds in this one process.

Prints one JSON object. With ``BENCH_PYSPY=<file>`` (and py-spy on the PATH) the worker
is profiled during the scenario. Not a test; ``bench_compare.py`` runs it.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.receiver import Receiver  # noqa: E402

KEY = "user__items_per_page"
WARM_UP = 20
HUBS = {
    "prefhub": ("tests.bench.rivals.prefhub_site.settings", "celery_app"),
    "django_webhook": (
        "tests.bench.rivals.django_webhook_site.settings",
        "tests.bench.rivals.django_webhook_site.celery_app",
    ),
    "floor": ("tests.bench.rivals.floor_site.settings", "tests.bench.rivals.floor_site.celery_app"),
}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(pgid: int) -> float:
    """User + system time of every live process in ``pgid``, and of its reaped children."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[2]) == pgid:
            total += sum(int(value) for value in fields[11:15])
    return total / CLOCK_TICKS


def wait_until_idle(pgid: int, quiet: float = 0.5) -> float:
    """The group's CPU time once it stays unchanged for ``quiet`` seconds (work finished)."""
    last = group_cpu_seconds(pgid)
    while True:
        time.sleep(quiet)
        now = group_cpu_seconds(pgid)
        if now - last < 0.02:
            return now
        last = now


class Hub:
    """What differs between the hubs: endpoints, the worker's queues, reading a receipt."""

    def __init__(self, name: str) -> None:
        self.name = name

    def add_endpoints(self, urls: list[str]) -> None:
        if self.name == "prefhub":
            from hub.models import Event, Message, WebhookEndpoint
            from hub.webhooks.secrets import create_secret

            Message.objects.all().delete()
            Event.objects.all().delete()
            WebhookEndpoint.objects.all().delete()
            for url in urls:
                create_secret(WebhookEndpoint.objects.create(url=url))
        elif self.name == "django_webhook":
            from django_webhook.models import Webhook, WebhookEvent, WebhookSecret, WebhookTopic

            WebhookEvent.objects.all().delete()
            Webhook.objects.all().delete()
            topics = [
                WebhookTopic.objects.get_or_create(name=f"preferences.GlobalPreferenceModel/{a}")[0]
                for a in ("create", "update")
            ]
            for url in urls:
                webhook = Webhook.objects.create(url=url)
                webhook.topics.set(topics)
                WebhookSecret.objects.create(webhook=webhook, token="bench-secret-" + "x" * 20)
        # The floor's endpoints are FLOOR_URLS, set before Django started.

    def queues(self) -> list[str]:
        if self.name == "prefhub":
            from hub.celery_config import queue_names

            return queue_names()
        return ["celery"]

    def value_of(self, body: bytes) -> str:
        document = json.loads(body)
        if self.name == "prefhub":
            return document["data"]["new_value"]
        if self.name == "django_webhook":
            return document["object"]["raw_value"]
        return document["new_value"]


def start_worker(hub: Hub, app: str, log: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "celery", "-A", app, "worker", "-P", "prefork", "-c", "2",
        "-l", "warning", "--without-gossip", "--without-mingle", "-n", f"bench-{hub.name}@%h",
        "-Q", ",".join(hub.queues()),
    ]  # fmt: skip
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def start_profiler(pid: int) -> subprocess.Popen | None:
    """py-spy on the warmed-up worker and its pool, when ``BENCH_PYSPY`` names an output file.

    Collapsed stacks (``-f raw``) of the measured scenario only, start-up left out.
    """
    output = os.environ.get("BENCH_PYSPY")
    if not output:
        return None
    command = ["py-spy", "record", "--subprocesses", "--nonblocking", "-r", "100", "-f", "raw",
               "-o", output, "-p", str(pid)]  # fmt: skip
    profiler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # attached before the first write
    return profiler


def stop_worker(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def clear_redis() -> None:
    """Drop this hub's broker and cache keys: a message left by an earlier run is not ours."""
    import redis

    client = redis.Redis.from_url(os.environ["BENCH_REDIS_URL"])
    for key in client.scan_iter(f"{os.environ['BENCH_PREFIX']}*", count=1000):
        client.delete(key)


def write(manager, value: int) -> float:
    from django.db import transaction

    with transaction.atomic():
        manager[KEY] = value
    return time.time()


def received(receivers: list[Receiver]) -> int:
    return sum(len(receiver.requests) for receiver in receivers)


def wait_for(receivers: list[Receiver], count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while received(receivers) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{received(receivers)} of {count} deliveries arrived")
        time.sleep(0.02)


def throughput(manager, receivers, worker, changes: int, offset: int) -> dict:
    before = received(receivers)
    cpu_before = group_cpu_seconds(worker.pid)
    started = time.time()
    for value in range(offset, offset + changes):
        write(manager, value)
    expected = before + changes * len(receivers)
    wait_for(receivers, expected, timeout=60 + changes * len(receivers) / 2)
    finished = max(r.received_at for receiver in receivers for r in receiver.requests)
    cpu = wait_until_idle(worker.pid) - cpu_before
    deliveries = changes * len(receivers)
    return {
        "deliveries_per_s": deliveries / (finished - started),
        "cpu_ms_per_delivery": cpu * 1000 / deliveries,
        "duplicates": received(receivers) - expected,
    }


def latency(hub: Hub, manager, receivers, changes: int, rate: float, offset: int) -> dict:
    (receiver,) = receivers
    before = len(receiver.requests)
    committed = {}
    began = time.monotonic()
    for index, value in enumerate(range(offset, offset + changes)):
        time.sleep(max(0.0, began + index / rate - time.monotonic()))
        committed[str(value)] = write(manager, value)
    wait_for(receivers, before + changes, timeout=120)
    delays = sorted(
        (request.received_at - committed[hub.value_of(request.body)]) * 1000
        for request in receiver.requests[before:]
    )
    cuts = statistics.quantiles(delays, n=100)
    return {"p50_ms": cuts[49], "p95_ms": cuts[94], "p99_ms": cuts[98]}


def write_costs(manager, base: int, rounds: int, writes: int) -> dict:
    """Median write latency with the hub's receiver and without it, alternating rounds."""
    from hub.receivers import record_preference_change
    from preferences.signals import preference_updated

    uid = "hub.receivers.record_preference_change"
    samples: dict[str, list[float]] = {"with_hub_ms": [], "without_hub_ms": []}
    value = base
    for _ in range(rounds):
        for label in samples:
            if label == "with_hub_ms":
                preference_updated.connect(record_preference_change, dispatch_uid=uid)
            else:
                preference_updated.disconnect(dispatch_uid=uid)
            for _ in range(writes):
                value += 1
                began = time.perf_counter()
                write(manager, value)
                samples[label].append((time.perf_counter() - began) * 1000)
    preference_updated.connect(record_preference_change, dispatch_uid=uid)
    return {label: statistics.median(values) for label, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hub", choices=sorted(HUBS), required=True)
    parser.add_argument("--scenario", choices=["throughput", "latency", "writes"], required=True)
    parser.add_argument("--endpoints", type=int, default=1)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args()
    hub = Hub(args.hub)
    settings_module, app = HUBS[args.hub]
    receivers = [Receiver().start() for _ in range(args.endpoints)]
    urls = [receiver.url for receiver in receivers]
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    os.environ["FLOOR_URLS"] = ",".join(urls)
    os.environ["HUB_SETTINGS"] = json.dumps({"OUTBOUND_ALLOWLIST": ["127.0.0.0/8"]})
    import django

    django.setup()
    from preferences.registries import global_preferences_registry

    manager = global_preferences_registry.manager()
    clear_redis()
    # Values no earlier run stored, so that no write of this run is a no-op.
    base = int(time.time() * 10) % 10**7 * 10**4
    if args.scenario == "writes":
        write(manager, base)  # the row exists, the broker connection is open
        print(json.dumps(write_costs(manager, base, rounds=10, writes=50)))
        clear_redis()
        return
    hub.add_endpoints(urls)
    worker = start_worker(hub, app, args.log)
    try:
        for value in range(base, base + WARM_UP):
            write(manager, value)
        wait_for(receivers, WARM_UP * len(receivers), timeout=120)
        wait_until_idle(worker.pid)
        profiler = start_profiler(worker.pid)
        if args.scenario == "throughput":
            result = throughput(manager, receivers, worker, args.changes, base + WARM_UP)
        else:
            result = latency(hub, manager, receivers, args.changes, args.rate, base + WARM_UP)
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(30)
    finally:
        stop_worker(worker)
        for receiver in receivers:
            receiver.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
