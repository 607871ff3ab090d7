"""Benchmark: reading preferences, Prefhub against django-dynamic-preferences and django-constance.

    TEST_REDIS_URL=redis://127.0.0.1:6379/11 .venv/bin/python tests/bench/bench_reads.py \\
        [--rounds 15] [--versions 1000]

Every contender is a process of its own, serving timing rounds on request; the rounds
alternate between contenders in one run, so that drift hits all alike:

- Prefhub with the in-process cache (its invalidation channel on the run's Redis);
- Prefhub with the shared Redis cache only (no channel: what tests and a Redis-less
  setup get);
- django-dynamic-preferences 1.17 with Django's RedisCache, and django-constance 4 with
  its CachingRedisBackend, each installed into its own venv under .run/bench-venvs/;
- the floors, in Prefhub's process: a plain dict lookup and a Redis GET.

Each works on 50 global preferences (5 sections x 10; str/int/bool/float) and reports
the median cost of one cached read and of reading all 50. Then the cross-process
staleness: a writer changes one value ``--versions`` times and reader processes record
when they first see each version (p50/p99), with pub/sub working and with it cut (the
TTL bound). Everything lives in a namespace of its own, deleted at the end.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENVS = ROOT / ".run" / "bench-venvs"
PEERS = {
    "ddp": ("django-dynamic-preferences==1.17.0", "django>=5.2,<6", "redis"),
    "constance": ("django-constance==4.4.0", "django>=5.2,<6", "redis"),
}
KEYS = [f"s{s}__p{p}" for s in range(5) for p in range(10)]
ROUND_SECONDS = 0.15


# -- contender processes -----------------------------------------------------------------


def _timed(operation, seconds: float) -> float:
    """Seconds per call of ``operation(n)`` (which runs n calls), measured for ``seconds``."""
    n, spent, calls = 16, 0.0, 0
    while spent < seconds:
        began = time.perf_counter()
        operation(n)
        spent += time.perf_counter() - began
        calls += n
        n = min(n * 2, 1 << 16)
    return spent / calls


def manager_operations(manager) -> dict:
    """One read and all of them through a dynamic-preferences manager (Prefhub's or ddp's)."""

    def one(n):
        for _ in range(n):
            manager["s0__p0"]

    def all_(n):
        for _ in range(n):
            manager.all()

    return {"one": one, "all": all_}


def _prefhub_operations(local: bool) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import redis
    from django.conf import settings

    from hub import pubsub
    from preferences.registries import global_preferences_registry

    manager = global_preferences_registry.manager()
    manager.all()
    if local:
        while pubsub.subscriber() is None or pubsub.subscriber().state != "connected":
            time.sleep(0.01)
            manager.all()
    manager.all()
    floor = {key: 1 for key in KEYS}
    client = redis.Redis.from_url(settings.CACHES["redis"]["LOCATION"])
    client.set("bench-floor", "1")

    def dict_floor(n):
        for _ in range(n):
            floor["s0__p0"]

    def redis_floor(n):
        for _ in range(n):
            client.get("bench-floor")

    operations = manager_operations(manager)
    if local:
        operations |= {"dict": dict_floor, "redis_get": redis_floor}
    return operations


def _ddp_operations() -> dict:
    import django
    from django.conf import settings

    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth",
                        "dynamic_preferences", "tests.bench.readbench"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3",
                               "NAME": os.environ["BENCH_DB"]}},
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                            "LOCATION": os.environ["TEST_REDIS_URL"],
                            "KEY_PREFIX": os.environ["BENCH_NAMESPACE"]}},
        USE_TZ=True,
    )  # fmt: skip
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from dynamic_preferences.registries import global_preferences_registry

    manager = global_preferences_registry.manager()
    manager.all()
    manager.all()
    return manager_operations(manager)


def _constance_operations() -> dict:
    import django
    from django.conf import settings

    kinds = [("text", str), (7, int), (True, bool), (1.5, float)]
    names = [key.replace("__", "_") for key in KEYS]
    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "constance"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3",
                               "NAME": os.environ["BENCH_DB"]}},
        CONSTANCE_BACKEND="constance.backends.redisd.CachingRedisBackend",
        CONSTANCE_REDIS_CONNECTION=os.environ["TEST_REDIS_URL"],
        CONSTANCE_REDIS_PREFIX=f"{os.environ['BENCH_NAMESPACE']}:constance:",
        CONSTANCE_CONFIG={name: (kinds[i % 10 % 4][0], name, kinds[i % 10 % 4][1])
                          for i, name in enumerate(names)},
        USE_TZ=True,
    )  # fmt: skip
    django.setup()
    from constance import config

    for name in names:  # stored once, as a site would have them
        setattr(config, name, getattr(config, name))

    def one(n):
        for _ in range(n):
            _ = config.s0_p0

    def all_(n):
        for _ in range(n):
            {name: getattr(config, name) for name in names}

    return {"one": one, "all": all_}


def serve(contender: str) -> None:
    """Answer ``<operation>`` lines on stdin with the seconds per call, one JSON line each."""
    operations = {
        "prefhub-local": lambda: _prefhub_operations(True),
        "prefhub-shared": lambda: _prefhub_operations(False),
        "ddp": _ddp_operations,
        "constance": _constance_operations,
    }[contender]()
    print(json.dumps(sorted(operations)), flush=True)
    for line in sys.stdin:
        operation = line.strip()
        print(json.dumps(_timed(operations[operation], ROUND_SECONDS)), flush=True)


# -- the orchestrator -----------------------------------------------------------------------


def peer_python(name: str) -> str:
    """The peer's venv, built on first use (uv, from the registry's package)."""
    venv = VENVS / name
    python = venv / "bin" / "python"
    if not python.exists():
        uv = ROOT / ".venv" / "bin" / "uv"
        subprocess.run([uv, "venv", "-q", "-p", "3.13", venv], check=True)
        env = {**os.environ, "VIRTUAL_ENV": str(venv)}
        subprocess.run([uv, "pip", "install", "-q", *PEERS[name]], check=True, env=env)
    return str(python)


class Contender:
    def __init__(self, name: str, python: str, env: dict[str, str]) -> None:
        self.name = name
        self.process = subprocess.Popen(
            [python, __file__, "--serve", name], cwd=ROOT, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )  # fmt: skip
        self.operations = json.loads(self.process.stdout.readline())
        self.samples: dict[str, list[float]] = {op: [] for op in self.operations}

    def measure(self, operation: str) -> None:
        self.process.stdin.write(operation + "\n")
        self.process.stdin.flush()
        self.samples[operation].append(json.loads(self.process.stdout.readline()))

    def median(self, operation: str) -> float:
        return statistics.median(self.samples[operation])

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(10)


def _env(namespace: str, db: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ, "PYTHONPATH": str(ROOT), "BENCH_DB": db, "BENCH_NAMESPACE": namespace,
        "PREFHUB_TEST_NAMESPACE": namespace, "DJANGO_SETTINGS_MODULE": "tests.bench.read_settings",
        **extra,
    }  # fmt: skip


def run_reads(rounds: int, namespace: str, tmp: str) -> list[Contender]:
    redis_url = os.environ["TEST_REDIS_URL"]
    contenders = [
        Contender("prefhub-local", sys.executable,
                  _env(namespace, f"{tmp}/local.sqlite3", PREFHUB_TEST_PUBSUB_URL=redis_url)),
        Contender("prefhub-shared", sys.executable, _env(namespace, f"{tmp}/shared.sqlite3")),
        Contender("ddp", peer_python("ddp"), _env(namespace, f"{tmp}/ddp.sqlite3")),
        Contender("constance", peer_python("constance"),
                  _env(namespace, f"{tmp}/constance.sqlite3")),
    ]  # fmt: skip
    try:
        for _ in range(rounds):
            for contender in contenders:
                for operation in contender.operations:
                    contender.measure(operation)
    finally:
        for contender in contenders:
            contender.close()
    return contenders


def report_reads(contenders: list[Contender], rounds: int) -> None:
    local = contenders[0]
    ddp = next(c for c in contenders if c.name == "ddp")
    print(f"\nReads, median of {rounds} alternating rounds (µs per call)")
    print(
        f"{'contender':<34}{'one read':>12}{'all 50':>12}{'ddp/this one':>14}{'ddp/this all':>14}"
    )
    for contender in contenders:
        one, all_ = contender.median("one") * 1e6, contender.median("all") * 1e6
        print(
            f"{contender.name:<34}{one:>12.3f}{all_:>12.3f}"
            f"{ddp.median('one') * 1e6 / one:>13.0f}x{ddp.median('all') * 1e6 / all_:>13.0f}x"
        )
    dict_floor, redis_floor = local.median("dict") * 1e6, local.median("redis_get") * 1e6
    print(f"{'floor: dict lookup':<34}{dict_floor:>12.3f}")
    print(f"{'floor: Redis GET':<34}{redis_floor:>12.3f}")
    print(f"prefhub-local one read / dict lookup: {local.median('one') * 1e6 / dict_floor:.1f}x")


# -- cross-process staleness --------------------------------------------------------------


def staleness(versions: int, namespace: str, tmp: str) -> None:
    """Run the staleness phase in a Django process of Prefhub's (the writer)."""
    env = _env(namespace, f"{tmp}/staleness.sqlite3", DJANGO_SETTINGS_MODULE="tests.settings",
               PREFHUB_TEST_PROCESS="worker")  # fmt: skip
    subprocess.run([sys.executable, __file__, "--staleness-writer", str(versions)], cwd=ROOT,
                   env=env, check=True)  # fmt: skip


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _delays(readers, written: list[float]) -> list[float]:
    """Per reader and version: when it first read that version or a newer one."""
    delays = []
    for reader in readers:
        seen = [(line["at"], int(line["value"][1:])) for line in reader.lines
                if str(line.get("value", "")).startswith("v")]  # fmt: skip
        for version, at in enumerate(written):
            first = next((t for t, v in seen if v >= version), None)
            delays.append(float("inf") if first is None else max(first - at, 0.0))
    return delays


