"""``manage.py cachestatus``: how fresh the in-process preference caches are (F14)."""

import time

from django.core.management.base import BaseCommand, CommandParser

from hub import pubsub
from hub.cache_status import cluster_status, process_status


class Command(BaseCommand):
    help = (
        "Show the invalidation channel of the in-process preference caches: its listeners, "
        "the oldest change not yet invalidated everywhere, and this process's subscriber."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--wait", type=float, default=2.0,
            help="Seconds to wait for this process's own subscriber to connect (default 2).",
        )  # fmt: skip

    def handle(self, *args: object, wait: float, **options: object) -> None:
        if pubsub.ensure_subscriber():
            deadline = time.monotonic() + wait
            while pubsub.subscriber().state != "connected" and time.monotonic() < deadline:
                time.sleep(0.05)
        cluster, own = cluster_status(), process_status()
        if pubsub.subscriber() is not None:
            pubsub.subscriber().stop()
        listeners = (
            "unknown (channel off or unreachable)"
            if cluster.listeners is None
            else (cluster.listeners)
        )
        lines = [
            f"Channel: {cluster.channel}",
            f"Subscriber (this process): {own.state}",
            f"Processes listening: {listeners}",
            f"Changes not yet invalidated everywhere: {cluster.unapplied}",
            f"Oldest of them: {cluster.oldest_unapplied_age:.1f} s",
            f"In-process TTL (staleness bound when messages are lost): {own.ttl:g} s",
        ]
        self.stdout.write("\n".join(lines))
