"""E-mail tasks on a real Celery worker mailing a real SMTP server (spec hub.md F9, F16).

The shared worker (``celery_worker``) mails through ``smtp_session_server``; each test
uses its own recipient address so that mail from other tests never counts here.
"""

import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from hub.mail import rules
from hub.mail.digest import normalize_recipients
from hub.models import EmailDigest, EmailRule, Event
from hub.models.endpoints import WebhookEndpoint
from tasks import emails
from tests.support.smtp import to

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
WAIT = 30


@pytest.fixture
def mailbox(celery_worker, smtp_server):
    return smtp_server


@pytest.fixture
def address():
    return f"ops-{uuid.uuid4().hex[:8]}@example.com"


def eventually(read, *, timeout=WAIT, interval=0.2):
    """Poll ``read()`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while (value := read()) is None or value is False or value == []:
        if time.monotonic() > deadline:
            raise AssertionError(f"still {value!r} after {timeout}s")
        time.sleep(interval)
    return value


def change(identifier="general__title", old="Old", new="New", version=1):
    return Event.objects.create(
        registry="global",
        identifier=identifier,
        name=identifier.rpartition("__")[2],
        old_value=old,
        new_value=new,
        version=version,
    )


def test_f16_dispatch_schedules_the_digest_at_the_end_of_its_window(mailbox, address):
    EmailRule.objects.create(name="ops", recipients=[address], digest_window=2)
    started = time.monotonic()
    emails.dispatch(change("general__title", "Old", "New"))
    emails.dispatch(change("misc__colour", "red", "blue"))
    [mail] = mailbox.wait_for(to(address), timeout=WAIT)
    assert time.monotonic() - started >= 1.5
    assert mail.subject == "[Prefhub] 2 preference changes: general__title, misc__colour"
    assert "* misc__colour (global): red → blue" in mail.body
    digest = eventually(lambda: EmailDigest.objects.filter(state="sent").first())
    assert (digest.kind, digest.change_count) == ("digest", 2)


def test_r11_dispatch_twice_mails_once(mailbox, address):
    EmailRule.objects.create(name="ops", recipients=[address], digest_window=1)
    event = change()
    emails.dispatch(event)
    emails.dispatch(event)
    mailbox.wait_for(to(address))
    eventually(lambda: EmailDigest.objects.filter(state="sent").exists())
    # One digest, now sent: there is nothing left that could mail this change again.
    assert EmailDigest.objects.count() == 1
    assert len(mailbox.wait_for(to(address))) == 1


def test_f16_digest_task_retries_smtp_refusals_with_backoff(mailbox, address):
    EmailRule.objects.create(name="ops", recipients=[address], digest_window=0)
    mailbox.refuse_next(2)
    emails.dispatch(change())
    [mail] = mailbox.wait_for(to(address), timeout=WAIT)
    assert mailbox.refused == 2
    digest = eventually(lambda: EmailDigest.objects.filter(state="sent").first())
    assert (digest.attempts, digest.last_error) == (2, "")
    assert "general__title" in mail.subject


def test_f16_out_of_retries_marks_the_digest_failed():
    # The hook Celery calls once autoretry gives up; exercised directly because a real
    # run would need the whole backoff schedule (minutes).
    EmailRule.objects.create(name="ops", recipients=["ops@example.com"])
    [digest] = rules.record_change(change())
    EmailDigest.objects.filter(pk=digest.pk).update(state="sending")
    emails.digest_task.on_failure(OSError("refused"), "task-id", (digest.pk,), {}, None)
    assert EmailDigest.objects.get(pk=digest.pk).state == "failed"


def test_f16_sweeper_sends_a_digest_whose_task_was_lost(mailbox, address):
    EmailRule.objects.create(name="ops", recipients=[address])
    [digest] = rules.record_change(change(), now=timezone.now() - timedelta(hours=1))
    assert emails.sweep_due.apply_async(ignore_result=False).get(timeout=WAIT) == 1
    mailbox.wait_for(to(address))
    assert eventually(lambda: EmailDigest.objects.get(pk=digest.pk).state == "sent")


def test_f9_endpoint_disabled_task_mails_the_admins_once(mailbox):
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.com/in?sig=s3cr3t",
        description=f"test {uuid.uuid4().hex[:8]}",
        is_active=False,
        disabled_reason="failing since 5 days",
        disabled_at=timezone.now(),
    )
    first = emails.endpoint_disabled.delay(str(endpoint.pk))
    second = emails.endpoint_disabled.delay(str(endpoint.pk))
    first.get(timeout=WAIT), second.get(timeout=WAIT)

    def about_endpoint(mail):
        return endpoint.description in mail.body

    [mail] = mailbox.wait_for(about_endpoint)
    assert mail.subject == "[Prefhub] Webhook endpoint disabled: https://hooks.example.com/in"
    assert "s3cr3t" not in mail.raw.decode(errors="replace")
    assert mail.rcpt_tos == normalize_recipients(settings.ADMINS)


@pytest.mark.django_db
@pytest.mark.parametrize(("window", "scheduled"), [(60, 1), (1800, 1), (7200, 0)])
def test_f16_windows_past_half_the_visibility_timeout_are_left_to_the_sweeper(
    window, scheduled, django_capture_on_commit_callbacks
):
    # A countdown beyond the visibility timeout would be redelivered early (F5); the
    # default timeout in tests is the hub's 3600 s.
    EmailRule.objects.create(name="ops", recipients=["ops@example.com"], digest_window=window)
    with django_capture_on_commit_callbacks() as callbacks:
        emails.dispatch(change())
    assert len(callbacks) == scheduled
    assert EmailDigest.objects.get().state == "open"
