"""``hub.outbox.sweep``: the beat task that publishes fan-outs the fast path lost (F2)."""

import logging
from typing import Any
from uuid import UUID

from celery import shared_task

from hub import outbox
from hub.conf import hub_settings
from tasks.base import HubTask
from tasks.fanout import expand as expand_task

logger = logging.getLogger(__name__)


@shared_task(base=HubTask, name="hub.outbox.sweep")
def sweep() -> dict[str, Any]:
    """Publish every event pending past the grace period; report the outbox age."""
    published = outbox.sweep(_publish)
    status = outbox.outbox_status()
    if published:
        logger.info("Outbox sweeper published %d pending event(s).", published)
    if status.oldest_age > hub_settings.OUTBOX_AGE_WARNING:
        logger.warning(
            "Outbox: %d event(s) pending, the oldest for %.0f s; is a worker consuming "
            "the fanout queue?",
            status.pending, status.oldest_age,
        )  # fmt: skip
    return {
        "published": published,
        "pending": status.pending,
        "oldest_age": round(status.oldest_age, 3),
    }


def _publish(event_id: UUID) -> None:
    # Raises when the broker refuses: the sweeper's transaction then rolls back.
    expand_task.delay(str(event_id))
