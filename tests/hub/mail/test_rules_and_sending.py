"""Admin e-mail service: rules, filing, windows, brake, SMTP retries (spec hub.md F9, F16, F17).

The service runs in the test process against the database and a real SMTP server
(aiosmtpd on loopback, ``smtp_server``); time is passed in as ``now`` instead of slept.
The Celery path is in tests/tasks/test_emails.py and tests/integration/.
"""

import json
import smtplib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from hub.mail import rules, sending
from hub.models import DigestEntry, EmailDigest, EmailRule, Event
from hub.models.endpoints import WebhookEndpoint
from hub.redaction import PLACEHOLDER
from preferences.sealing import seal
from tests.support.smtp import to

pytestmark = pytest.mark.django_db
OPS = "ops@example.com"


def event(identifier="general__title", old="Old", new="New", registry="global", **kw):
    section, _, name = identifier.rpartition("__")
    return Event.objects.create(
        registry=registry,
        section=section or None,
        name=name,
        identifier=identifier,
        old_value=old,
        new_value=new,
        version=kw.pop("version", 1),
        **kw,
    )


def rule(name="ops", **kw):
    return EmailRule.objects.create(name=name, **{"recipients": [OPS], **kw})


def send_when_due(digest, **offset):
    return sending.send_digest(digest.pk, now=digest.due_at + timedelta(**offset))


# -- rules -------------------------------------------------------------------------------


def test_f16_rule_with_a_bad_address_is_refused_naming_it():
    with pytest.raises(ValidationError) as caught:
        EmailRule.objects.create(name="bad", recipients=["ok@example.com", "not-an-address"])
    assert "Recipient 2 ('not-an-address') is not a valid e-mail address." in str(caught.value)
    assert not EmailRule.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("patterns", "general__*", "Patterns must be a JSON list of strings"),
        ("patterns", ["general__*", "two words"], "Pattern 2 ('two words')"),
        ("registries", ["global", " "], "Registry 2 is empty"),
        ("recipients", [7], "Recipients must be a JSON list of strings"),
        ("digest_window", -1, "greater than or equal to 0"),
    ],
)
def test_f16_rule_fields_are_validated(field, value, message):
    with pytest.raises(ValidationError) as caught:
        EmailRule.objects.create(name="bad", **{field: value})
    assert field in caught.value.message_dict
    assert message in " ".join(caught.value.message_dict[field])
    assert not EmailRule.objects.exists()


def test_f16_rules_match_by_glob_and_registry_and_only_when_active():
    wanted = rule("general", patterns=["general__*"], registries=["global"])
    rule("users-only", patterns=["general__*"], registries=["user"])
    rule("other-section", patterns=["misc__*"])
    rule("off", is_active=False)
    everything = rule("everything", recipients=["all@example.com"])
    matched = rules.matching_rules(event("general__title"))
    assert {r.pk for r in matched} == {wanted.pk, everything.pk}


def test_f16_empty_recipients_mean_the_admins_setting(settings):
    settings.ADMINS = ["root@example.com", "boss@example.com"]
    default = EmailRule.objects.create(name="default")
    [digest] = rules.record_change(event())
    assert default.resolved_recipients() == ("boss@example.com", "root@example.com")
    assert digest.recipients == ["boss@example.com", "root@example.com"]


def test_f16_no_recipients_and_no_admins_files_nothing(settings):
    settings.ADMINS = []
    EmailRule.objects.create(name="default")
    assert rules.record_change(event()) == []
    assert not DigestEntry.objects.exists()


def test_f16_only_preference_changes_are_mailed():
    rule()
    notice = Event.objects.create(kind=Event.Kind.ENDPOINT_DISABLED, data={"endpoint_id": "x"})
    assert rules.record_change(notice) == []
    assert not DigestEntry.objects.exists()


# -- filing and windows ------------------------------------------------------------------


def test_r11_filing_an_event_twice_adds_nothing():
    rule()
    change = event()
    assert len(rules.record_change(change)) == 1
    assert rules.record_change(change) == []
    assert DigestEntry.objects.count() == 1
    assert EmailDigest.objects.count() == 1


def test_f16_one_open_digest_per_recipient_list():
    rule("a", recipients=[OPS, "dev@example.com"])
    rule("b", recipients=["dev@example.com", OPS], patterns=["general__*"])
    rule("c", recipients=["other@example.com"])
    opened = rules.record_change(event())
    assert sorted(d.recipients for d in opened) == [
        ["dev@example.com", OPS],
        ["other@example.com"],
    ]
    assert rules.record_change(event("misc__colour")) == []
    assert DigestEntry.objects.count() == 5


