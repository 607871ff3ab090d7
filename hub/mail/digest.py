"""Admin e-mail digests: de-duplicate, brake and render (pure; spec hub.md F16, F17).

Everything here works on values: ``hub.mail.sending`` loads the changes of one
digest window from the database, and this module decides what the recipients get:

- identical changes (same key, owner and old → new values) collapse into one line with a
  count, and one event seen through two rules is counted once;
- a window with more distinct changes than the brake threshold becomes one "N changes
  suppressed" mail without values, and the brake then stays engaged for a cool-down so a
  storm of changes yields at most one such mail;
- subject and body are rendered from ``hub/templates/hub/emails/``.

Values arrive already redacted (``Event`` rows never hold a sensitive value in clear), so
this module never sees a secret and never unseals one.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from hashlib import sha256

from django.template.loader import render_to_string

# A mail shows the start of each value; a 10 KB text preference would drown the others.
VALUE_PREVIEW_CHARS = 200
# The brake mail names the most changed keys, not all of them (it replaces a flood).
BRAKE_TOP_KEYS = 20
TEMPLATE_DIR = "hub/emails"


@dataclass(frozen=True)
class Change:
    """One preference change as a mail shows it (values serialized and redacted)."""

    event_id: str
    identifier: str
    registry: str
    old_value: str | None
    new_value: str | None
    occurred_at: datetime
    owner: str = ""
    actor: str = ""

    @property
    def content(self) -> tuple[str, str, str, str | None, str | None]:
        """What makes two changes identical for de-duplication."""
        return (self.registry, self.owner, self.identifier, self.old_value, self.new_value)


@dataclass(frozen=True)
class DigestLine:
    """A distinct change and how many times it happened in the window."""

    change: Change
    count: int = 1
    last_at: datetime | None = None

    @property
    def old_preview(self) -> str:
        return preview(self.change.old_value)

    @property
    def new_preview(self) -> str:
        return preview(self.change.new_value)


class MailKind(StrEnum):
    DIGEST = "digest"
    BRAKE = "brake"
    SILENT = "silent"
    EMPTY = "empty"


@dataclass(frozen=True)
class MailPlan:
    """What one closed window turns into."""

    kind: MailKind
    lines: tuple[DigestLine, ...] = ()
    total: int = 0
    top_keys: tuple[tuple[str, int], ...] = field(default=())
    key_count: int = 0

    @property
    def change_count(self) -> int:
        """Distinct changes (one per line)."""
        return len(self.lines)

    @property
    def suppressed(self) -> int:
        """Changes the brake kept out of mail (duplicates included)."""
        return self.total if self.kind in (MailKind.BRAKE, MailKind.SILENT) else 0

    @property
    def sends_mail(self) -> bool:
        return self.kind in (MailKind.DIGEST, MailKind.BRAKE)

    @property
    def keys(self) -> tuple[str, ...]:
        """The distinct identifiers of the lines, in order of first appearance."""
        return tuple(dict.fromkeys(line.change.identifier for line in self.lines))


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body: str


def normalize_recipients(recipients: Iterable[str]) -> tuple[str, ...]:
    """Addresses stripped, without blanks or repeats, in a stable order.

    Two rules listing the same people in another order share one digest (F16: one mail
    per recipient list).
    """
    unique = {address.strip() for address in recipients if address and address.strip()}
    return tuple(sorted(unique, key=lambda address: (address.lower(), address)))


def recipients_key(recipients: Sequence[str]) -> str:
    """A fixed-length key for a normalized recipient list (indexable, no addresses)."""
    return sha256("\n".join(normalize_recipients(recipients)).encode()).hexdigest()


def deduplicate(changes: Iterable[Change]) -> tuple[DigestLine, ...]:
    """Collapse identical changes into one line each, in order of first occurrence.

    The same event reached through two rules is one change; two events with the same
    key, owner and old → new values are one line counted twice.
    """
    by_event = {change.event_id: change for change in changes}
    ordered = sorted(by_event.values(), key=lambda change: (change.occurred_at, change.event_id))
    first: dict[tuple, Change] = {}
    counts: Counter = Counter()
    last_at: dict[tuple, datetime] = {}
    for change in ordered:
        first.setdefault(change.content, change)
        counts[change.content] += 1
        last_at[change.content] = change.occurred_at
    return tuple(
        DigestLine(change=change, count=counts[content], last_at=last_at[content])
        for content, change in first.items()
    )


def is_brake_engaged(tripped_at: datetime | None, *, now: datetime, cooldown: float) -> bool:
    """True while a brake mail sent at ``tripped_at`` still silences this recipient list."""
    return tripped_at is not None and now - tripped_at < timedelta(seconds=cooldown)


def plan_mail(changes: Iterable[Change], *, threshold: int, brake_engaged: bool) -> MailPlan:
    """Decide what a closed window sends: a digest, one brake mail, or nothing."""
    lines = deduplicate(changes)
    if not lines:
        return MailPlan(kind=MailKind.EMPTY)
    total = sum(line.count for line in lines)
    if brake_engaged:
        return MailPlan(kind=MailKind.SILENT, lines=lines, total=total)
    if len(lines) > threshold:
        per_key: Counter = Counter()
        for line in lines:
            per_key[line.change.identifier] += line.count
        return MailPlan(
            kind=MailKind.BRAKE,
            lines=lines,
            total=total,
            top_keys=tuple(per_key.most_common(BRAKE_TOP_KEYS)),
            key_count=len(per_key),
        )
    return MailPlan(kind=MailKind.DIGEST, lines=lines, total=total)


def preview(value: str | None) -> str:
    """A value on one line, cut to ``VALUE_PREVIEW_CHARS`` (None shows as ``(none)``)."""
    if value is None:
        return "(none)"
    text = value.replace("\r", "\\r").replace("\n", "\\n")
    if len(text) > VALUE_PREVIEW_CHARS:
        return text[:VALUE_PREVIEW_CHARS] + "…"
    return text


def render_plan(
    plan: MailPlan, *, opened_at: datetime, closed_at: datetime, prefix: str, cooldown: float
) -> RenderedMail:
    """Subject and plain-text body of a digest or brake mail."""
    if not plan.sends_mail:
        raise ValueError(f"a {plan.kind} plan sends no mail")
    context = {
        "plan": plan,
        "lines": plan.lines,
        "opened_at": opened_at,
        "closed_at": closed_at,
        "cooldown_minutes": round(cooldown / 60),
        "more_keys": plan.key_count - len(plan.top_keys),
    }
    return render_mail(str(plan.kind), context, prefix=prefix)


def render_mail(template: str, context: dict, *, prefix: str) -> RenderedMail:
    """Render ``<template>_subject.txt`` and ``<template>_body.txt`` of the mail templates.

    The subject is folded to one line: a header with a line break would be refused by
    Django's mail classes (header injection).
    """
    subject = render_to_string(f"{TEMPLATE_DIR}/{template}_subject.txt", context)
    body = render_to_string(f"{TEMPLATE_DIR}/{template}_body.txt", context)
    return RenderedMail(subject=prefix + " ".join(subject.split()), body=body)
