"""Admin e-mail rules and the digest bookkeeping behind them (spec hub.md F16).

A rule selects preference changes (section/name globs and registries, as everywhere in
the hub: ``hub.matching``) and names who hears about them. Each matching change becomes a
``DigestEntry``; entries wait, per recipient list, for the one open ``EmailDigest`` of that
list to close, and then go out as one mail. ``AdminNotice`` remembers one-off admin mails
(an endpoint was disabled) so that a repeated task does not mail twice.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, validate_email
from django.db import models
from django.db.models import Q

from hub.mail.digest import normalize_recipients
from hub.models.filters import EventFilter, require_list_of_strings

MAX_DIGEST_WINDOW = 86400  # a day: longer, and the mail is news nobody can act on


def validate_recipients(value: Any) -> None:
    """E-mail addresses, each checked; the error names the one that is wrong."""
    for index, address in enumerate(require_list_of_strings(value, "Recipients")):
        try:
            validate_email(address.strip())
        except ValidationError:
            raise ValidationError(
                f"Recipient {index + 1} ({address!r}) is not a valid e-mail address.",
                code="invalid_recipient",
            ) from None


class EmailRule(EventFilter):
    """Which preference changes are mailed to whom (empty recipients: ``ADMINS``)."""

    name = models.CharField(max_length=100, unique=True)
    recipients = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_recipients],
        help_text="E-mail addresses; empty: the ADMINS setting.",
    )
    digest_window = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_DIGEST_WINDOW)],
        help_text="Seconds of changes collected into one mail; empty: the hub default.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "e-mail rule"

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Rules created in code get the same checks as the admin form: a bad address or
        # pattern raises a ValidationError naming it, and nothing is written.
        self.full_clean()
        super().save(*args, **kwargs)

    def resolved_recipients(self) -> tuple[str, ...]:
        """The rule's addresses, or ``settings.ADMINS`` (Django 6: plain strings)."""
        return normalize_recipients(self.recipients or settings.ADMINS)


class EmailDigest(models.Model):
    """One recipient list's mail for one window: open, then sending, then sent (or failed)."""

    class State(models.TextChoices):
        OPEN = "open"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed", "failed (out of retries)"

    class Kind(models.TextChoices):
        DIGEST = "digest"
        BRAKE = "brake", "brake (N changes suppressed)"
        SILENT = "silent", "silent (brake engaged)"
        EMPTY = "empty"

    recipients = models.JSONField(default=list)
    recipients_key = models.CharField(max_length=64, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    kind = models.CharField(max_length=10, choices=Kind.choices, blank=True)
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    change_count = models.PositiveIntegerField(default=0)
    suppressed_count = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = "e-mail digest"
        constraints = [
            # Concurrent fan-outs for one recipient list must join one window, not open two.
            models.UniqueConstraint(
                fields=["recipients_key"],
                condition=Q(state="open"),
                name="hub_emaildigest_one_open_per_recipients",
            )
        ]

    def __str__(self) -> str:
        return f"{', '.join(self.recipients)} from {self.opened_at:%Y-%m-%d %H:%M:%S}"


class DigestEntry(models.Model):
    """A change waiting for (or mailed in) a digest; unique per rule and event (R11)."""

    rule = models.ForeignKey(EmailRule, on_delete=models.CASCADE, related_name="entries")
    event = models.ForeignKey("hub.Event", on_delete=models.CASCADE, related_name="+")
    recipients_key = models.CharField(max_length=64)
    digest = models.ForeignKey(
        EmailDigest, null=True, blank=True, on_delete=models.CASCADE, related_name="entries"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "digest entries"
        constraints = [
            models.UniqueConstraint(fields=["rule", "event"], name="hub_digestentry_once")
        ]
        indexes = [models.Index(fields=["recipients_key", "digest"])]

    def __str__(self) -> str:
        return f"{self.rule} / event {self.event_id}"


class AdminNotice(models.Model):
    """A one-off admin mail, keyed so that running its task twice mails once."""

    key = models.CharField(max_length=200, unique=True)
    recipients = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "admin notice"

    def __str__(self) -> str:
        return self.key