def test_f16_window_comes_from_the_rule_or_the_hub_default(settings):
    settings.HUB = {"EMAIL_DIGEST_WINDOW": 42}
    now = timezone.now()
    rule("ruled", digest_window=5)
    rule("defaulted", recipients=["dev@example.com"])
    digests = {tuple(d.recipients): d for d in rules.record_change(event(), now=now)}
    assert digests[(OPS,)].due_at == now + timedelta(seconds=5)
    assert digests[("dev@example.com",)].due_at == now + timedelta(seconds=42)


def test_f16_digest_waits_for_its_window_then_mails_every_change(smtp_server):
    rule(digest_window=60)
    [digest] = rules.record_change(event("general__title", "Old", "New"))
    rules.record_change(event("general__title", "Old", "New", version=2))
    rules.record_change(event("misc__colour", "red", "blue", registry="user"))

    assert send_when_due(digest, seconds=-15) == pytest.approx(15)
    assert smtp_server.messages == []

    assert send_when_due(digest) == 0
    [mail] = smtp_server.wait_for(to(OPS))
    assert mail.rcpt_tos == (OPS,)
    assert mail.subject == "[Prefhub] 2 preference changes: general__title, misc__colour"
    assert "* general__title (global): Old → New\n  2 times" in mail.body
    assert "* misc__colour (user): red → blue" in mail.body
    digest.refresh_from_db()
    assert (digest.state, digest.kind, digest.change_count) == ("sent", "digest", 2)
    assert digest.entries.count() == 3


def test_f16_console_backend_prints_the_digest_readable(settings, capsys):
    """bin/run's default backend: the worker log shows the text, not quoted-printable."""
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    rule()
    long_title = "A site title long enough to push its digest line past 78 characters"
    [digest] = rules.record_change(event("general__title", "Old", long_title))

    send_when_due(digest)

    printed = capsys.readouterr().out
    assert "Content-Transfer-Encoding: 8bit" in printed
    assert f"* general__title (global): Old → {long_title}\n" in printed
    assert "=E2=86=92" not in printed


def test_f16_a_sent_digest_is_not_sent_again(smtp_server):
    rule()
    [digest] = rules.record_change(event())
    send_when_due(digest)
    send_when_due(digest, seconds=1)
    smtp_server.wait_for(to(OPS))
    assert len(smtp_server.messages) == 1


def test_f16_a_change_after_the_window_closed_opens_the_next_one(smtp_server):
    rule()
    [first] = rules.record_change(event("general__title"))
    send_when_due(first)
    [second] = rules.record_change(event("misc__colour"))
    assert second.pk != first.pk
    send_when_due(second)
    mails = smtp_server.wait_for(to(OPS), count=2)
    assert ["general__title" in m.subject for m in mails] == [True, False]
    assert "misc__colour" in mails[1].subject


def test_f16_closing_claims_entries_filed_while_open(smtp_server):
    # A filer that saw the digest open (its entry exists, the digest row was reused) is
    # mailed by that digest even though the digest was not the one it created.
    rule()
    [digest] = rules.record_change(event("general__title"))
    assert rules.record_change(event("misc__colour")) == []
    send_when_due(digest)
    [mail] = smtp_server.wait_for(to(OPS))
    assert "general__title" in mail.subject and "misc__colour" in mail.subject


# -- brake -------------------------------------------------------------------------------


def test_f16_brake_sends_one_suppressed_mail_then_stays_silent_for_the_cooldown(
    settings, smtp_server
):
    settings.HUB = {"EMAIL_BRAKE_THRESHOLD": 3, "EMAIL_BRAKE_COOLDOWN": 600}
    rule()

    def window(count, start, **offset):
        digests = [
            d
            for n in range(count)
            for d in rules.record_change(event(f"s__k{start + n}"), now=timezone.now())
        ]
        send_when_due(digests[0], **offset)
        return EmailDigest.objects.get(pk=digests[0].pk)

    storm = window(5, 0)
    [brake] = smtp_server.wait_for(to(OPS))
    assert brake.subject == "[Prefhub] 5 preference changes suppressed (emergency brake)"
    assert (storm.kind, storm.suppressed_count) == ("brake", 5)

    quiet = window(2, 10, seconds=1)
    assert (quiet.kind, quiet.suppressed_count, quiet.sent_at) == ("silent", 2, None)

    after = window(2, 20, seconds=601)
    assert after.kind == "digest"
    mails = smtp_server.wait_for(to(OPS), count=2)
    assert mails[1].subject == "[Prefhub] 2 preference changes: s__k20, s__k21"


# -- failures, leases, sweeping ----------------------------------------------------------


def test_f16_smtp_refusal_propagates_and_the_next_attempt_sends(smtp_server):
    rule()
    [digest] = rules.record_change(event())
    smtp_server.refuse_next(1)
    with pytest.raises(smtplib.SMTPDataError):
        send_when_due(digest)
    digest.refresh_from_db()
    assert (digest.state, digest.attempts, digest.last_error) == ("sending", 1, "SMTPDataError")
    assert digest.lease_until is None

    send_when_due(digest, seconds=5)
    smtp_server.wait_for(to(OPS))
    digest.refresh_from_db()
    assert (digest.state, digest.last_error, smtp_server.refused) == ("sent", "", 1)


