"""Webhook delivery: one message to one endpoint, one attempt at a time (F5-F7, F12).

``deliver_message`` reads as Svix's worker does: claim the message, wait for the
endpoint's rate limit, record an ``Attempt`` *before* sending (so a killed worker leaves a
trace, R4), sign with every valid secret, send through the pooled transport, then record
the result and decide what comes next. It never enqueues: it returns a ``Report`` and the
task in ``tasks/webhooks.py`` publishes the follow-up.

Scheduling state lives on the ``Message`` so that nothing depends on a task surviving:

* ``next_attempt_at`` is when the next scheduled try is due; a scheduled try runs only
  if the message is due, so a duplicated or early task does nothing (R5, R11);
* ``locked_until`` is a lease taken by the try in flight; if the worker dies the lease
  runs out and the sweeper tries again (R4);
* ``is_queued`` says a task carries the next try (a short step, as a Celery countdown);
  long steps leave it False and wait for the beat sweeper, because Redis redelivers ETA
  tasks held past the visibility timeout (F5). When the task may be gone (its publish
  failed, or the broker restarted and lost its queues), ``release_to_sweeper`` clears
  the flag and the sweeper publishes the try when it is due.
"""

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from hub.celery_config import fits_countdown
from hub.conf import hub_settings
from hub.kinds import EventKind
from hub.models import Attempt, Message, WebhookEndpoint
from hub.webhooks import health as endpoint_health
from hub.webhooks import transport
from hub.webhooks.outcomes import Outcome
from hub.webhooks.payloads import build_payload, encode_payload
from hub.webhooks.rate_limit import TokenBucket
from hub.webhooks.retries import next_delay
from hub.webhooks.secrets import valid_secrets
from hub.webhooks.signing import signature_headers
from hub.webhooks.transport import DeliveryResult, sanitize_url

logger = logging.getLogger(__name__)

SCHEDULED = Attempt.Trigger.SCHEDULED
MAX_INLINE_WAIT = 1.0  # F12: wait this long for a token in the worker; longer waits re-queue
# F12/R17: a bucket of one token spaces requests 1/rate apart, so no one-second window
# ever holds more than ``rate_limit`` requests (a bigger burst would allow rate + burst).
RATE_LIMIT_BURST = 1
# F12/R17: tokens are taken at 70 % of the limit, so ``rate`` requests span 1.43 s, not
# 1 s; that slack absorbs the jitter between taking a token and the request reaching the
# receiver (recording the attempt, signing, a loaded machine's scheduling: 320 ms of it
# was seen on a loaded 2-core machine), so any one-second window at the receiver holds
# at most the limit.
RATE_LIMIT_HEADROOM = 0.7
BUSY_RETRY = 5.0  # seconds before a manual try retries while another try holds the lease
SWEEP_BATCH = 500  # due messages claimed per sweep
# What an attempt learns from its request; the rest of the row was written before sending.
RESULT_FIELDS = [
    "status", "status_code", "response_body", "duration_ms", "error_class",
    "error_message", "finished_at", "next_attempt_at",
]  # fmt: skip

_rng = random.Random()

# ``transport.send``'s signature: (url, body, headers) -> what came of the request.
Send = Callable[[str, bytes, dict[str, str]], DeliveryResult]


@dataclass(frozen=True)
class Report:
    """What a delivery task did, and whether the task must publish a follow-up."""

    outcome: Outcome  # one of outcomes.REPORTS
    requeue_in: float | None = None
    trigger: str = SCHEDULED


def deliver_message(
    message_id: str, *, trigger: str, task_id: str = "", send: Send | None = None
) -> Report:
    """Make one attempt to deliver ``message_id`` if it is due (see the module docstring).

    ``send`` makes the request (``transport.send`` unless given); tests pass one that
    records it instead of going out.
    """
    message = claim_message(message_id, trigger=trigger)
    if message is None:
        return _unclaimed(message_id, trigger)
    if not message.endpoint.is_active:
        return _skip_inactive(message, trigger)
    wait = _wait_for_token(message.endpoint)
    if wait:
        return _defer(message, wait, trigger)
    attempt = start_attempt(message, trigger=trigger, task_id=task_id)
    result = _send(message, attempt, send or transport.send)
    return record_result(message, attempt, result, trigger=trigger)


