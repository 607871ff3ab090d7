"""Benchmark: what the hub adds to one preference write (issue 4, "Performance").

Measures the latency of ``manager[key] = value`` (its own transaction, commit included)
with and without the hub's receiver, in the same process and run, interleaving rounds of
both so that drift affects both alike. With the hub, a write also INSERTs its event and,
after the commit, publishes one fan-out message to Redis (nobody consumes it here).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        .venv/bin/python tests/bench/bench_write_latency.py [--rounds 20] [--writes 100]

It creates and drops its own test database and broker namespace; it is not a test.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ.setdefault("PREFHUB_TEST_NAMESPACE", f"bench{os.getpid()}")

import django

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from hub.receivers import record_preference_change  # noqa: E402
from preferences.registries import global_preferences_registry  # noqa: E402
from preferences.signals import preference_updated  # noqa: E402

RECEIVER_UID = "hub.receivers.record_preference_change"
KEY = "test__TestGlobal1"


def timed_writes(manager, count: int, start: int) -> list[float]:
    durations = []
    for value in range(start, start + count):
        began = time.perf_counter()
        manager[KEY] = str(value)
        durations.append(time.perf_counter() - began)
    return durations


def queries_per_write(manager, value: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        manager[KEY] = str(value)
    return len(captured.captured_queries)


def set_hub(enabled: bool) -> None:
    if enabled:
        preference_updated.connect(record_preference_change, dispatch_uid=RECEIVER_UID)
    else:
        preference_updated.disconnect(dispatch_uid=RECEIVER_UID)


def run(rounds: int, writes: int) -> dict[str, list[float]]:
    manager = global_preferences_registry.manager()
    timed_writes(manager, writes, 0)  # warm up: row, caches, broker connection
    samples: dict[str, list[float]] = {"without hub": [], "with hub": []}
    for round_number in range(rounds):
        for label, enabled in (("without hub", False), ("with hub", True)):
            set_hub(enabled)
            start = (round_number * 2 + enabled) * writes
            samples[label] += timed_writes(manager, writes, start)
    set_hub(True)
    return samples


def report(samples: dict[str, list[float]], queries: dict[str, int]) -> None:
    print(f"database: {connection.vendor}, {len(samples['with hub'])} writes per mode")
    medians = {}
    for label, durations in samples.items():
        ordered = sorted(durations)
        medians[label] = statistics.median(ordered)
        p95 = ordered[int(len(ordered) * 0.95)]
        print(
            f"{label:>12}: median {medians[label] * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms, "
            f"{queries[label]} queries per write"
        )
    ratio = medians["with hub"] / medians["without hub"]
    print(f"median ratio with/without hub: {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--writes", type=int, default=100)
    options = parser.parse_args()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        manager = global_preferences_registry.manager()
        manager[KEY] = "1"
        set_hub(False)
        queries = {"without hub": queries_per_write(manager, 2)}
        set_hub(True)
        queries["with hub"] = queries_per_write(manager, 3)
        samples = run(options.rounds, options.writes)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        client = redis.Redis.from_url(settings.TEST_REDIS_URL)
        for key in client.scan_iter(f"{settings.TEST_NAMESPACE}:*"):
            client.delete(key)
    report(samples, queries)


if __name__ == "__main__":
    main()