def test_f16_a_held_lease_keeps_a_duplicate_task_from_sending(smtp_server):
    rule()
    [digest] = rules.record_change(event())
    due = digest.due_at
    EmailDigest.objects.filter(pk=digest.pk).update(
        state="sending", lease_until=due + sending.SEND_LEASE
    )
    assert sending.send_digest(digest.pk, now=due + timedelta(seconds=1)) == 0
    assert smtp_server.messages == []
    # The holder died: once its lease runs out, the sweeper finds it and it is sent.
    later = due + sending.SEND_LEASE + timedelta(seconds=1)
    assert sending.overdue_digest_ids(now=later) == [digest.pk]
    sending.send_digest(digest.pk, now=later)
    smtp_server.wait_for(to(OPS))


def test_f16_sweeper_finds_open_digests_past_due_and_grace(settings):
    settings.HUB = {"EMAIL_DIGEST_SWEEP_GRACE": 30}
    rule()
    [digest] = rules.record_change(event())
    assert sending.overdue_digest_ids(now=digest.due_at + timedelta(seconds=29)) == []
    assert sending.overdue_digest_ids(now=digest.due_at + timedelta(seconds=31)) == [digest.pk]


def test_f16_mark_failed_only_touches_a_digest_being_sent():
    rule()
    [digest] = rules.record_change(event())
    sending.mark_failed(digest.pk)
    assert EmailDigest.objects.get(pk=digest.pk).state == "open"
    EmailDigest.objects.filter(pk=digest.pk).update(state="sending")
    sending.mark_failed(digest.pk)
    assert EmailDigest.objects.get(pk=digest.pk).state == "failed"
    assert sending.overdue_digest_ids(now=digest.due_at + timedelta(days=1)) == []


# -- redaction ---------------------------------------------------------------------------


def test_f17_sensitive_change_is_mailed_redacted_never_unsealed(smtp_server):
    rule()
    secret_old, secret_new = "hunter2-old-Zq8", "hunter2-new-Zq8"
    sealed = seal(json.dumps({"old": secret_old, "new": secret_new}))
    change = event("api__token", PLACEHOLDER, PLACEHOLDER, sensitive=True, sealed_values=sealed)
    [digest] = rules.record_change(change)
    send_when_due(digest)
    [mail] = smtp_server.wait_for(to(OPS))
    assert f"api__token (global): {PLACEHOLDER} → {PLACEHOLDER}" in mail.body
    raw = mail.raw.decode(errors="replace")
    assert secret_old not in raw and secret_new not in raw and "Zq8" not in raw


# -- endpoint disabled (F9) --------------------------------------------------------------


def disabled_endpoint(**kw):
    return WebhookEndpoint.objects.create(
        url="https://user:pa55word@hooks.example.com/in/42?token=t0psecret",
        description="Billing sync",
        is_active=False,
        disabled_reason="410 Gone",
        disabled_at=timezone.now(),
        **kw,
    )


def test_f9_endpoint_disabled_mails_the_admins_once_with_a_sanitized_url(settings, smtp_server):
    settings.ADMINS = ["root@example.com"]
    endpoint = disabled_endpoint()
    assert sending.send_endpoint_disabled(str(endpoint.pk)) is True
    assert sending.send_endpoint_disabled(str(endpoint.pk)) is False
    [mail] = smtp_server.wait_for(to("root@example.com"))
    assert mail.subject == ("[Prefhub] Webhook endpoint disabled: https://hooks.example.com/in/42")
    assert "(Billing sync)" in mail.body and "Reason: 410 Gone" in mail.body
    raw = mail.raw.decode(errors="replace")
    assert "pa55word" not in raw and "t0psecret" not in raw
    assert len(smtp_server.messages) == 1


def test_f9_disabling_again_later_is_a_new_notice(settings, smtp_server):
    settings.ADMINS = ["root@example.com"]
    endpoint = disabled_endpoint()
    sending.send_endpoint_disabled(str(endpoint.pk))
    endpoint.disabled_at += timedelta(days=1)
    endpoint.save(update_fields=["disabled_at"])
    assert sending.send_endpoint_disabled(str(endpoint.pk)) is True
    smtp_server.wait_for(to("root@example.com"), count=2)


def test_f9_an_active_or_missing_endpoint_sends_nothing(smtp_server):
    endpoint = disabled_endpoint()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(disabled_at=None, is_active=True)
    assert sending.send_endpoint_disabled(str(endpoint.pk)) is False
    assert sending.send_endpoint_disabled("00000000-0000-0000-0000-000000000000") is False
    assert smtp_server.messages == []