def claim_message(message_id: str, *, trigger: str) -> Message | None:
    """Take the lease on a message; None when it is not due, finished or leased by another try.

    A scheduled try needs the message pending and due; a manual or replay try only needs
    the lease to be free, so it may resend a delivered or failed message (F8). The same
    UPDATE counts the attempt, so that recording it before sending is one INSERT
    (``start_attempt``); a try that then sends nothing gives the count back.
    """
    now = timezone.now()
    lease = now + timedelta(seconds=hub_settings.WEBHOOK_DELIVERY_LEASE)
    rows = Message.objects.filter(_lease_free(now), pk=message_id)
    changes: dict[str, object] = {
        "locked_until": lease,
        "attempt_count": F("attempt_count") + 1,
        "last_attempt_at": now,
    }
    if trigger == SCHEDULED:
        rows = rows.filter(status=Message.Status.PENDING, next_attempt_at__lte=now)
        changes.update(is_queued=False, scheduled_attempts=F("scheduled_attempts") + 1)
    if not rows.update(**changes):
        return None
    return Message.objects.select_related("endpoint", "event").get(pk=message_id)


def claim_due_messages(*, now: datetime | None = None) -> list[str]:
    """Ids of due messages the sweeper must publish now, each claimed by exactly one sweeper.

    Due means pending, past ``next_attempt_at``, lease free, and either no task carries
    it (a long step, a lease that ran out, a task presumed lost) or its task is overdue
    by ``WEBHOOK_REQUEUE_AFTER`` (lost some other way, e.g. a purged queue). The
    conditional update makes concurrent sweepers disjoint without holding row locks.
    """
    now = now or timezone.now()
    overdue = now - timedelta(seconds=hub_settings.WEBHOOK_REQUEUE_AFTER)
    candidates = (
        Message.objects.filter(_lease_free(now), status=Message.Status.PENDING)
        .filter(Q(is_queued=False, next_attempt_at__lte=now) | Q(next_attempt_at__lte=overdue))
        .order_by("next_attempt_at")
        .values_list("pk", "next_attempt_at")[:SWEEP_BATCH]
    )
    claimed = []
    for pk, due in list(candidates):
        rows = Message.objects.filter(pk=pk, next_attempt_at=due, status=Message.Status.PENDING)
        if rows.update(is_queued=True, next_attempt_at=now):
            claimed.append(pk)
    return claimed


def release_to_sweeper(message_ids: list[str] | None = None) -> int:
    """Hand queued messages to the sweeper: the tasks carrying them are presumed lost.

    ``None`` releases every queued message (the broker restarted and may have dropped its
    queues). A task that did survive is then doubled by the sweeper's; whichever runs
    first claims the try and the other finds nothing due (``claim_message``), so no
    request is sent twice. Returns how many messages were released.
    """
    rows = Message.objects.filter(status=Message.Status.PENDING, is_queued=True)
    if message_ids is not None:
        rows = rows.filter(pk__in=message_ids)
    return rows.update(is_queued=False)


def start_attempt(message: Message, *, trigger: str, task_id: str = "") -> Attempt:
    """Write the attempt row (status ``sending``) before anything goes on the wire (R4).

    The claim already counted it. An older row still ``sending`` belongs to a try whose
    worker died: it is marked ``interrupted`` (this try holds the lease, so no other try
    is running). A first try has no older row, so it skips the look. A worker killed
    between the claim and this INSERT leaves a gap in the attempt numbers, nothing worse.
    """
    if message.attempt_count > 1:
        message.attempts.filter(status=Outcome.SENDING).update(
            status=Outcome.INTERRUPTED, finished_at=message.last_attempt_at
        )
    return Attempt.objects.create(
        message=message,
        number=message.attempt_count,
        trigger=trigger,
        webhook_timestamp=int(time.time()),
        task_id=task_id[:64],
        started_at=message.last_attempt_at,
    )


