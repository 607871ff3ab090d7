"""Endpoint health (hub/webhooks/health.py): failure window, 410, disable once (F6, F9)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.models import Event, Message, WebhookEndpoint
from hub.webhooks import health as endpoint_health
from hub.webhooks.transport import DeliveryResult

pytestmark = pytest.mark.django_db

FAILED = DeliveryResult(outcome="failure", status_code=500, response_body="", duration_ms=3)
GONE = DeliveryResult(
    outcome="failure", status_code=410, response_body="", duration_ms=3, is_gone=True
)


@pytest.fixture
def endpoint(settings):
    settings.HUB = {"WEBHOOK_FAILURE_WINDOW": 3600}
    return WebhookEndpoint.objects.create(url="https://example.com/hook")


def reload(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return WebhookEndpoint.objects.get(pk=endpoint.pk)


def test_f9_first_failure_opens_window_and_later_ones_keep_it(endpoint):
    start = timezone.now()
    assert endpoint_health.record_failure(endpoint, result=FAILED, now=start) is False
    later = start + timedelta(minutes=59)
    assert endpoint_health.record_failure(endpoint, result=FAILED, now=later) is False
    endpoint = reload(endpoint)
    assert endpoint.failing_since == start and endpoint.is_active


def test_f9_success_resets_window(endpoint):
    start = timezone.now()
    endpoint_health.record_failure(endpoint, result=FAILED, now=start)
    endpoint_health.record_success(endpoint)
    assert reload(endpoint).failing_since is None
    # The window starts again: an hour after the first failure is not enough now.
    later = start + timedelta(hours=1, minutes=1)
    assert endpoint_health.record_failure(endpoint, result=FAILED, now=later) is False
    assert reload(endpoint).failing_since == later


def test_f9_disabled_once_when_window_elapsed(endpoint, django_capture_on_commit_callbacks):
    start = timezone.now()
    endpoint_health.record_failure(endpoint, result=FAILED, now=start)
    with django_capture_on_commit_callbacks() as callbacks:
        late = start + timedelta(hours=1)
        assert endpoint_health.record_failure(endpoint, result=FAILED, now=late) is True
        assert endpoint_health.record_failure(endpoint, result=FAILED, now=late) is False
    endpoint = reload(endpoint)
    assert not endpoint.is_active and endpoint.disabled_at == late
    assert endpoint.disabled_reason.startswith("Failing continuously since")
    (event,) = Event.objects.filter(kind="endpoint.disabled")
    assert event.data["endpoint_id"] == str(endpoint.pk)
    assert event.data["url"] == "https://example.com/hook"
    assert len(callbacks) == 2  # the event's fan-out and the admin mail, once each


def test_f6_gone_disables_immediately(endpoint):
    endpoint_health.record_failure(endpoint, result=GONE)
    endpoint = reload(endpoint)
    assert not endpoint.is_active
    assert endpoint.disabled_reason == "The endpoint answered 410 Gone."


def test_f9_disable_fails_pending_messages(endpoint):
    event = Event.objects.create(kind="preference.ping", data={"endpoint_id": str(endpoint.pk)})
    message = Message.objects.create(event=event, endpoint=endpoint, next_attempt_at=timezone.now())
    endpoint_health.disable_endpoint(endpoint, reason="test")
    message.refresh_from_db()
    assert (message.status, message.next_attempt_at) == ("failed", None)


def test_f10_manual_disable_and_enable_send_nothing(endpoint, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        endpoint_health.deactivate(endpoint, reason="Disabled by admin.")
    assert not endpoint.is_active and endpoint.disabled_reason == "Disabled by admin."
    assert callbacks == [] and not Event.objects.exists()
    endpoint_health.record_failure(endpoint, result=FAILED)
    endpoint_health.enable(endpoint)
    assert endpoint.is_active and endpoint.failing_since is None and endpoint.disabled_at is None
