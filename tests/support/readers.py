"""Reader processes: real Django processes reading one preference through their in-process cache.

Each ``ReaderProcess`` runs ``python -m tests.support.readers <key>`` with the test
settings, the run's test database and shared Redis cache, and the invalidation channel
at ``pubsub_url``. It reads the preference in a loop and prints one JSON line per value
it sees (``{"value": ..., "at": <unix time>}``) and per log record of the in-process
cache and its channel (``{"log": ...}``), which the test collects.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 30
# Seconds between two reads of the preference in a reader.
READ_INTERVAL = 0.002


class ReaderProcess:
    """One reader subprocess and what it printed so far."""

    def __init__(self, key: str, pubsub_url: str, ttl: float) -> None:
        self.key = key
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PREFHUB_TEST_PROCESS": "worker",
            "PREFHUB_TEST_PUBSUB_URL": pubsub_url,
            "PREFHUB_TEST_LOCAL_CACHE_TTL": str(ttl),
        }
        self.lines: list[dict[str, Any]] = []
        self.process: subprocess.Popen | None = None

    def start(self) -> ReaderProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.readers", self.key],
            cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        threading.Thread(target=self._collect, daemon=True).start()
        deadline = time.monotonic() + READY_TIMEOUT
        while not any(line.get("ready") for line in self.lines):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"reader did not start: {self.lines}")
            time.sleep(0.05)
        return self

    def _collect(self) -> None:
        for raw in self.process.stdout:
            try:
                self.lines.append(json.loads(raw))
            except ValueError:
                self.lines.append({"output": raw.decode(errors="replace").rstrip()})

    def first_seen(self, value: Any) -> float | None:
        """When the reader first read ``value`` (unix time), None if it has not."""
        return next((line["at"] for line in self.lines if line.get("value") == value), None)

    def last_value(self) -> Any:
        return [line["value"] for line in self.lines if "value" in line][-1]

    def logs(self) -> list[str]:
        return [line["log"] for line in self.lines if "log" in line]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class _JsonLines(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        _print({"log": record.getMessage()})


def _print(line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def main(key: str) -> None:
    import django

    django.setup()
    from hub import pubsub
    from preferences.registries import global_preferences_registry

    for name in ("preferences.local_cache", "hub.pubsub"):
        logging.getLogger(name).addHandler(_JsonLines())
        logging.getLogger(name).setLevel(logging.INFO)
    manager = global_preferences_registry.manager()
    last = manager[key]
    while pubsub.subscriber() is None or pubsub.subscriber().state != "connected":
        time.sleep(0.01)
    _print({"ready": True, "value": last, "at": time.time()})
    while True:
        value = manager[key]
        if value != last:
            _print({"value": value, "at": time.time()})
            last = value
        time.sleep(READ_INTERVAL)


if __name__ == "__main__":
    main(sys.argv[1])
