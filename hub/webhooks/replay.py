"""Replay actions shared by the admin, the REST API and the management command (F8, F10).

Each one validates, then enqueues after commit: resend one message (trigger ``manual``),
recover every failed message of an endpoint since a time (a background task, trigger
``replay``), and send a ``preference.ping`` test event. Replays keep the message id, so
the ``webhook-id`` is unchanged, and are signed with a fresh timestamp (R11).
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from hub.conf import hub_settings
from hub.kinds import EventKind
from hub.models import Message, WebhookEndpoint
from hub.outbox import record_system_event
from tasks.webhooks import deliver as deliver_task
from tasks.webhooks import recover as recover_task

MANUAL = "manual"


def resend_message(message: Message) -> None:
    """Send ``message`` once more, whatever its status; refused while its endpoint is off."""
    _require_active(message.endpoint)
    transaction.on_commit(lambda: deliver_task.delay(message.pk, MANUAL))


def recover_messages(endpoint: WebhookEndpoint, *, since: datetime) -> datetime:
    """Start the background resend of the endpoint's failed messages created since ``since``."""
    _require_active(endpoint)
    since = check_recover_since(since)
    endpoint_id, since_text = str(endpoint.pk), since.isoformat()
    transaction.on_commit(lambda: recover_task.delay(endpoint_id, since_text))
    return since


def check_recover_since(since: datetime, *, now: datetime | None = None) -> datetime:
    """``since`` if it is aware and inside the recover window, else a ``ValidationError``."""
    now = now or timezone.now()
    if timezone.is_naive(since):
        raise ValidationError({"since": "Give a time zone, e.g. 2025-01-31T12:00:00+00:00."})
    window = timedelta(seconds=hub_settings.WEBHOOK_RECOVER_WINDOW)
    if since < now - window:
        earliest = f"{now - window:%Y-%m-%d %H:%M} UTC"
        raise ValidationError(
            {"since": f"Recover reaches back at most {window.days} days (to {earliest})."}
        )
    if since > now:
        raise ValidationError({"since": "The time is in the future."})
    return since


def send_test_event(endpoint: WebhookEndpoint) -> None:
    """Record a ``preference.ping`` event for this endpoint only; the fan-out delivers it."""
    _require_active(endpoint)
    record_system_event(EventKind.PREFERENCE_PING, {"endpoint_id": str(endpoint.pk)})


def _require_active(endpoint: WebhookEndpoint) -> None:
    if not endpoint.is_active:
        raise ValidationError("The endpoint is disabled; enable it first.", code="inactive")