def record_result(
    message: Message,
    attempt: Attempt,
    result: DeliveryResult,
    *,
    trigger: str,
) -> Report:
    """Store the attempt's outcome, update the endpoint's health, schedule what comes next."""
    now = timezone.now()
    with transaction.atomic():
        if result.outcome == Outcome.SUCCESS:
            # The endpoint was read at claim time: an open failure window still shows.
            if message.endpoint.failing_since is not None:
                endpoint_health.record_success(message.endpoint)
            _finish(message, Message.Status.SUCCEEDED)
            delay = None
        else:
            disabled = endpoint_health.record_failure(message.endpoint, result=result, now=now)
            delay = _after_failure(message, result, trigger=trigger, stop=disabled, now=now)
        message.locked_until = None
        message.save(update_fields=["status", "next_attempt_at", "is_queued", "locked_until"])
        _save_attempt(attempt, result, now=now, next_attempt_at=message.next_attempt_at)
    logger.info(
        "webhook %s attempt %d to %s: %s %s",
        message.id, attempt.number, sanitize_url(message.endpoint.url),
        result.outcome, result.status_code or "",
    )  # fmt: skip
    requeue = delay if message.is_queued else None
    return Report(outcome=result.outcome, requeue_in=requeue)


def _after_failure(
    message: Message,
    result: DeliveryResult,
    *,
    trigger: str,
    stop: bool,
    now: datetime,
) -> float | None:
    """Schedule the next try after a failed attempt (F5); returns its delay, if any."""
    endpoint_active = WebhookEndpoint.objects.filter(pk=message.endpoint_id, is_active=True)
    if stop or not endpoint_active.exists():
        _finish(message, Message.Status.FAILED)
        return None
    if trigger != SCHEDULED:
        # A manual or replay try is one shot; a retry schedule already running goes on.
        if not (message.status == Message.Status.PENDING and message.next_attempt_at):
            _finish(message, Message.Status.FAILED)
        return None
    schedule = hub_settings.WEBHOOK_RETRY_SCHEDULE
    delay = next_delay(message.scheduled_attempts, result, schedule=schedule, rng=_rng)
    if delay is None:
        _finish(message, Message.Status.FAILED)
        return None
    message.next_attempt_at = now + timedelta(seconds=delay)
    message.is_queued = fits_countdown(delay)
    return delay


def _finish(message: Message, status: str) -> None:
    message.status = status
    message.next_attempt_at = None
    message.is_queued = False


def _save_attempt(
    attempt: Attempt, result: DeliveryResult, *, now: datetime, next_attempt_at: datetime | None
) -> None:
    attempt.status = result.outcome
    attempt.status_code = result.status_code
    attempt.response_body = result.response_body
    attempt.duration_ms = result.duration_ms
    attempt.error_class = result.error_class[:100]
    attempt.error_message = result.error_message[:300]
    attempt.finished_at = now
    attempt.next_attempt_at = next_attempt_at
    attempt.save(update_fields=RESULT_FIELDS)


def _send(message: Message, attempt: Attempt, send: Send) -> DeliveryResult:
    endpoint = message.endpoint
    payload = build_payload(
        message.event, mode=endpoint.payload_mode, include_sensitive=endpoint.receive_sensitive
    )
    body = encode_payload(payload)
    secrets = valid_secrets(endpoint)
    if not secrets:
        return _local_error("MissingSecret", "The endpoint has no signing secret; rotate one.")
    headers = {
        **endpoint.headers,
        **signature_headers(message.id, attempt.webhook_timestamp, body, secrets),
    }
    return send(endpoint.url, body, headers)


def _local_error(error_class: str, message: str) -> DeliveryResult:
    return DeliveryResult(
        outcome=Outcome.ERROR, status_code=None, response_body="", duration_ms=0,
        error_class=error_class, error_message=message,
    )  # fmt: skip


def _wait_for_token(endpoint: WebhookEndpoint) -> float:
    """Seconds still to wait for the endpoint's rate limit (F12); 0 means send now.

    Short waits are slept here; a longer one is returned so the message is re-queued
    instead of holding a worker process.
    """
    if not endpoint.rate_limit:
        return 0.0
    bucket = rate_limit_bucket()
    while True:
        rate = endpoint.rate_limit * RATE_LIMIT_HEADROOM
        wait = bucket.acquire(f"webhooks:{endpoint.pk}", rate, RATE_LIMIT_BURST)
        if wait <= 0 or wait > MAX_INLINE_WAIT:
            return max(wait, 0.0)
        time.sleep(wait)