def staleness_writer(versions: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    call_command("migrate", verbosity=0)
    from preferences.registries import global_preferences_registry
    from tests.support.broker import RedisServer
    from tests.support.readers import ReaderProcess

    key, ttl, readers_count = "test__TestGlobal1", 1.0, 2
    manager = global_preferences_registry.manager()
    with RedisServer() as channel:
        settings.HUB = {**settings.HUB, "PUBSUB_URL": channel.url}
        manager[key] = "start"
        readers = [ReaderProcess(key, channel.url, ttl).start() for _ in range(readers_count)]
        try:
            for label, count, gap in (("pub/sub working", versions, 0.005),
                                      ("pub/sub cut", max(versions // 20, 10), 0.1)):  # fmt: skip
                if label == "pub/sub cut":
                    channel.kill()
                    time.sleep(0.5)
                written = []
                for version in range(count):
                    manager[key] = f"v{version}"
                    written.append(time.time())
                    time.sleep(gap)
                time.sleep(ttl + 1.5)
                delays = _delays(readers, written)
                print(
                    f"staleness, {label}: {count} versions x {readers_count} readers: "
                    f"p50 {_percentile(delays, 50) * 1e3:.1f} ms, "
                    f"p99 {_percentile(delays, 99) * 1e3:.1f} ms, "
                    f"max {max(delays) * 1e3:.1f} ms (TTL {ttl:g} s)"
                )
                for reader in readers:
                    reader.lines.clear()
                manager[key] = "reset"
        finally:
            for reader in readers:
                reader.stop()


def _delete_namespace(namespace: str) -> None:
    import redis

    client = redis.Redis.from_url(os.environ["TEST_REDIS_URL"])
    keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
    if keys:
        client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--staleness-writer", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve)
    if args.staleness_writer:
        return staleness_writer(args.staleness_writer)
    if "TEST_REDIS_URL" not in os.environ:
        parser.error("set TEST_REDIS_URL to a Redis database of your own")
    namespace = f"bench{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="prefhub-bench-") as tmp:
        try:
            contenders = run_reads(args.rounds, namespace, tmp)
            report_reads(contenders, args.rounds)
            staleness(args.versions, namespace, tmp)
        finally:
            _delete_namespace(namespace)


if __name__ == "__main__":
    main()
