"""A private Redis broker that a test may stop and start (R3, R4, R16).

Fault-injection tests never touch the shared Redis: they start their own ``redis-server``
on a free loopback port, point this process's Celery publisher at it with
``publishing_to(url)``, and start workers with ``broker_env(url)`` in their environment.
"""

from __future__ import annotations

import binascii
import json
import re
import subprocess
import threading
import time
from base64 import b64decode
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import redis

from tests.support.ports import HOST, free_port

START_TIMEOUT = 10
# Message bodies travel base64-encoded; anything that looks like base64 is decoded too.
BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")


class RedisServer:
    """One ``redis-server`` without persistence; ``stop()`` and ``start()`` keep the port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host=HOST, port=self.port, socket_timeout=5)

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", HOST, "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise TimeoutError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def kill(self) -> None:
        """SIGKILL the server, as a crash would; ``start()`` brings up an empty one."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def queued_tasks(client: redis.Redis, key: str) -> list[tuple[str, list]]:
    """``(task name, args)`` of each message waiting in the Redis list ``key``, oldest first.

    ``key`` is the broker key prefix followed by the queue name.
    """
    messages = [json.loads(item) for item in reversed(client.lrange(key, 0, -1))]
    return [
        (message["headers"]["task"], json.loads(b64decode(message["body"]))[0])
        for message in messages
    ]


class RedisMonitor:
    """Every command a Redis server executes while open (``MONITOR``), for searching.

    Covers what travels through the broker: task messages (bodies decoded from base64),
    task events (what Flower receives) and result traffic.
    """

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)
        self.commands: list[str] = []
        self._thread = threading.Thread(target=self._record, daemon=True)

    def __enter__(self) -> RedisMonitor:
        self._monitor = self.client.monitor().__enter__()
        self._thread.start()
        self.client.ping()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._monitor.connection.disconnect()
        self._thread.join(5)

    def _record(self) -> None:
        try:
            for command in self._monitor.listen():
                self.commands.append(command["command"])
        except (redis.RedisError, ValueError, OSError):
            return  # the connection was closed by __exit__

    def texts(self) -> Iterator[str]:
        """Each command, then each base64 run inside it that decodes to text."""
        for command in self.commands:
            yield command
            for run in BASE64_RUN.findall(command):
                try:
                    yield b64decode(run).decode()
                except (binascii.Error, UnicodeDecodeError):
                    continue


def broker_env(url: str) -> dict[str, str]:
    """Environment of a worker that uses ``url`` as broker (tests/settings.py reads it)."""
    return {"TEST_REDIS_URL": url}


def publishing_to(url: str) -> AbstractContextManager[None]:
    """Make this process publish tasks to the broker at ``url`` inside the block."""
    return publishing_with(broker_url=url)


@contextmanager
def publishing_with(**conf: Any) -> Iterator[None]:
    """Make this process publish tasks with these Celery settings inside the block."""
    from celery_app import app

    previous = {key: app.conf[key] for key in conf}
    _configure_publisher(app, conf)
    try:
        yield
    finally:
        _configure_publisher(app, previous)


def _configure_publisher(app, conf: dict[str, Any]) -> None:
    app.conf.update(conf)
    # Celery keeps a process-wide connection and producer pool bound to the broker
    # settings of its first use; forget them (what Celery itself does after a fork).
    app._pool = None
    app.amqp._producer_pool = None
