"""``/metrics``: who may read it, and that each metric is what the database holds."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from hub.models import (
    Attempt,
    EmailDigest,
    Event,
    HandlerRun,
    Message,
    MetricBaseline,
    WebhookEndpoint,
)
from hub.retention import prune

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-for-tests"


def scrape(client: Client | None = None, **headers) -> dict[tuple[str, tuple], float]:
    response = (client or Client()).get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


@pytest.fixture
def open_metrics(settings):
    settings.DEBUG = True


def test_metrics_are_off_without_debug_token_or_network(settings):
    settings.DEBUG = False
    response = Client().get("/metrics")
    assert response.status_code == 403
    assert b'HUB["METRICS_TOKEN"]' in response.content


def test_metrics_answer_without_protection_in_debug(open_metrics):
    assert ("prefhub_outbox_pending_events", ()) in scrape()


def test_bearer_token_is_required_when_set(settings):
    settings.DEBUG = False
    settings.HUB = {"METRICS_TOKEN": TOKEN}
    assert Client().get("/metrics").status_code == 401
    wrong = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert (wrong.status_code, wrong["WWW-Authenticate"]) == (401, 'Bearer realm="metrics"')
    assert scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


def test_network_allow_list(settings):
    settings.DEBUG = False
    settings.HUB = {"METRICS_ALLOWED_NETWORKS": ["10.0.0.0/8"]}
    assert Client().get("/metrics").status_code == 403  # the test client is 127.0.0.1
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    settings.HUB = {"METRICS_ALLOWED_NETWORKS": ["10.0.0.0/8"], "METRICS_TOKEN": TOKEN}
    inside = Client(REMOTE_ADDR="10.1.2.3")
    assert inside.get("/metrics").status_code == 401  # both must pass
    assert inside.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


@pytest.mark.parametrize("networks", ["10.0.0.0/8", ["not-a-network"]])
def test_a_bad_allow_list_is_named(settings, networks):
    settings.HUB = {"METRICS_ALLOWED_NETWORKS": networks}
    with pytest.raises(ImproperlyConfigured, match="METRICS_ALLOWED_NETWORKS"):
        Client().get("/metrics")


T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def delivered(endpoint, seconds: float, status="success", trigger="scheduled") -> Message:
    event = Event.objects.create(kind="preference.ping", occurred_at=T0, dispatched_at=T0)
    message = Message.objects.create(event=event, endpoint=endpoint, status="succeeded")
    Message.objects.filter(pk=message.pk).update(created_at=T0)
    Attempt.objects.create(
        message=message, number=1, trigger=trigger, status=status, webhook_timestamp=1,
        started_at=T0, finished_at=T0 + timedelta(seconds=seconds),
    )  # fmt: skip
    return message


@pytest.fixture
def rows():
    one = WebhookEndpoint.objects.create(url="https://one.example/hook")
    off = WebhookEndpoint.objects.create(url="https://off.example/hook", is_active=False)
    delivered(one, 0.2), delivered(one, 3), delivered(one, 0.2, trigger="manual")
    delivered(off, 40, status="failure"), delivered(off, 1, status="sending")
    waiting = Event.objects.create(kind="preference.ping", occurred_at=T0)
    Message.objects.create(event=waiting, endpoint=one, next_attempt_at=T0)
    HandlerRun.objects.create(event=waiting, handler="a", status="failed")
    HandlerRun.objects.create(event=waiting, handler="b", status="failed")
    HandlerRun.objects.create(event=waiting, handler="c", status="succeeded")
    for sent_at, suppressed, state in ((T0, 0, "sent"), (T0, 7, "sent"), (None, 3, "sent"),
                                       (None, 0, "open")):  # fmt: skip
        EmailDigest.objects.create(recipients_key=f"{sent_at}{suppressed}{state}", state=state,
                                   opened_at=T0, due_at=T0, sent_at=sent_at,
                                   suppressed_count=suppressed)  # fmt: skip
    return one, off


def test_every_metric_is_what_the_database_holds(open_metrics, rows):
    one, off = rows

    metrics = scrape()

    assert metrics[("prefhub_outbox_pending_events", ())] == 1
    assert metrics[("prefhub_outbox_oldest_pending_age_seconds", ())] > 0
    deliveries = "prefhub_webhook_deliveries_total"
    assert metrics[(deliveries, (("endpoint", str(one.pk)), ("outcome", "success")))] == 3
    assert metrics[(deliveries, (("endpoint", str(off.pk)), ("outcome", "failure")))] == 1
    assert not [key for key in metrics if key[0] == deliveries and "sending" in str(key)]
    bucket = "prefhub_webhook_delivery_latency_seconds_bucket"
    assert metrics[(bucket, (("le", "0.25"),))] == 1  # the manual resend is not a latency
    assert metrics[(bucket, (("le", "5.0"),))] == 2
    assert metrics[(bucket, (("le", "+Inf"),))] == 2
    assert metrics[("prefhub_webhook_delivery_latency_seconds_sum", ())] == pytest.approx(3.2)
    assert metrics[("prefhub_webhook_retries_scheduled", ())] == 1
    assert metrics[("prefhub_webhook_endpoints_disabled", ())] == 1
    assert metrics[("prefhub_handler_runs", (("status", "failed"),))] == 2
    assert metrics[("prefhub_handler_runs", (("status", "running"),))] == 0
    assert metrics[("prefhub_emails_sent_total", ())] == 2
    assert metrics[("prefhub_email_changes_suppressed_total", ())] == 10


def test_counters_do_not_drop_when_retention_prunes_their_rows(open_metrics, rows):
    before = scrape()

    report = prune(now=T0 + timedelta(days=31))

    assert report.counts["messages"] == 5 and report.counts["e-mail digests"] == 3
    assert MetricBaseline.objects.exists()
    after = scrape()
    counters = [key for key in before if key[0].endswith(("_total", "_bucket", "_sum"))]
    assert counters and {key: after[key] for key in counters} == {k: before[k] for k in counters}
