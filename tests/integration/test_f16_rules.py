"""F16 end to end: rules choose who hears about which change; no recipients means ADMINS.

Real writes (global and per-user preferences) go through the receiver, outbox and fan-out
on the shared worker; digests arrive at a real SMTP server after a one-second window.
"""

import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from hub.mail.digest import normalize_recipients
from hub.models import EmailDigest, EmailRule
from preferences.registries import global_preferences_registry
from tests.support.smtp import to

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
WAIT = 60


def test_f16_rules_match_by_pattern_and_registry_and_default_to_admins(celery_worker, smtp_server):
    tag = uuid.uuid4().hex[:8]
    ops, muted = f"ops-{tag}@example.com", f"muted-{tag}@example.com"
    EmailRule.objects.create(
        name="global user settings", patterns=["user__*"], registries=["global"],
        recipients=[ops], digest_window=1,
    )  # fmt: skip
    EmailRule.objects.create(name="user preferences", registries=["user"], digest_window=1)
    EmailRule.objects.create(name="switched off", recipients=[muted], is_active=False)
    alice = User.objects.create_user(f"alice-{tag}")

    with transaction.atomic():
        global_preferences_registry.manager()["user__max_users"] = 5
    with transaction.atomic():
        global_preferences_registry.manager()["type__cost"] = Decimal(3)
    with transaction.atomic():
        alice.preferences["misc__favourite_colour"] = "Blue"

    [ops_mail] = smtp_server.wait_for(to(ops), timeout=WAIT)
    assert ops_mail.subject == "[Prefhub] 1 preference change: user__max_users"
    assert "* user__max_users (global): 100 → 5" in ops_mail.body

    def about_alice(mail):
        return "misc__favourite_colour" in mail.subject

    [admins_mail] = smtp_server.wait_for(about_alice, timeout=WAIT)
    assert admins_mail.rcpt_tos == normalize_recipients(settings.ADMINS)
    assert f"* misc__favourite_colour (user, auth.user #{alice.pk}): Green → Blue" in (
        admins_mail.body
    )
    assert "type__cost" not in ops_mail.body + admins_mail.body

    assert sorted(EmailDigest.objects.values_list("recipients", flat=True)) == sorted(
        [[ops], list(normalize_recipients(settings.ADMINS))]
    )
    assert not [mail for mail in smtp_server.messages if muted in mail.rcpt_tos]
