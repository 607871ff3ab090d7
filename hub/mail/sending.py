"""Sending admin e-mail: digests and "endpoint disabled" notices (spec hub.md F9, F16, F17).

``send_digest`` closes a due digest, claims every waiting entry of its recipient list, lets
``hub.mail.digest`` plan and render the mail, and sends it through Django's e-mail backend.
Closing and claiming are two separate statements on purpose: a filer (``hub.mail.rules``)
that still saw the digest open wrote its entry before the close, so the claim that follows
the close picks it up; a filer that saw it closed opens the next window. A lease on the
digest row keeps a duplicate task from sending the same window twice, and expires if a
worker dies mid-send so the sweeper can hand the digest to another one. Delivery is at
least once: a worker that dies between the SMTP server's "accepted" and the row's "sent"
mails twice.
"""

import email.policy
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from hub.conf import hub_settings
from hub.kinds import EventKind
from hub.mail import digest as email_digest
from hub.mail.rules import seconds_until_due
from hub.models.endpoints import WebhookEndpoint
from hub.models.events import Event
from hub.models.notifications import AdminNotice, DigestEntry, EmailDigest
from hub.webhooks.transport import sanitize_url

logger = logging.getLogger(__name__)

# How long one task may hold a digest while it sends; well above the task's time limit, so
# only a dead worker's lease ever runs out.
SEND_LEASE = timedelta(minutes=5)


def send_digest(digest_id: int, *, now: datetime | None = None) -> float:
    """Send the digest if it is due; return the seconds left when it is not yet due.

    Returns 0 once the digest is sent, silenced by the brake, empty, or held by another
    task. An SMTP error propagates (the task retries) after releasing the lease.
    """
    now = now or timezone.now()
    digest = EmailDigest.objects.filter(pk=digest_id).first()
    if digest is None or digest.state not in (EmailDigest.State.OPEN, EmailDigest.State.SENDING):
        return 0.0
    if wait := seconds_until_due(digest, now=now):
        return wait
    if not _acquire(digest_id, now=now):
        return 0.0
    digest.refresh_from_db()
    DigestEntry.objects.filter(recipients_key=digest.recipients_key, digest=None).update(
        digest=digest
    )
    plan = email_digest.plan_mail(
        _changes(digest),
        threshold=hub_settings.EMAIL_BRAKE_THRESHOLD,
        brake_engaged=_brake_engaged(digest.recipients_key, now=now),
    )
    try:
        _deliver(digest, plan, now=now)
    except Exception as exc:
        EmailDigest.objects.filter(pk=digest_id).update(
            lease_until=None, attempts=F("attempts") + 1, last_error=type(exc).__name__
        )
        raise
    _mark_sent(digest, plan, now=now)
    return 0.0


def _acquire(digest_id: int, *, now: datetime) -> bool:
    """Close the digest (if open) and take its lease; False when another task holds it."""
    return bool(
        EmailDigest.objects.filter(
            _lease_free(now),
            pk=digest_id,
            state__in=[EmailDigest.State.OPEN, EmailDigest.State.SENDING],
        ).update(
            state=EmailDigest.State.SENDING,
            closed_at=Coalesce("closed_at", now),
            lease_until=now + SEND_LEASE,
        )
    )


def _changes(digest: EmailDigest) -> list[email_digest.Change]:
    entries = digest.entries.select_related("event", "event__actor").order_by("event_id")
    return [_change_from(entry.event) for entry in entries]


def _change_from(event: Event) -> email_digest.Change:
    """The mail's view of an event: its stored (already redacted) values, never unsealed."""
    owner = f"{event.owner_type} #{event.owner_id}" if event.owner_id is not None else ""
    return email_digest.Change(
        event_id=str(event.pk),
        identifier=event.identifier,
        registry=event.registry,
        old_value=event.old_value,
        new_value=event.new_value,
        occurred_at=event.occurred_at,
        owner=owner,
        actor=event.actor.get_username() if event.actor else "",
    )


