"""Webhook tasks: thin wrappers around ``hub.webhooks.delivery`` (F5, F7, F8).

Tasks take ids, re-fetch, call one service, and publish the follow-up the service asks
for. Running any of them twice is harmless: a scheduled try runs only when its message is
due (``hub.webhooks.delivery.claim_message``).
"""

from datetime import datetime

from celery import shared_task
from django.db import transaction

from hub.celery_config import broker_visibility_timeout
from hub.models import Event
from hub.webhooks.delivery import (
    SCHEDULED,
    claim_due_messages,
    create_messages,
    deliver_message,
    failed_message_ids,
)
from tasks.base import HubTask

REPLAY = "replay"


def dispatch(event: Event) -> None:
    """Fan-out hook: a message per matching endpoint, its first try published after commit."""
    for message_id in create_messages(event):
        transaction.on_commit(lambda message_id=message_id: deliver.delay(message_id, SCHEDULED))


@shared_task(base=HubTask, bind=True, name="hub.webhooks.deliver")
def deliver(self, message_id: str, trigger: str = SCHEDULED) -> str:
    """One attempt of one message; publishes the next try when it is a short step (F5)."""
    report = deliver_message(
        message_id,
        trigger=trigger,
        visibility_timeout=broker_visibility_timeout(),
        task_id=self.request.id or "",
    )
    if report.requeue_in is not None:
        deliver.apply_async((message_id, report.trigger), countdown=report.requeue_in)
    return report.outcome


@shared_task(base=HubTask, name="hub.webhooks.sweep_due")
def sweep_due() -> int:
    """Beat: publish messages whose next try is due and that no task carries (F5, R4)."""
    message_ids = claim_due_messages()
    for message_id in message_ids:
        deliver.delay(message_id, SCHEDULED)
    return len(message_ids)


@shared_task(base=HubTask, name="hub.webhooks.recover")
def recover(endpoint_id: str, since: str) -> int:
    """Resend every failed message of the endpoint created since ``since`` (ISO 8601, F8)."""
    message_ids = failed_message_ids(endpoint_id, since=datetime.fromisoformat(since))
    for message_id in message_ids:
        deliver.delay(message_id, REPLAY)
    return len(message_ids)