def rate_limit_bucket() -> TokenBucket:
    """The token buckets, in ``WEBHOOK_RATE_LIMIT_REDIS_URL`` or else the broker's Redis."""
    return _bucket_for(hub_settings.WEBHOOK_RATE_LIMIT_REDIS_URL or settings.CELERY_BROKER_URL)


@lru_cache(maxsize=4)
def _bucket_for(url: str) -> TokenBucket:
    return TokenBucket(redis.Redis.from_url(url))


def _defer(message: Message, wait: float, trigger: str) -> Report:
    """Give the lease back and have the task re-publish the try after ``wait`` seconds."""
    due = timezone.now() + timedelta(seconds=wait)
    changes = _uncount(trigger)
    if trigger == SCHEDULED:
        changes.update(next_attempt_at=due, is_queued=True)
    Message.objects.filter(pk=message.pk).update(**changes)
    return Report(outcome=Outcome.RATE_LIMITED, requeue_in=wait, trigger=trigger)


def _unclaimed(message_id: str, trigger: str) -> Report:
    """A scheduled try that is not due is a duplicate: drop it. A manual one waits its turn."""
    if trigger == SCHEDULED:
        return Report(outcome=Outcome.SKIPPED)
    busy = Message.objects.filter(pk=message_id, locked_until__gt=timezone.now()).exists()
    if busy:
        return Report(outcome=Outcome.BUSY, requeue_in=BUSY_RETRY, trigger=trigger)
    return Report(outcome=Outcome.SKIPPED)


def _skip_inactive(message: Message, trigger: str) -> Report:
    """No request to a disabled endpoint; its scheduled messages fail (recover resends them)."""
    changes = _uncount(trigger)
    if trigger == SCHEDULED:
        changes.update(status=Message.Status.FAILED, next_attempt_at=None, is_queued=False)
    Message.objects.filter(pk=message.pk).update(**changes)
    return Report(outcome=Outcome.ENDPOINT_DISABLED)


def _uncount(trigger: str) -> dict[str, object]:
    """The lease released and the claim's count given back: this try sent nothing."""
    changes: dict[str, object] = {"locked_until": None, "attempt_count": F("attempt_count") - 1}
    if trigger == SCHEDULED:
        changes["scheduled_attempts"] = F("scheduled_attempts") - 1
    return changes


def _lease_free(now: datetime) -> Q:
    return Q(locked_until__isnull=True) | Q(locked_until__lte=now)


def create_messages(event) -> list[str]:
    """One message per endpoint that wants ``event``; ids of the new ones (R2, R11).

    Unique per (event, endpoint), so a fan-out that runs twice creates nothing the second
    time: endpoints that already have their message are left out, and the rest are
    inserted in one statement. Should a concurrent fan-out of the same event insert one
    first, the conflict skips that row and its id is never stored; the try published for
    it claims nothing (``claim_message``), while the other fan-out's message is
    delivered by its own try. A new message is due now and marked queued: the caller
    publishes its first try, and the sweeper republishes it if that task is lost.
    """
    now = timezone.now()
    endpoints = _endpoints_for(event)
    if not endpoints:
        return []
    done = set(Message.objects.filter(event=event).values_list("endpoint_id", flat=True))
    new = [
        Message(event=event, endpoint=endpoint, next_attempt_at=now, is_queued=True)
        for endpoint in endpoints
        if endpoint.pk not in done
    ]
    Message.objects.bulk_create(new, ignore_conflicts=True)
    return [message.pk for message in new]


def _endpoints_for(event) -> list[WebhookEndpoint]:
    active = WebhookEndpoint.objects.active()
    if event.kind == EventKind.PREFERENCE_PING:
        return list(active.filter(pk=(event.data or {}).get("endpoint_id")))
    return [endpoint for endpoint in active if endpoint.wants(event)]


def failed_message_ids(endpoint_id: str, *, since: datetime) -> list[str]:
    """Failed messages of an endpoint created at or after ``since``, oldest first (F8)."""
    rows = Message.objects.filter(
        endpoint_id=endpoint_id, status=Message.Status.FAILED, created_at__gte=since
    )
    return list(rows.order_by("created_at").values_list("pk", flat=True))
