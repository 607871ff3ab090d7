"""A real Flower process for tests, with HTTP basic authentication (F18).

Started like production (``celery -A celery_app flower --basic-auth=...``) with the test
settings, so it listens to this run's broker namespace and sees this run's workers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from tests.support.ports import HOST, free_port
from tests.support.worker import ROOT

READY_TIMEOUT = 30
USER, PASSWORD = "flower-test", "flower-test-password"


class FlowerProcess:
    """``celery flower`` on a free loopback port; ``get(path)`` calls its HTTP API."""

    def __init__(self) -> None:
        self.port = free_port()
        self.log_path = Path(tempfile.mkstemp(prefix="prefhub-flower-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> FlowerProcess:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
               "PREFHUB_TEST_PROCESS": "worker"}  # fmt: skip
        command = [
            sys.executable, "-m", "celery", "-A", "celery_app", "flower",
            f"--address={HOST}", f"--port={self.port}", f"--basic-auth={USER}:{PASSWORD}",
        ]  # fmt: skip
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"flower exited early:\n{self.log()}")
            try:
                httpx.get(f"{self.url}/healthcheck", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise TimeoutError(f"flower not ready after {READY_TIMEOUT}s:\n{self.log()}")

    def wait_for_events(self, timeout: float = READY_TIMEOUT) -> None:
        """Wait until Flower receives the workers' task events.

        Workers send task events only once Flower turns them on, with an ``enable_events``
        broadcast a few seconds after it starts; tasks run before that are missing from
        its task list. A probe, the fan-out of an event that does not exist (it does
        nothing), is published until Flower reports it done.
        """
        from celery import current_app

        from hub.outbox import FANOUT_TASK

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            probe = current_app.send_task(FANOUT_TASK, args=(str(uuid.uuid4()),))
            for _ in range(10):
                info = self.get(f"/api/task/info/{probe.id}")
                if info.status_code == 200 and info.json().get("state") == "SUCCESS":
                    return
                time.sleep(0.2)
        raise TimeoutError(f"flower received no task event in {timeout}s:\n{self.log()}")

    def get(self, path: str, *, authenticated: bool = True) -> httpx.Response:
        auth = (USER, PASSWORD) if authenticated else None
        return httpx.get(f"{self.url}{path}", auth=auth, timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(20)
