"""Endpoint health: the failure window, auto-disable, 410 Gone (F6, F9).

Svix's success/failure pair: the first failure opens the window (``failing_since``), any
success closes it, and a failure once the window (``WEBHOOK_FAILURE_WINDOW``) has passed
disables the endpoint, as does a 410 answer at once. Disabling is a conditional update, so
however many workers fail at once the endpoint is disabled, the admins are mailed and the
``endpoint.disabled`` event is recorded exactly once.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from hub.conf import hub_settings
from hub.kinds import EventKind
from hub.models import Message, WebhookEndpoint
from hub.outbox import record_system_event
from hub.webhooks.payloads import format_timestamp
from hub.webhooks.transport import DeliveryResult, sanitize_url
from tasks.emails import endpoint_disabled as endpoint_disabled_task

GONE_REASON = "The endpoint answered 410 Gone."


def record_success(endpoint: WebhookEndpoint) -> None:
    """A success closes the failure window."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(
        failing_since=None
    )


def record_failure(
    endpoint: WebhookEndpoint, *, result: DeliveryResult, now: datetime | None = None
) -> bool:
    """Count a failed attempt; True when it disabled the endpoint (410, or window elapsed)."""
    now = now or timezone.now()
    if result.is_gone:
        return disable_endpoint(endpoint, reason=GONE_REASON, now=now)
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    failing_since = (
        WebhookEndpoint.objects.filter(pk=endpoint.pk)
        .values_list("failing_since", flat=True)
        .first()
    )
    window = timedelta(seconds=hub_settings.WEBHOOK_FAILURE_WINDOW)
    if failing_since is None or now - failing_since < window:
        return False
    reason = f"Failing continuously since {format_timestamp(failing_since)}."
    return disable_endpoint(endpoint, reason=reason, now=now)


def disable_endpoint(
    endpoint: WebhookEndpoint, *, reason: str, now: datetime | None = None
) -> bool:
    """Disable an active endpoint automatically; True if this call did it (F9).

    Its pending messages fail (``recover`` resends them after a re-enable), the admins
    get one mail and user handlers get one ``endpoint.disabled`` event, both after commit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
            is_active=False, disabled_reason=reason[:200], disabled_at=now
        )
        if not changed:
            return False
        _fail_pending(endpoint)
        record_system_event(
            EventKind.ENDPOINT_DISABLED,
            {
                "endpoint_id": str(endpoint.pk),
                "url": sanitize_url(endpoint.url),
                "reason": reason,
                "disabled_at": format_timestamp(now),
            },
        )
        endpoint_id = str(endpoint.pk)
        transaction.on_commit(lambda: endpoint_disabled_task.delay(endpoint_id))
    return True


def deactivate(endpoint: WebhookEndpoint, *, reason: str) -> None:
    """Disable by hand (admin, API, command): no mail and no event, only the flag and reason."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            is_active=False, disabled_reason=reason[:200], disabled_at=timezone.now()
        )
        _fail_pending(endpoint)
    endpoint.refresh_from_db()


def enable(endpoint: WebhookEndpoint) -> None:
    """Re-enable an endpoint with a fresh failure window."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True, disabled_reason="", disabled_at=None, failing_since=None
    )
    endpoint.refresh_from_db()


def _fail_pending(endpoint: WebhookEndpoint) -> None:
    Message.objects.filter(endpoint=endpoint, status=Message.Status.PENDING).update(
        status=Message.Status.FAILED, next_attempt_at=None, is_queued=False
    )
