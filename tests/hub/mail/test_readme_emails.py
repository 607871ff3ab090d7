"""The examples of docs/emails.md, run as written (spec hub.md F16, F17)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.mailers import mailer_from_url
from hub.conf import DEFAULTS
from hub.mail import rules
from hub.mail.digest import Change, plan_mail, render_plan
from hub.models import EmailRule, Event
from hub.redaction import PLACEHOLDER

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_f16_readme_rules_in_code(settings):
    settings.ADMINS = ["root@example.com"]
    # docs/emails.md, "Rules" example, verbatim:
    EmailRule.objects.create(
        name="Site settings",
        patterns=["general__*", "user__registration_allowed"],
        registries=["global"],
        recipients=["ops@example.com", "cto@example.com"],
        digest_window=120,
    )
    # No recipients: the people listed in settings.ADMINS hear about every user preference.
    EmailRule.objects.create(name="User preferences", registries=["user"])

    def filed(identifier, registry):
        event = Event.objects.create(registry=registry, identifier=identifier, name="x")
        return sorted(d.recipients for d in rules.record_change(event))

    assert filed("general__title", "global") == [["cto@example.com", "ops@example.com"]]
    assert filed("misc__colour", "user") == [["root@example.com"]]
    assert filed("user__max_users", "global") == []
    with pytest.raises(ValidationError, match="Pattern 1"):
        EmailRule.objects.create(name="typo", patterns=["general __*"])


def test_f16_readme_digest_example():
    changes = [
        Change("e1", "general__title", "global", "Old", "New", T0 + timedelta(seconds=5)),
        Change(
            "e2", "misc__colour", "user", "red", "blue", T0 + timedelta(seconds=31),
            owner="auth.user #7", actor="alice",
        ),
        Change("e3", "general__title", "global", "Old", "New", T0 + timedelta(seconds=70)),
    ]  # fmt: skip
    with timezone.override("UTC"):
        mail = render_plan(
            plan_mail(changes, threshold=100, brake_engaged=False),
            opened_at=T0,
            closed_at=T0 + timedelta(seconds=120),
            prefix="[Prefhub] ",
            cooldown=3600,
        )
    # docs/emails.md, digest example, verbatim:
    assert mail.subject == "[Prefhub] 2 preference changes: general__title, misc__colour"
    assert mail.body.startswith(
        "Preferences changed between 2025-03-01 12:00:00 +0000 and 2025-03-01 12:02:00 +0000:\n"
        "\n"
        "* general__title (global): Old → New\n"
        "  2 times, last 2025-03-01 12:01:10 +0000\n"
        "* misc__colour (user, auth.user #7): red → blue\n"
        "  at 2025-03-01 12:00:31 +0000 by alice\n"
    )


def test_f16_readme_brake_subject_and_settings():
    changes = [
        Change(f"e{n}", f"s__k{n}", "global", "a", "b", T0 + timedelta(seconds=n))
        for n in range(500)
    ]
    mail = render_plan(
        plan_mail(changes, threshold=100, brake_engaged=False),
        opened_at=T0,
        closed_at=T0 + timedelta(seconds=300),
        prefix="[Prefhub] ",
        cooldown=3600,
    )
    assert mail.subject == "[Prefhub] 500 preference changes suppressed (emergency brake)"
    # docs/emails.md, settings example, verbatim (the documented values are the defaults):
    HUB = {
        "EMAIL_DIGEST_WINDOW": 300,  # seconds
        "EMAIL_BRAKE_THRESHOLD": 100,  # distinct changes per window and recipient list
        "EMAIL_BRAKE_COOLDOWN": 3600,  # seconds of silence after a brake mail
        "EMAIL_DIGEST_SWEEP_GRACE": 60,  # a digest this late is re-sent by the sweeper
        "EMAIL_SUBJECT_PREFIX": "[Prefhub] ",
    }
    assert {key: DEFAULTS[key] for key in HUB} == HUB


@pytest.mark.parametrize(
    ("url", "backend", "options"),
    [
        ("consolemail://", "console", None),
        ("smtp://127.0.0.1:1025", "smtp", {"host": "127.0.0.1", "port": 1025}),
        (
            "smtp+tls://user:password@smtp.example.com:587",
            "smtp",
            {"host": "smtp.example.com", "port": 587, "username": "user",
             "password": "password", "use_tls": True},
        ),
        (
            "smtp+ssl://user:password@smtp.example.com:465",
            "smtp",
            {"host": "smtp.example.com", "port": 465, "username": "user",
             "password": "password", "use_ssl": True},
        ),
        (
            "smtp://mail.example.com:587?tls=True&timeout=10",
            "smtp",
            {"host": "mail.example.com", "port": 587, "use_tls": True, "timeout": 10.0},
        ),
    ],
)  # fmt: skip
def test_f16_readme_email_url_examples(url, backend, options):
    mailer = mailer_from_url(url)
    assert mailer["BACKEND"] == f"django.core.mail.backends.{backend}.EmailBackend"
    assert mailer.get("OPTIONS") == options


def test_f16_email_url_with_an_unknown_option_is_refused():
    with pytest.raises(ValueError, match=r"unsupported option.*tlz"):
        mailer_from_url("smtp://mail.example.com:587?tlz=True")


def test_f16_email_url_mailer_sends_through_a_real_smtp_server(smtp_session_server, settings):
    smtp_session_server.clear()
    settings.MAILERS = {"default": mailer_from_url(f"{smtp_session_server.url}?timeout=5")}
    mail.send_mail("Hello", "Body", "hub@example.com", ["ops@example.com"])
    [received] = smtp_session_server.messages
    assert received.rcpt_tos == ("ops@example.com",)


def test_f17_readme_redacted_line():
    change = Change("e1", "api__token", "global", PLACEHOLDER, PLACEHOLDER, T0)
    mail = render_plan(
        plan_mail([change], threshold=100, brake_engaged=False),
        opened_at=T0,
        closed_at=T0,
        prefix="",
        cooldown=0,
    )
    # docs/emails.md, redaction example, verbatim:
    assert "* api__token (global): [redacted] → [redacted]\n" in mail.body
