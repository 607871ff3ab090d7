"""The Prometheus collector: every metric read from the database when ``/metrics`` is scraped.

Gauges are counts of rows in a state now; counters and the latency histogram are counts
of finished rows plus what retention already deleted (``hub.metrics.samples``).
"""

from collections.abc import Iterator

from django.db.models import Count
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector, CollectorRegistry

from hub.metrics import samples
from hub.models import Attempt, EmailDigest, HandlerRun, Message, WebhookEndpoint
from hub.outbox import outbox_status


class HubCollector(Collector):
    """Yields the hub's metric families (``prefhub_*``)."""

    def collect(self) -> Iterator[Metric]:
        yield from outbox_metrics()
        yield from delivery_metrics()
        yield from handler_metrics()
        yield from email_metrics()
        # The in-process preferences cache's staleness and subscriber state belong here,
        # read from hub/cache_status.py once that cache exists.


def registry() -> CollectorRegistry:
    """A registry holding only the hub's collector (no process metrics of one worker)."""
    hub_registry = CollectorRegistry(auto_describe=False)
    hub_registry.register(HubCollector())
    return hub_registry


def outbox_metrics() -> Iterator[Metric]:
    status = outbox_status()
    yield GaugeMetricFamily(
        "prefhub_outbox_pending_events",
        "Events whose fan-out has not finished.",
        value=status.pending,
    )
    yield GaugeMetricFamily(
        "prefhub_outbox_oldest_pending_age_seconds",
        "Age of the oldest event whose fan-out has not finished (0 when none).",
        value=status.oldest_age,
    )


def delivery_metrics() -> Iterator[Metric]:
    totals = samples.with_baselines(
        [*samples.delivery_samples(Attempt.objects.all()),
         *samples.latency_samples(Attempt.objects.all())]
    )  # fmt: skip
    deliveries = CounterMetricFamily(
        samples.DELIVERIES.removesuffix("_total"),
        "Finished webhook delivery attempts, by outcome and endpoint id.",
        labels=["outcome", "endpoint"],
    )
    for (name, labels), value in sorted(totals.items()):
        if name == samples.DELIVERIES:
            found = dict(labels)
            deliveries.add_metric([found["outcome"], found["endpoint"]], value)
    yield deliveries
    buckets = [
        (dict(labels)["le"], value)
        for (name, labels), value in totals.items()
        if name == f"{samples.LATENCY}_bucket"
    ]
    yield HistogramMetricFamily(
        samples.LATENCY,
        "Seconds from a change's commit to its first successful scheduled delivery.",
        buckets=sorted(buckets, key=lambda bucket: float(bucket[0])),
        sum_value=totals.get((f"{samples.LATENCY}_sum", ()), 0),
    )
    yield GaugeMetricFamily(
        "prefhub_webhook_retries_scheduled",
        "Webhook messages waiting for a scheduled retry.",
        value=Message.objects.filter(
            status=Message.Status.PENDING, next_attempt_at__isnull=False
        ).count(),
    )
    yield GaugeMetricFamily(
        "prefhub_webhook_endpoints_disabled",
        "Webhook endpoints switched off (by hand or by auto-disable).",
        value=WebhookEndpoint.objects.filter(is_active=False).count(),
    )


def handler_metrics() -> Iterator[Metric]:
    runs = GaugeMetricFamily(
        "prefhub_handler_runs", "Handler runs kept, by status.", labels=["status"]
    )
    counts = dict(HandlerRun.objects.values_list("status").annotate(n=Count("pk")).order_by())
    for status in HandlerRun.Status.values:
        runs.add_metric([status], counts.get(status, 0))
    yield runs


def email_metrics() -> Iterator[Metric]:
    totals = samples.with_baselines(samples.email_samples(EmailDigest.objects.all()))
    yield CounterMetricFamily(
        samples.EMAILS_SENT.removesuffix("_total"),
        "Admin e-mails sent (digests and brake notices).",
        value=totals.get((samples.EMAILS_SENT, ()), 0),
    )
    yield CounterMetricFamily(
        samples.EMAILS_SUPPRESSED.removesuffix("_total"),
        "Preference changes the e-mail brake kept out of mail.",
        value=totals.get((samples.EMAILS_SUPPRESSED, ()), 0),
    )
