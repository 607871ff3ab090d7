"""R15: 50 changes in a minute, then 500 -> one digest per window per recipient list with
all keys; one "suppressed" mail past the brake (spec hub.md F16).

Every change goes the real way: the preference manager, the hub's receiver and outbox,
the fan-out on the shared worker, the e-mail dispatcher, and a real SMTP server. Two rules
with different recipients show the grouping: "ops" hears about everything, "product"
only about ``user__*``. The brake uses the default threshold (100 distinct changes).

How long the fan-out of 500 events takes depends on the machine, so the windows are an
hour long and the test ends each one itself once every change is filed: it moves the
open digests' due time into the past and lets the real beat sweeper task
(``hub.emails.sweep_due``) find and send them, as it does for a long window.
"""

import itertools
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from hub.conf import hub_settings
from hub.models import DigestEntry, EmailDigest, EmailRule
from preferences.registries import global_preferences_registry
from tasks import emails
from tests.support.polling import wait_until
from tests.support.smtp import to

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

WINDOW = 3600  # beyond half the visibility timeout: no countdown task, the sweeper sends
WAIT = 180  # the fan-out of 550 events on a loaded 2-core CI machine
serial = itertools.count(1)

# One value per write, never repeated, so that no two changes are identical.
VALUES = {
    "user__max_users": lambda: 100 + next(serial),
    "user__items_per_page": lambda: 1000 + next(serial),
    "type__cost": lambda: Decimal(next(serial)) / 100,
    "exam__duration": lambda: timedelta(minutes=next(serial)),
    "company__RegistrationDate": lambda: date(2000, 1, 1) + timedelta(days=next(serial)),
}
USER_KEYS = ["user__max_users", "user__items_per_page"]
OTHER_KEYS = ["type__cost", "exam__duration", "company__RegistrationDate"]


def write(plan):
    """Write ``count`` changes per key, each in its own transaction (as requests do)."""
    manager = global_preferences_registry.manager()
    for key, count in plan.items():
        for _ in range(count):
            with transaction.atomic():
                manager[key] = VALUES[key]()


def changes_listed(mail):
    return sum(1 for line in mail.body.splitlines() if line.startswith("* "))


def end_windows_once_filed(entries):
    """Wait until the fan-out has filed ``entries`` changes, then close the open windows.

    The digests become overdue by more than the sweeper's grace; the sweeper task, run
    by the worker, enqueues their digest tasks.
    """
    wait_until(lambda: DigestEntry.objects.count() >= entries, timeout=WAIT)
    past = timezone.now() - timedelta(seconds=hub_settings.EMAIL_DIGEST_SWEEP_GRACE + 1)
    EmailDigest.objects.filter(state="open").update(due_at=past)
    assert emails.sweep_due.apply_async(ignore_result=False).get(timeout=WAIT) == 2


@pytest.fixture
def lists(celery_worker, smtp_server):
    tag = uuid.uuid4().hex[:8]
    ops, product = f"ops-{tag}@example.com", f"product-{tag}@example.com"
    EmailRule.objects.create(name="ops", recipients=[ops], digest_window=WINDOW)
    EmailRule.objects.create(
        name="product", recipients=[product], patterns=["user__*"], digest_window=WINDOW
    )
    return ops, product


def test_r15_one_digest_per_window_per_list_then_one_brake_mail(lists, smtp_server):
    ops, product = lists

    started = time.monotonic()
    write({key: 10 for key in VALUES})  # 50 changes, 5 keys
    end_windows_once_filed(50 + 20)
    [ops_digest] = smtp_server.wait_for(to(ops), timeout=WAIT)
    [product_digest] = smtp_server.wait_for(to(product), timeout=WAIT)

    assert ops_digest.subject.startswith("[Prefhub] 50 preference changes: ")
    assert changes_listed(ops_digest) == 50
    assert all(f"* {key} (global): " in ops_digest.body for key in VALUES)
    assert product_digest.subject.startswith("[Prefhub] 20 preference changes: ")
    assert changes_listed(product_digest) == 20
    assert all(f"* {key} (global): " in product_digest.body for key in USER_KEYS)
    assert not any(key in product_digest.body for key in OTHER_KEYS)

    write({"type__cost": 230, "exam__duration": 230, "user__max_users": 40})  # 500 changes
    end_windows_once_filed(70 + 500 + 40)
    [_, brake] = smtp_server.wait_for(to(ops), count=2, timeout=WAIT)
    [_, product_second] = smtp_server.wait_for(to(product), count=2, timeout=WAIT)
    assert brake.subject == "[Prefhub] 500 preference changes suppressed (emergency brake)"
    assert "type__cost: 230" in brake.body and "exam__duration: 230" in brake.body
    assert changes_listed(product_second) == 40
    assert "* user__max_users (global): " in product_second.body

    wait_until(lambda: EmailDigest.objects.filter(state="sent").count() == 4, timeout=WAIT)
    assert len(smtp_server.wait_for(to(ops))) == 2
    assert len(smtp_server.wait_for(to(product))) == 2
    kinds = sorted(EmailDigest.objects.values_list("kind", flat=True))
    assert kinds == ["brake", "digest", "digest", "digest"]
    print(f"R15: 550 changes written, fanned out and mailed in {time.monotonic() - started:.1f}s")
