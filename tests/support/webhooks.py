"""Webhook test support: workers configured for deliveries to loopback receivers.

A webhook worker gets its hub settings through ``HUB_SETTINGS`` (config/settings.py):
loopback allow-listed (the outbound guard refuses it otherwise, F11) and whatever the
test needs (a scaled-down retry schedule, a short failure window). It consumes a private
broker namespace (tests/support/namespaces.py); tests publish there inside ``publishing_in``.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.namespaces import namespace_env, publishing_in
from tests.support.worker import WorkerProcess

LOOPBACK = ["127.0.0.0/8", "::1"]
QUEUES = ["fanout", "outbox", "webhooks", "emails", "handlers", "default"]
# The F5 schedule scaled down from hours to fractions of a second, for tests that only
# need a message to run out of attempts quickly.
QUICK_SCHEDULE = [0.3, 0.6]


def start_webhook_worker(
    name: str,
    *,
    hub: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    concurrency: int = 2,
    beat: bool = False,
) -> WorkerProcess:
    """Start a worker in namespace ``name``; ``worker.namespace`` is its env for publishing."""
    settings = {"OUTBOUND_ALLOWLIST": LOOPBACK, **(hub or {})}
    namespace = namespace_env(name)
    args = []
    if beat:
        schedule = Path(tempfile.mkdtemp(prefix="prefhub-beat-")) / "schedule"
        args = ["--beat", f"--schedule={schedule}"]
    worker = WorkerProcess(
        queues=QUEUES, concurrency=concurrency, name=name, extra_args=args,
        extra_env={**namespace, "HUB_SETTINGS": json.dumps(settings), **(env or {})},
    )  # fmt: skip
    worker.namespace = namespace
    return worker.start()


@contextmanager
def webhook_worker(name: str, **options: Any) -> Iterator[WorkerProcess]:
    """A webhook worker for the ``with`` block, published to meanwhile; stopped on exit."""
    worker = start_webhook_worker(name, **options)
    try:
        with publishing_in(worker.namespace):
            yield worker
    finally:
        worker.stop()