def _brake_engaged(key: str, *, now: datetime) -> bool:
    last_brake = (
        EmailDigest.objects.filter(recipients_key=key, kind=EmailDigest.Kind.BRAKE)
        .exclude(sent_at=None)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    return email_digest.is_brake_engaged(
        last_brake, now=now, cooldown=hub_settings.EMAIL_BRAKE_COOLDOWN
    )


def _deliver(digest: EmailDigest, plan: email_digest.MailPlan, *, now: datetime) -> None:
    if not plan.sends_mail:
        return
    mail = email_digest.render_plan(
        plan,
        opened_at=digest.opened_at,
        closed_at=digest.closed_at or now,
        prefix=hub_settings.EMAIL_SUBJECT_PREFIX,
        cooldown=hub_settings.EMAIL_BRAKE_COOLDOWN,
    )
    _send(mail, digest.recipients)
    logger.info("sent %s mail for digest %s (%d changes)", plan.kind, digest.pk, plan.total)


def _mark_sent(digest: EmailDigest, plan: email_digest.MailPlan, *, now: datetime) -> None:
    EmailDigest.objects.filter(pk=digest.pk).update(
        state=EmailDigest.State.SENT,
        kind=str(plan.kind),
        sent_at=now if plan.sends_mail else None,
        change_count=plan.change_count,
        suppressed_count=plan.suppressed,
        lease_until=None,
        last_error="",
    )


def mark_failed(digest_id: int) -> None:
    """Give up on a digest whose task ran out of retries (the admin shows it as failed)."""
    EmailDigest.objects.filter(pk=digest_id, state=EmailDigest.State.SENDING).update(
        state=EmailDigest.State.FAILED, lease_until=None
    )


def overdue_digest_ids(*, now: datetime | None = None) -> list[int]:
    """Digests whose task was lost: open well past due, or held by a lease that ran out."""
    now = now or timezone.now()
    grace = timedelta(seconds=hub_settings.EMAIL_DIGEST_SWEEP_GRACE)
    stale_open = Q(state=EmailDigest.State.OPEN, due_at__lt=now - grace)
    dead_lease = Q(state=EmailDigest.State.SENDING, lease_until__lt=now)
    return list(EmailDigest.objects.filter(stale_open | dead_lease).values_list("pk", flat=True))


def send_endpoint_disabled(endpoint_id: str, *, now: datetime | None = None) -> bool:
    """Tell the admins, once per disabling, that a webhook endpoint was disabled (F9).

    The URL goes through ``sanitize_url`` (no credentials, no query string). Returns True
    when this call sent the mail; a concurrent or repeated call finds it claimed or sent.
    """
    now = now or timezone.now()
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None or endpoint.disabled_at is None:
        return False
    recipients = email_digest.normalize_recipients(settings.ADMINS)
    if not recipients:
        logger.warning("endpoint %s disabled; ADMINS is empty, nobody to tell", endpoint.pk)
        return False
    key = f"{EventKind.ENDPOINT_DISABLED}:{endpoint.pk}:{endpoint.disabled_at.isoformat()}"
    notice, _ = AdminNotice.objects.get_or_create(key=key, defaults={"recipients": recipients})
    claimed = AdminNotice.objects.filter(_lease_free(now), pk=notice.pk, sent_at=None)
    if not claimed.update(lease_until=now + SEND_LEASE):
        return False
    try:
        _send(_endpoint_disabled_mail(endpoint), recipients)
    except Exception:
        AdminNotice.objects.filter(pk=notice.pk).update(lease_until=None)
        raise
    AdminNotice.objects.filter(pk=notice.pk).update(sent_at=now, lease_until=None)
    return True


def _endpoint_disabled_mail(endpoint: WebhookEndpoint) -> email_digest.RenderedMail:
    context = {
        "url": sanitize_url(endpoint.url),
        "description": endpoint.description,
        "reason": endpoint.disabled_reason,
        "disabled_at": endpoint.disabled_at,
    }
    prefix = hub_settings.EMAIL_SUBJECT_PREFIX
    return email_digest.render_mail("endpoint_disabled", context, prefix=prefix)


def _lease_free(now: datetime) -> Q:
    """Rows no task holds: never leased, released, or leased by a task that died."""
    return Q(lease_until__isnull=True) | Q(lease_until__lt=now)


# Python's e-mail API, which Django 6 builds messages with, encodes a UTF-8 body as
# quoted-printable ("Old =E2=86=92 New") as soon as one line passes 78 characters, as digest
# lines do: the console backend's output was unreadable. Allowing lines up to RFC 5322's
# limit of 998 keeps the body 8-bit UTF-8, as Django 5 sent it. Backends that pass their
# own policy (SMTP) keep it.
READABLE_POLICY = email.policy.default.clone(max_line_length=998)


class ReadableEmailMessage(EmailMessage):
    """A message whose UTF-8 body stays 8-bit text where the backend lets it."""

    def message(self, *, policy: email.policy.Policy = READABLE_POLICY) -> email.message.Message:
        return super().message(policy=policy)


def _send(mail: email_digest.RenderedMail, recipients: list[str] | tuple[str, ...]) -> None:
    """One plain-text message through the configured e-mail backend (errors propagate)."""
    ReadableEmailMessage(subject=mail.subject, body=mail.body, to=list(recipients)).send()
