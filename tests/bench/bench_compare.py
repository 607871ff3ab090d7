"""Benchmark: Prefhub against django-webhook 0.0.15 and the floor, side by side, in one run.

The three hubs listen to the same preference engine (``tests.testapp``'s registry), on the
same Django, PostgreSQL and Redis, with a Celery worker of ``prefork -c 2`` each and the
same loopback receivers (tests/support/receiver.py):

* Prefhub, as config/settings.py runs it (tests/bench/rivals/prefhub_site);
* django-webhook 0.0.15 on ``post_save`` of the global preference model, in a virtual
  environment of its own that this script builds under ``.run/bench-venvs/`` (it pins
  ``django<6.0`` and runs on 6.1, so it is installed without its pins;
  tests/bench/rivals/django_webhook_site);
* the floor: ``post_save`` → one task per endpoint → one POST (tests/bench/rivals/floor_site).

Each repetition runs every hub once per scenario, the order of the hubs rotating from one
repetition to the next; the table shows medians over the repetitions and Prefhub's ratios.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/prefhub_bench \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python tests/bench/bench_compare.py [--repetitions 2] [--changes 300] \\
        [--latency-seconds 10]

The database must exist and is used by this benchmark alone (it migrates it and empties
its tables); the Redis keys it writes carry a ``bench-`` prefix and are deleted. It is
not a test.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".run" / "bench-venvs" / "django-webhook"
UV = ROOT / ".venv" / "bin" / "uv"
HUBS = ("prefhub", "django_webhook", "floor")
LABELS = {"prefhub": "Prefhub", "django_webhook": "django-webhook", "floor": "floor"}
SETTINGS = {
    "prefhub": "tests.bench.rivals.prefhub_site.settings",
    "django_webhook": "tests.bench.rivals.django_webhook_site.settings",
    "floor": "tests.bench.rivals.floor_site.settings",
}


def python_of(hub: str) -> str:
    return str(VENV / "bin" / "python") if hub == "django_webhook" else sys.executable


def build_rival_venv() -> None:
    """django-webhook 0.0.15 with this project's locked dependencies, Django 6.1 included."""
    if (VENV / "bin" / "python").exists():
        return
    requirements = Path(tempfile.mkstemp(suffix=".txt")[1])
    exported = subprocess.run(
        [UV, "export", "--frozen", "--no-hashes", "--no-emit-project"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    requirements.write_text(exported)
    subprocess.run([UV, "venv", "-q", "-p", "3.13", VENV], check=True)
    python = ["-p", str(VENV / "bin" / "python")]
    subprocess.run([UV, "pip", "install", "-q", *python, "--no-deps", "django-webhook==0.0.15"],
                   check=True)  # fmt: skip
    subprocess.run(
        [UV, "pip", "install", "-q", *python, "-r", requirements,
         "django-model-utils==4.*", "requests==2.*"],
        check=True,
    )  # fmt: skip


def environment(hub: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": SETTINGS[hub],
        "BENCH_PREFIX": f"bench-{hub}",
    }


def migrate(hub: str) -> None:
    subprocess.run(
        [python_of(hub), "-m", "django", "migrate", "-v", "0"],
        cwd=ROOT, env=environment(hub), check=True,
    )  # fmt: skip


def measure(hub: str, scenario: str, **options: object) -> dict[str, float]:
    log = Path(tempfile.gettempdir()) / f"bench-compare-{hub}.log"
    command = [python_of(hub), str(ROOT / "tests/bench/compare_driver.py"),
               "--hub", hub, "--scenario", scenario, "--log", str(log)]  # fmt: skip
    for name, value in options.items():
        command += [f"--{name}", str(value)]
    done = subprocess.run(command, cwd=ROOT, env=environment(hub), capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{hub} {scenario} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> dict[str, dict[str, list[float]]]:
    samples: dict[str, dict[str, list[float]]] = {hub: {} for hub in HUBS}

    def keep(hub: str, prefix: str, result: dict[str, float]) -> None:
        for key, value in result.items():
            samples[hub].setdefault(f"{prefix} {key}", []).append(value)

    for repetition in range(args.repetitions):
        order = HUBS[repetition % 3 :] + HUBS[: repetition % 3]
        for hub in order:
            print(f"repetition {repetition + 1}: {LABELS[hub]}", file=sys.stderr, flush=True)
            keep(hub, "1 ep", measure(hub, "throughput", endpoints=1, changes=args.changes))
            keep(hub, "5 ep", measure(hub, "throughput", endpoints=5, changes=args.changes))
            changes = int(args.latency_seconds * args.rate)
            keep(hub, "latency", measure(hub, "latency", changes=changes, rate=args.rate))
        keep("prefhub", "write", measure("prefhub", "writes"))
    return samples


ROWS = (
    ("worker CPU ms per delivery, 1 endpoint", "1 ep cpu_ms_per_delivery", "{:.1f}"),
    ("worker CPU ms per delivery, 5 endpoints", "5 ep cpu_ms_per_delivery", "{:.1f}"),
    ("deliveries/s, 1 endpoint", "1 ep deliveries_per_s", "{:.0f}"),
    ("deliveries/s, 5 endpoints", "5 ep deliveries_per_s", "{:.0f}"),
    ("commit → receipt p50 (ms), 1 endpoint", "latency p50_ms", "{:.1f}"),
    ("commit → receipt p95 (ms), 1 endpoint", "latency p95_ms", "{:.1f}"),
    ("commit → receipt p99 (ms), 1 endpoint", "latency p99_ms", "{:.1f}"),
    ("duplicate deliveries, 5 endpoints", "5 ep duplicates", "{:.0f}"),
)


def report(samples: dict[str, dict[str, list[float]]], args: argparse.Namespace) -> None:
    median = {hub: {k: statistics.median(v) for k, v in s.items()} for hub, s in samples.items()}
    print(
        f"\n{args.repetitions} repetitions, alternating; {args.changes} changes per "
        f"throughput run; latency at {args.rate:g} changes/s for {args.latency_seconds:g} s; "
        "medians\n"
    )
    print("| | Prefhub | django-webhook | floor | Prefhub / django-webhook | Prefhub / floor |")
    print("|---|---:|---:|---:|---:|---:|")
    for title, key, shape in ROWS:
        values = [median[hub][key] for hub in HUBS]
        ratios = [values[0] / other if other else float("nan") for other in values[1:]]
        cells = [shape.format(value) for value in values] + [f"{r:.2f}x" for r in ratios]
        print(f"| {title} | " + " | ".join(cells) + " |")
    writes = median["prefhub"]
    ratio = writes["write with_hub_ms"] / writes["write without_hub_ms"]
    print(f"\nwrite latency, Prefhub: {writes['write with_hub_ms']:.2f} ms with the hub, "
          f"{writes['write without_hub_ms']:.2f} ms without: {ratio:.2f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=2)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--latency-seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=50.0)
    args = parser.parse_args()
    for variable in ("BENCH_DATABASE_URL", "BENCH_REDIS_URL"):
        if variable not in os.environ:
            parser.error(f"{variable} is not set; see the usage at the top of this file.")
    build_rival_venv()
    for hub in HUBS:
        migrate(hub)
    report(run(args), args)


if __name__ == "__main__":
    main()
