"""S5 for e-mail: a sensitive value and a webhook secret never reach a mail (F16, F17).

The changes go the real way (manager, receiver, outbox, fan-out on the shared worker,
digest task) and the mails are read where they arrive: a real SMTP server. A non-sensitive
change in the same digest shows that values do get through when they may.
"""

import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from hub.models import EmailRule, WebhookEndpoint
from hub.redaction import PLACEHOLDER
from hub.webhooks.secrets import create_secret
from preferences.preferences import Section
from preferences.registries import global_preferences_registry
from preferences.types import StringPreference
from tasks import emails
from tests.support.smtp import to

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
WAIT = 60


@pytest.fixture
def api_token():
    """A sensitive global preference, registered in this (the writing) process only.

    The worker never needs the class: e-mails are built from Event rows, whose values
    the receiver already redacted.
    """
    registry = global_preferences_registry
    saved = {section: dict(by_name) for section, by_name in registry.items()}
    saved_sections = dict(registry.section_objects)

    @registry.register
    class ApiToken(StringPreference):
        section = Section("api")
        name = "token"
        default = ""
        sensitive = True

    yield "api__token"
    registry.clear()
    registry.update(saved)
    registry.section_objects.clear()
    registry.section_objects.update(saved_sections)


def assert_absent(secrets, *texts):
    for secret in secrets:
        for text in texts:
            assert secret not in text


def test_s5_sensitive_values_never_reach_a_digest(celery_worker, smtp_server, api_token):
    address = f"ops-{uuid.uuid4().hex[:8]}@example.com"
    EmailRule.objects.create(name="ops", recipients=[address], digest_window=1)
    secrets = [f"tok-{uuid.uuid4().hex}", f"tok-{uuid.uuid4().hex}"]
    manager = global_preferences_registry.manager()
    for secret in secrets:
        with transaction.atomic():
            manager[api_token] = secret
    with transaction.atomic():
        manager["user__max_users"] = 77

    [mail] = smtp_server.wait_for(to(address), timeout=WAIT)
    assert f"* api__token (global): {PLACEHOLDER} → {PLACEHOLDER}\n  2 times" in mail.body
    assert "* user__max_users (global): 100 → 77" in mail.body
    assert_absent(secrets, mail.raw.decode(errors="replace"), mail.body, mail.subject)
    assert_absent(secrets, celery_worker.log())


def test_s5_endpoint_disabled_mail_carries_no_secret(celery_worker, smtp_server):
    query_token = uuid.uuid4().hex
    endpoint = WebhookEndpoint.objects.create(
        url=f"https://hooks.example.com/in?token={query_token}",
        description=f"s5 {uuid.uuid4().hex[:8]}",
    )
    secret = create_secret(endpoint)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_reason="410 Gone", disabled_at=timezone.now()
    )
    emails.endpoint_disabled.delay(str(endpoint.pk)).get(timeout=WAIT)

    [mail] = smtp_server.wait_for(lambda mail: endpoint.description in mail.body, timeout=WAIT)
    assert "https://hooks.example.com/in" in mail.body
    secrets = [secret, secret.removeprefix("whsec_"), query_token]
    assert_absent(secrets, mail.raw.decode(errors="replace"), mail.body, mail.subject)
    assert_absent(secrets, celery_worker.log())
