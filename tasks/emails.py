"""Admin e-mail tasks (spec hub.md F9, F16): thin wrappers over ``hub.mail``.

``dispatch`` runs inside the fan-out of every event; the tasks take ids only and own their
retry decisions. SMTP and socket errors are retried with exponential backoff and jitter;
a digest that runs out of retries is marked failed in the admin.
"""

import smtplib
from functools import partial

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction

from hub.celery_config import fits_countdown
from hub.mail import rules, sending
from hub.models.events import Event
from tasks.base import HubTask

# Transient mail-server trouble: refused connections, timeouts, 4xx/5xx answers, and a
# send cut short by the time limit below.
SMTP_ERRORS = (smtplib.SMTPException, OSError, SoftTimeLimitExceeded)
SMTP_MAX_RETRIES = 8
SMTP_BACKOFF_MAX = 600  # seconds; 1, 2, 4, ... capped at 10 minutes (with jitter)
# A hanging mail server must not hold a worker slot for ever (Django's EMAIL_TIMEOUT is
# unset by default); the digest lease (hub.mail.sending.SEND_LEASE) outlasts this.
SEND_TIME_LIMIT = 120


def dispatch(event: Event) -> None:
    """Fan-out hook: file the change under matching rules, schedule each new digest.

    Idempotent (R11): filing is unique per rule and event, and a digest is scheduled only
    by the call that opened it.
    """
    for digest in rules.record_change(event):
        schedule_digest(digest.pk, rules.seconds_until_due(digest))


def schedule_digest(digest_id: int, countdown: float) -> None:
    """Run the digest task after ``countdown`` seconds, or leave it to the sweeper.

    Redis redelivers a countdown task that waits longer than the visibility timeout (F5),
    so windows beyond half of it are sent by ``sweep_due`` once they are past due.
    """
    if fits_countdown(countdown):
        transaction.on_commit(partial(digest_task.apply_async, (digest_id,), countdown=countdown))


# Both mail-sending tasks retry SMTP refusals with backoff and give up on a hung server.
SEND_MAIL_OPTIONS = {
    "autoretry_for": SMTP_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": SMTP_BACKOFF_MAX,
    "retry_jitter": True,
    "max_retries": SMTP_MAX_RETRIES,
    "soft_time_limit": SEND_TIME_LIMIT,
    "time_limit": SEND_TIME_LIMIT + 10,
}


class DigestTask(HubTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        """Out of retries: show the digest as failed instead of retrying it for ever."""
        sending.mark_failed(args[0] if args else kwargs["digest_id"])
        super().on_failure(exc, task_id, args, kwargs, einfo)


@shared_task(
    base=DigestTask,
    name="hub.emails.digest",
    **SEND_MAIL_OPTIONS,
)
def digest_task(digest_id: int) -> None:
    """Send one digest when its window has closed (re-scheduled if it runs early)."""
    if wait := sending.send_digest(digest_id):
        schedule_digest(digest_id, wait)


@shared_task(
    base=HubTask,
    name="hub.emails.endpoint_disabled",
    **SEND_MAIL_OPTIONS,
)
def endpoint_disabled(endpoint_id: str) -> None:
    """Tell the admins once that a webhook endpoint was disabled (F9)."""
    sending.send_endpoint_disabled(endpoint_id)


@shared_task(base=HubTask, name="hub.emails.sweep_due", ignore_result=True)
def sweep_due() -> int:
    """Beat: re-enqueue digests whose task was lost; returns how many."""
    digest_ids = sending.overdue_digest_ids()
    for digest_id in digest_ids:
        digest_task.delay(digest_id)
    return len(digest_ids)
