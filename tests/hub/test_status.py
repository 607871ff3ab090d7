"""The "Hub status" admin page and its selectors, on real rows with a controlled clock."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from hub.models import Attempt, EmailDigest, Event, HandlerRun, Message, WebhookEndpoint
from hub.status import deliveries_per_minute, delivery_latency, engaged_brakes, hub_status
from tests.support.users import browser_for, staff, superuser

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, 30, tzinfo=UTC)
URL = "/admin/hub/hubstatus/"


def attempt(endpoint, *, finished_at, status="success", latency=1.0, trigger="scheduled"):
    occurred = finished_at - timedelta(seconds=latency)
    event = Event.objects.create(kind="preference.ping", occurred_at=occurred,
                                 dispatched_at=occurred)  # fmt: skip
    message = Message.objects.create(event=event, endpoint=endpoint, status="succeeded")
    return Attempt.objects.create(message=message, number=1, trigger=trigger, status=status,
                                  webhook_timestamp=1, started_at=occurred,
                                  finished_at=finished_at)  # fmt: skip


@pytest.fixture
def endpoint():
    return WebhookEndpoint.objects.create(url="https://one.example/hook")


def test_deliveries_are_counted_per_minute_and_outcome_inside_the_window(endpoint):
    attempt(endpoint, finished_at=NOW - timedelta(seconds=10))
    attempt(endpoint, finished_at=NOW - timedelta(seconds=20), status="failure")
    attempt(endpoint, finished_at=NOW - timedelta(minutes=5))
    attempt(endpoint, finished_at=NOW - timedelta(hours=25))  # outside
    attempt(endpoint, finished_at=NOW - timedelta(seconds=5), status="sending")  # in flight

    series = deliveries_per_minute(now=NOW)

    assert series.totals() == {"failure": 1, "success": 2}
    assert len(series.counts["success"]) == 24 * 60
    assert series.counts["success"][-1] == 1 and series.counts["success"][-6] == 1
    assert series.counts["failure"][-1] == 1


def test_latency_percentiles_of_scheduled_deliveries(endpoint):
    for seconds in range(1, 101):
        attempt(endpoint, finished_at=NOW - timedelta(minutes=1), latency=seconds / 10)
    attempt(endpoint, finished_at=NOW, latency=999, trigger="manual")

    latency = delivery_latency(now=NOW)

    assert latency.deliveries == 100
    assert latency.p50 == pytest.approx(5.05)
    assert latency.p99 == pytest.approx(9.901)


def test_brake_is_engaged_only_within_its_cool_down():
    for key, sent_at in (("a", NOW - timedelta(minutes=10)), ("b", NOW - timedelta(hours=2))):
        EmailDigest.objects.create(recipients=[f"{key}@example.com"], recipients_key=key,
                                   state="sent", kind="brake", opened_at=sent_at,
                                   due_at=sent_at, sent_at=sent_at)  # fmt: skip

    [brake] = engaged_brakes(now=NOW)

    assert brake.recipients == ["a@example.com"]
    assert brake.until == NOW - timedelta(minutes=10) + timedelta(hours=1)


def test_the_page_is_in_the_admin_index_for_staff_with_the_permission_only():
    viewer = browser_for(staff("viewer", permissions=("view_hubstatus",)))
    outsider = browser_for(staff("outsider", permissions=("view_event",)))

    assert URL in viewer.get(reverse("admin:index")).content.decode()
    assert viewer.get(URL).status_code == 200
    assert URL not in outsider.get(reverse("admin:index")).content.decode()
    assert outsider.get(URL).status_code == 403


def test_the_page_shows_chart_latency_outbox_endpoints_handlers_and_brake(endpoint):
    attempt(endpoint, finished_at=datetime.now(UTC) - timedelta(minutes=2), latency=0.5)
    attempt(endpoint, finished_at=datetime.now(UTC) - timedelta(minutes=2), status="failure")
    off = WebhookEndpoint.objects.create(
        url="https://off.example/hook",
        is_active=False,
        disabled_reason="The endpoint answered 410 Gone.",
    )
    Event.objects.create(kind="preference.ping")  # pending in the outbox
    event = Event.objects.create(kind="preference.ping")
    HandlerRun.objects.create(event=event, handler="hub.handlers.app.flaky", status="failed",
                              last_error="builtins.LookupError")  # fmt: skip

    page = browser_for(superuser()).get(URL).content.decode()

    counts = re.findall(r'data-outcome="(\w+)" data-slot="\d+" data-count="(\d+)"', page)
    assert sorted(counts) == [("failure", "1"), ("success", "1")]
    [chart] = re.findall(r'<section id="deliveries">.*?</section>', page, re.DOTALL)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="hub-chart"' in chart
    assert "<script" not in chart
    assert "0.500 s<small>commit → delivery, p50" in page
    assert "2 pending, oldest" in page
    assert f"?endpoint__id__exact={off.pk}" in page and "410 Gone" in page
    assert "?status__exact=failed&amp;handler__exact=hub.handlers.app.flaky" in page
    assert "builtins.LookupError" in page
    assert "Off: preference e-mails go out." in page


def test_hub_status_reads_everything_in_a_few_queries(endpoint, django_assert_max_num_queries):
    for _ in range(3):
        attempt(endpoint, finished_at=NOW)
    with django_assert_max_num_queries(10):
        hub_status(now=NOW)
