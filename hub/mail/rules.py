"""Admin e-mail rules: which changes are filed into which digest (spec hub.md F16).

``record_change`` files a preference change under every active ``EmailRule`` that matches
it (one ``DigestEntry`` per rule and event, so a fan-out that runs twice adds nothing) and
makes sure the recipient list has an open ``EmailDigest``; it returns the digests it
opened, which the caller schedules for their due time (``seconds_until_due``). Sending
them is ``hub.mail.sending``.
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from hub.conf import hub_settings
from hub.kinds import PREFERENCE_KINDS
from hub.mail import digest as email_digest
from hub.matching import event_matches
from hub.models.events import Event
from hub.models.notifications import DigestEntry, EmailDigest, EmailRule

logger = logging.getLogger(__name__)

OPEN_RETRIES = 3


def record_change(event: Event, *, now: datetime | None = None) -> list[EmailDigest]:
    """File ``event`` under each matching active rule; return the digests this opened.

    The entries commit together first, and only then is each recipient list's open
    digest looked up: the order the module docstring relies on, so call it outside a
    transaction (the fan-out task does).
    """
    if event.kind not in PREFERENCE_KINDS:
        return []
    now = now or timezone.now()
    rules = matching_rules(event)
    if not rules:
        return []  # the common case: no transaction opened only to read that nothing matches
    with transaction.atomic():
        waiting = [_file(rule, event) for rule in rules]
    windows = {key: (recipients, window) for key, recipients, window in filter(None, waiting)}
    opened = []
    for key, (recipients, window) in windows.items():
        digest, created = _open_digest(recipients, key, window=window, now=now)
        if created:
            opened.append(digest)
    return opened


def _file(rule: EmailRule, event: Event) -> tuple[str, tuple[str, ...], int] | None:
    """File the event under one rule: ``(key, recipients, window)`` while it waits.

    None when the rule has nobody to tell, or a digest already took the entry (the
    fan-out ran again after the mail went out).
    """
    recipients = rule.resolved_recipients()
    if not recipients:
        logger.warning("e-mail rule %s has no recipients and ADMINS is empty", rule.pk)
        return None
    key = email_digest.recipients_key(recipients)
    entry, _ = DigestEntry.objects.get_or_create(
        rule=rule, event=event, defaults={"recipients_key": key}
    )
    if entry.digest_id is not None:
        return None
    window = rule.digest_window
    return key, recipients, hub_settings.EMAIL_DIGEST_WINDOW if window is None else window


def matching_rules(event: Event) -> list[EmailRule]:
    """Active rules whose patterns and registries select this event."""
    return [
        rule
        for rule in EmailRule.objects.filter(is_active=True)
        if event_matches(
            patterns=rule.patterns,
            registries=rule.registries,
            identifier=event.identifier,
            registry=event.registry,
        )
    ]


def _open_digest(
    recipients: tuple[str, ...], key: str, *, window: int, now: datetime
) -> tuple[EmailDigest, bool]:
    """The open digest of this recipient list, created if there is none.

    The partial unique constraint on open digests makes concurrent filers agree on one; the
    loser of a race reads the winner's row (or, if that one closed meanwhile, tries again).
    """
    for _ in range(OPEN_RETRIES):
        digest = EmailDigest.objects.filter(recipients_key=key, state=EmailDigest.State.OPEN)
        if existing := digest.first():
            return existing, False
        try:
            with transaction.atomic():
                created = EmailDigest.objects.create(
                    recipients=list(recipients),
                    recipients_key=key,
                    opened_at=now,
                    due_at=now + timedelta(seconds=window),
                )
            return created, True
        except IntegrityError:
            continue
    raise RuntimeError(f"could not open a digest for recipient list {key} (contention)")


def seconds_until_due(digest: EmailDigest, *, now: datetime | None = None) -> float:
    """Seconds before ``digest`` may be sent (0 when it is due)."""
    return max(0.0, (digest.due_at - (now or timezone.now())).total_seconds())
