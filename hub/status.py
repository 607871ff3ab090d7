"""What the "Hub status" admin page shows, read from the database (selectors only).

Each function answers one question for the last ``WINDOW``: how many deliveries per minute
by outcome, how long a change took to reach its endpoints, how far behind the outbox is,
which endpoints and handlers are failing, whether the e-mail brake is on.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import quantiles

from django.db import models
from django.db.models.functions import TruncMinute
from django.utils import timezone

from hub.conf import hub_settings
from hub.mail.digest import is_brake_engaged
from hub.metrics.samples import IN_FLIGHT
from hub.models import Attempt, EmailDigest, HandlerRun, WebhookEndpoint
from hub.outbox import OutboxStatus, outbox_status

WINDOW = timedelta(hours=24)
MINUTES = int(WINDOW.total_seconds() // 60)


@dataclass(frozen=True)
class DeliverySeries:
    """Finished attempts per minute and outcome: ``counts[outcome][i]`` is minute ``i``."""

    start: datetime
    counts: dict[str, list[int]]

    def totals(self) -> dict[str, int]:
        return {outcome: sum(minutes) for outcome, minutes in self.counts.items()}


@dataclass(frozen=True)
class Latency:
    """Commit -> first successful scheduled delivery over the window (seconds)."""

    deliveries: int
    p50: float | None
    p99: float | None


@dataclass(frozen=True)
class EndpointHealth:
    endpoint: WebhookEndpoint
    last_success: datetime | None


@dataclass(frozen=True)
class FailingHandler:
    handler: str
    failed_runs: int
    last_failure: datetime | None
    last_error: str


@dataclass(frozen=True)
class Brake:
    recipients: list[str]
    tripped_at: datetime
    until: datetime


@dataclass(frozen=True)
class HubStatus:
    now: datetime
    deliveries: DeliverySeries
    latency: Latency
    outbox: OutboxStatus
    endpoints: list[EndpointHealth]
    failing_handlers: list[FailingHandler]
    brakes: list[Brake]


def hub_status(*, now: datetime | None = None) -> HubStatus:
    now = now or timezone.now()
    return HubStatus(
        now=now,
        deliveries=deliveries_per_minute(now=now),
        latency=delivery_latency(now=now),
        outbox=outbox_status(now=now),
        endpoints=endpoint_health(),
        failing_handlers=failing_handlers(),
        brakes=engaged_brakes(now=now),
    )


def deliveries_per_minute(*, now: datetime) -> DeliverySeries:
    """Attempts finished in each of the window's minutes, by outcome (the chart's data)."""
    start = now.replace(second=0, microsecond=0) - WINDOW + timedelta(minutes=1)
    rows = (
        Attempt.objects.filter(finished_at__gte=start, finished_at__lte=now)
        .exclude(status__in=IN_FLIGHT)
        .annotate(minute=TruncMinute("finished_at"))
        .values_list("minute", "status")
        .annotate(n=models.Count("pk"))
        .order_by()
    )
    counts: dict[str, list[int]] = {}
    for minute, status, n in rows:
        index = int((minute - start).total_seconds() // 60)
        if 0 <= index < MINUTES:
            counts.setdefault(status, [0] * MINUTES)[index] += n
    return DeliverySeries(start=start, counts=dict(sorted(counts.items())))


def delivery_latency(*, now: datetime) -> Latency:
    """p50 and p99 of commit -> delivery for the deliveries of the window.

    Computed here rather than in SQL (no portable percentile in SQLite); the window holds
    one row per delivered message, which the page reads once per view.
    """
    pairs = Attempt.objects.filter(
        status=Attempt.Status.SUCCESS,
        trigger=Attempt.Trigger.SCHEDULED,
        finished_at__gte=now - WINDOW,
        finished_at__lte=now,
    ).values_list("finished_at", "message__event__occurred_at")
    seconds = sorted(max((done - occurred).total_seconds(), 0.0) for done, occurred in pairs)
    if not seconds:
        return Latency(deliveries=0, p50=None, p99=None)
    if len(seconds) == 1:
        return Latency(deliveries=1, p50=seconds[0], p99=seconds[0])
    cuts = quantiles(seconds, n=100, method="inclusive")
    return Latency(deliveries=len(seconds), p50=cuts[49], p99=cuts[98])


def endpoint_health() -> list[EndpointHealth]:
    """Every endpoint with its last success; disabled and failing ones first."""
    last_success = models.Max(
        "messages__attempts__finished_at",
        filter=models.Q(messages__attempts__status=Attempt.Status.SUCCESS),
    )
    endpoints = WebhookEndpoint.objects.annotate(last_success=last_success).order_by(
        "is_active", models.F("failing_since").asc(nulls_last=True), "url"
    )
    return [EndpointHealth(endpoint, endpoint.last_success) for endpoint in endpoints]


def failing_handlers() -> list[FailingHandler]:
    """Handlers with failed runs (out of retries), most failures first."""
    failed = HandlerRun.objects.filter(status=HandlerRun.Status.FAILED)
    rows = (
        failed.values("handler")
        .annotate(n=models.Count("pk"), last=models.Max("finished_at"))
        .order_by("-n", "handler")
    )
    return [
        FailingHandler(
            handler=row["handler"],
            failed_runs=row["n"],
            last_failure=row["last"],
            last_error=failed.filter(handler=row["handler"])
            .order_by(models.F("finished_at").desc(nulls_last=True))
            .values_list("last_error", flat=True)
            .first()
            or "",
        )
        for row in rows
    ]


def engaged_brakes(*, now: datetime) -> list[Brake]:
    """Recipient lists the e-mail brake silences right now, and until when."""
    cooldown = hub_settings.EMAIL_BRAKE_COOLDOWN
    recent = (
        EmailDigest.objects.filter(
            kind=EmailDigest.Kind.BRAKE, sent_at__gte=now - timedelta(seconds=cooldown)
        )
        .order_by("recipients_key", "-sent_at")
        .values_list("recipients_key", "recipients", "sent_at")
    )
    latest: dict[str, tuple[list[str], datetime]] = {}
    for key, recipients, sent_at in recent:
        latest.setdefault(key, (recipients, sent_at))
    return [
        Brake(recipients, sent_at, sent_at + timedelta(seconds=cooldown))
        for recipients, sent_at in latest.values()
        if is_brake_engaged(sent_at, now=now, cooldown=cooldown)
    ]
