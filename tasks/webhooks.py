"""Webhook tasks: thin wrappers around ``hub.webhooks.delivery`` (F5, F7, F8).

Tasks take ids, re-fetch, call one service, and publish the follow-up the service asks
for. Running any of them twice is harmless: a scheduled try runs only when its message is
due (``hub.webhooks.delivery.claim_message``).
"""

import logging
from datetime import datetime
from typing import Any

from celery import shared_task
from django.db import transaction
from kombu.exceptions import OperationalError

from hub.broker import BrokerWatch
from hub.models import Event
from hub.webhooks.delivery import (
    SCHEDULED,
    claim_due_messages,
    create_messages,
    deliver_message,
    failed_message_ids,
    release_to_sweeper,
)
from tasks.base import HubTask

logger = logging.getLogger(__name__)

REPLAY = "replay"
# Where this sweeper remembers the broker's Redis run_id (under the broker's key prefix).
BROKER = BrokerWatch("hub:webhooks:broker-run-id")


def dispatch(event: Event) -> None:
    """Fan-out hook: a message per matching endpoint, its first try published after commit."""
    for message_id in create_messages(event):
        transaction.on_commit(lambda message_id=message_id: publish_try(message_id, SCHEDULED))


def publish_try(message_id: str, trigger: str, countdown: float | None = None) -> bool:
    """Publish a try of a message; if the broker refuses, the sweeper publishes it instead.

    Returns False when the publish failed. The message is then released
    (``release_to_sweeper``) rather than left marked as carried by a task that does not
    exist, so it goes out at the first sweep after the broker is back.
    """
    try:
        deliver.apply_async((message_id, trigger), countdown=countdown)
    except OperationalError as exc:
        if trigger == SCHEDULED:
            release_to_sweeper([message_id])
        logger.warning(
            "Delivery of message %s not published (%s); the sweeper will publish it.",
            message_id, exc,
        )  # fmt: skip
        return False
    return True


class DeliveryTask(HubTask):
    """Keeps a result row only for the tries people start and look for afterwards."""

    def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        """A scheduled try stores no result: its attempt row is the delivery record (F7).

        A manual try or a replay keeps its row, so who started it finds it in the
        results as well as in the attempt log.
        """
        trigger = args[1] if args and len(args) > 1 else (kwargs or {}).get("trigger", SCHEDULED)
        options.setdefault("ignore_result", trigger == SCHEDULED)
        return super().apply_async(args, kwargs, **options)


@shared_task(base=DeliveryTask, bind=True, name="hub.webhooks.deliver")
def deliver(self, message_id: str, trigger: str = SCHEDULED) -> str:
    """One attempt of one message; publishes the next try when it is a short step (F5)."""
    report = deliver_message(message_id, trigger=trigger, task_id=self.request.id or "")
    if report.requeue_in is not None:
        publish_try(message_id, report.trigger, countdown=report.requeue_in)
    return report.outcome


@shared_task(base=HubTask, name="hub.webhooks.sweep_due", ignore_result=True)
def sweep_due() -> int:
    """Beat: publish messages whose next try is due and that no task carries (F5, R4).

    First, if the broker restarted since the last sweep, every queued message is
    released: its task may have been lost with the broker's queues.
    """
    run_id = BROKER.new_run_id()
    if run_id is not None:
        released = release_to_sweeper()
        logger.warning("The broker restarted; %d queued deliveries are published again.", released)
        # Recorded only now: a sweep that fails before this line leaves the next one to
        # see the restart again.
        BROKER.record(run_id)
    message_ids = claim_due_messages()
    for index, message_id in enumerate(message_ids):
        if not publish_try(message_id, SCHEDULED):
            release_to_sweeper(message_ids[index:])  # the broker is gone: stop here
            return index
    return len(message_ids)


@shared_task(base=HubTask, name="hub.webhooks.recover")
def recover(endpoint_id: str, since: str) -> int:
    """Resend every failed message of the endpoint created since ``since`` (ISO 8601, F8)."""
    message_ids = failed_message_ids(endpoint_id, since=datetime.fromisoformat(since))
    for message_id in message_ids:
        deliver.delay(message_id, REPLAY)
    return len(message_ids)
