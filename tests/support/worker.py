"""A real Celery worker process for integration tests.

The worker runs ``celery -A celery_app worker`` with the test settings and inherits the
test run's namespace (see tests/settings.py), so it consumes only this run's queues and
connects to this run's test database. Never eager: the suite refuses eager mode.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from hub.celery_config import queue_names

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 60

# Every queue the hub routes to plus the default one.
ALL_QUEUES = queue_names()
# Test handlers (tests/support/handlers.py) are imported by every test worker.
TEST_HANDLER_MODULE = "tests.support.handlers"


class WorkerProcess:
    """One ``celery worker`` subprocess; start it, wait for it, stop or kill it."""

    def __init__(
        self,
        queues: Iterable[str] | None = None,
        concurrency: int = 2,
        name: str = "test",
        extra_env: dict[str, str] | None = None,
        extra_args: Iterable[str] = (),
    ) -> None:
        self.queues = list(queues or [])
        self.concurrency = concurrency
        self.name = f"{name}-{os.environ['PREFHUB_TEST_NAMESPACE']}@%h"
        self.extra_env = extra_env or {}
        self.extra_args = list(extra_args)
        self.log_path = Path(tempfile.mkstemp(prefix="prefhub-worker-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        cmd = [
            sys.executable, "-m", "celery", "-A", "celery_app", "worker",
            "--loglevel=INFO", f"--concurrency={self.concurrency}", f"--hostname={self.name}",
            "--without-mingle", "--without-gossip",
        ]  # fmt: skip
        if self.queues:
            cmd.append(f"--queues={','.join(self.queues)}")
        cmd.append(f"--include={TEST_HANDLER_MODULE}")
        return cmd + self.extra_args

    def start(self) -> WorkerProcess:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PREFHUB_TEST_PROCESS": "worker",
            **self.extra_env,
        }
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited early:\n{self.log()}")
            time.sleep(0.2)
        raise TimeoutError(f"celery worker not ready after {READY_TIMEOUT}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 20) -> None:
        """Warm shutdown; kills the whole process group if it does not stop in time."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the worker and its pool children, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class Supervisor:
    """Workers by name; one that exits on its own is started again, as a restart policy would.

    Celery 5.7 workers were seen to exit with "Unrecoverable error" when Redis went away
    under them (a kombu race on reconnect); production runs them under a restart policy
    (``restart: unless-stopped`` in docker-compose.yml), and so do the fault tests.
    """

    def __init__(self, make: Callable[[str], WorkerProcess]) -> None:
        self.make = make
        self.active: dict[str, WorkerProcess] = {}
        self.retired: list[WorkerProcess] = []
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def start(self, name: str) -> WorkerProcess:
        worker = self.make(name).start()
        self.active[name] = worker
        return worker

    def kill(self, name: str) -> None:
        """SIGKILL a worker for good: it is not started again."""
        worker = self.active.pop(name)
        worker.kill()
        self.retired.append(worker)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        for worker in self.active.values():
            worker.stop()

    def logs(self, tail: int | None = 3000) -> str:
        """Every worker's log (the last ``tail`` characters of each; None: whole)."""
        workers = [*self.retired, *self.active.values()]
        return "\n".join(worker.log()[-tail if tail else 0 :] for worker in workers)

    def _watch(self) -> None:
        while not self._stopping.wait(0.5):
            for name, worker in list(self.active.items()):
                if worker.process is not None and worker.process.poll() is not None:
                    self.retired.append(worker)
                    self.restarts += 1
                    self.start(name)
