"""``hub.outbox.sweep``: the beat task that publishes fan-outs the fast path lost (F2)."""

import logging
from typing import Any
from uuid import UUID

from celery import shared_task

from hub import outbox
from hub.broker import BrokerWatch
from hub.conf import hub_settings
from tasks.base import HubTask
from tasks.fanout import expand as expand_task

logger = logging.getLogger(__name__)

# Where this sweeper remembers the broker's Redis run_id (under the broker's key prefix).
BROKER = BrokerWatch("hub:outbox:broker-run-id")


# Every few seconds: a result row each time would bury the rows people look at.
@shared_task(base=HubTask, name="hub.outbox.sweep", ignore_result=True)
def sweep() -> dict[str, Any]:
    """Publish every event pending past the grace period; report the outbox age.

    First, if the broker restarted since the last sweep, every lease ends: the fan-outs
    this sweeper published may have been lost with the broker's queues.
    """
    run_id = BROKER.new_run_id()
    if run_id is not None:
        released = outbox.release_leases()
        logger.warning("The broker restarted; %d leased fan-outs are published again.", released)
        BROKER.record(run_id)  # only now: a sweep failing before this sees it again
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
