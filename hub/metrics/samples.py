"""The hub's counters as database aggregates, shared by the scrape and by retention.

Each function turns a queryset into samples ``(name, labels, value)``. The scrape applies
them to every row and adds the baselines of pruned rows (``hub.models.MetricBaseline``);
retention applies them to each batch it deletes and adds the result to the baselines.
Counting rows in one shared database keeps the numbers right however many web and
worker processes there are, with no multiprocess files to manage.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.db import models
from django.db.models.functions import Coalesce

from hub.models import Attempt, EmailDigest, MetricBaseline

Labels = tuple[tuple[str, str], ...]
Sample = tuple[str, Labels, float]

DELIVERIES = "prefhub_webhook_deliveries_total"
LATENCY = "prefhub_webhook_delivery_latency_seconds"
EMAILS_SENT = "prefhub_emails_sent_total"
EMAILS_SUPPRESSED = "prefhub_email_changes_suppressed_total"
# Commit -> delivery: seconds from the change to its first successful scheduled attempt;
# retries stretch it to hours, hence the long tail.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 36000, 86400)
# An attempt still sending has no outcome yet.
IN_FLIGHT = (Attempt.Status.SENDING,)


def delivery_samples(attempts: models.QuerySet) -> list[Sample]:
    """Finished attempts by outcome and endpoint."""
    rows = (
        attempts.exclude(status__in=IN_FLIGHT)
        .values_list("status", "message__endpoint_id")
        .annotate(n=models.Count("pk"))
        .order_by()
    )
    return [
        (DELIVERIES, (("endpoint", str(endpoint)), ("outcome", status)), n)
        for status, endpoint, n in rows
    ]


def latency_samples(attempts: models.QuerySet) -> list[Sample]:
    """The commit -> delivery histogram: cumulative bucket counts, the count and the sum."""
    delivered = attempts.filter(
        status=Attempt.Status.SUCCESS,
        trigger=Attempt.Trigger.SCHEDULED,
        finished_at__isnull=False,
    )
    occurred = models.F("message__event__occurred_at")
    buckets = {
        f"le_{index}": models.Count(
            "pk", filter=models.Q(finished_at__lte=occurred + timedelta(seconds=bound))
        )
        for index, bound in enumerate(LATENCY_BUCKETS)
    }
    latency = models.ExpressionWrapper(
        models.F("finished_at") - occurred, output_field=models.DurationField()
    )
    totals = delivered.aggregate(
        count=models.Count("pk"),
        total=Coalesce(models.Sum(latency), models.Value(timedelta(0))),
        **buckets,
    )
    samples: list[Sample] = [
        (f"{LATENCY}_bucket", (("le", _bound(bound)),), totals[f"le_{index}"])
        for index, bound in enumerate(LATENCY_BUCKETS)
    ]
    samples.append((f"{LATENCY}_bucket", (("le", "+Inf"),), totals["count"]))
    samples.append((f"{LATENCY}_count", (), totals["count"]))
    samples.append((f"{LATENCY}_sum", (), totals["total"].total_seconds()))
    return samples


def email_samples(digests: models.QuerySet) -> list[Sample]:
    """Mails sent (one per digest or brake notice) and changes the brake kept out of mail."""
    sent = digests.filter(state=EmailDigest.State.SENT)
    totals = sent.aggregate(
        mails=models.Count("pk", filter=models.Q(sent_at__isnull=False)),
        suppressed=Coalesce(models.Sum("suppressed_count"), 0),
    )
    return [(EMAILS_SENT, (), totals["mails"]), (EMAILS_SUPPRESSED, (), totals["suppressed"])]


def counter_samples(*, attempts: models.QuerySet, digests: models.QuerySet) -> list[Sample]:
    """Every counter sample of these rows."""
    return [*delivery_samples(attempts), *latency_samples(attempts), *email_samples(digests)]


def add_to_baselines(samples: Iterable[Sample]) -> None:
    """Remember samples of rows about to be deleted (call it in the deleting transaction)."""
    for name, labels, value in samples:
        if not value:
            continue
        baseline, _ = MetricBaseline.objects.get_or_create(name=name, labels=encode(labels))
        MetricBaseline.objects.filter(pk=baseline.pk).update(value=models.F("value") + value)


def with_baselines(samples: Iterable[Sample]) -> dict[tuple[str, Labels], float]:
    """``samples`` plus the baselines of pruned rows, keyed by (name, labels)."""
    totals: dict[tuple[str, Labels], float] = {}
    for name, labels, value in samples:
        totals[(name, labels)] = totals.get((name, labels), 0) + value
    for name, labels, value in MetricBaseline.objects.values_list("name", "labels", "value"):
        key = (name, decode(labels))
        totals[key] = totals.get(key, 0) + value
    return totals


def encode(labels: Labels) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(labels))


def decode(text: str) -> Labels:
    pairs = (pair.split("=", 1) for pair in text.split(",") if pair)
    return tuple(sorted((key, value) for key, value in pairs))


def _bound(bound: float) -> str:
    return str(float(bound))
