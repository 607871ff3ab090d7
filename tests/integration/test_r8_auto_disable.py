"""R8: an always-failing endpoint is disabled inside the failure window's bounds; a
flapping one (every other request succeeds) never is, because a success resets the
window (F9). Window scaled down to 3 s, retries every 0.4 s."""

import time

import pytest
from django.db import transaction

from hub.models import Event, WebhookEndpoint
from preferences.registries import global_preferences_registry
from tests.support.polling import wait_until
from tests.support.receiver import Receiver, Reply
from tests.support.webhook_endpoints import add_endpoint
from tests.support.webhooks import webhook_worker

pytestmark = pytest.mark.django_db(transaction=True)

WINDOW = 3.0
STEP = 0.4
SCHEDULE = [STEP] * 30


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker):
    hub = {"WEBHOOK_RETRY_SCHEDULE": SCHEDULE, "WEBHOOK_FAILURE_WINDOW": WINDOW}
    with webhook_worker("r8", hub=hub) as started:
        yield started


def test_r8_always_failing_disabled_flapping_kept(worker, allow_loopback):
    with Receiver(default=Reply(status=500)) as failing, Receiver() as flapping:
        flapping.script(*[Reply(status=500), Reply(status=200)] * 50)
        broken, _ = add_endpoint(failing.url)
        flaky, _ = add_endpoint(flapping.url)
        started = time.time()
        for value in range(2, 9):  # a change every second: both keep being tried
            with transaction.atomic():
                global_preferences_registry.manager()["user__max_users"] = value
            time.sleep(1)
        broken = wait_until(
            lambda: WebhookEndpoint.objects.filter(pk=broken.pk, is_active=False).first()
        )

    first_failure = failing.requests[0].received_at
    disabled_after = broken.disabled_at.timestamp() - first_failure
    assert WINDOW <= disabled_after <= WINDOW + STEP * 1.2 + 1.0
    assert broken.disabled_reason.startswith("Failing continuously since")
    assert all(r.received_at <= broken.disabled_at.timestamp() + 0.5 for r in failing.requests)
    flaky.refresh_from_db()
    assert flaky.is_active and flaky.disabled_at is None
    assert len(flapping.requests) >= 7 and flapping.requests[-1].received_at - started > WINDOW
    assert Event.objects.filter(kind="endpoint.disabled").count() == 1
