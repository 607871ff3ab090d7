"""Webhook secrets (hub/webhooks/secrets.py): format, encryption at rest, rotation (F4, S3)."""

import base64
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from hub.models import EndpointSecret, WebhookEndpoint
from hub.webhooks import replay
from hub.webhooks.secrets import (
    MAX_OLD_SECRETS,
    create_secret,
    generate_secret,
    rotate_secret,
    valid_secrets,
)
from tests.support.receiver import Receiver
from tests.support.webhook_endpoints import add_endpoint


def test_f4_secret_format_whsec_and_32_random_bytes():
    secrets = {generate_secret() for _ in range(100)}
    assert len(secrets) == 100
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32


@pytest.mark.django_db
def test_f4_secret_encrypted_at_rest():
    endpoint = WebhookEndpoint.objects.create(url="https://example.com/hook")
    secret = create_secret(endpoint)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed FROM hub_endpointsecret")
        (stored,) = cursor.fetchone()
    assert secret not in stored and secret.removeprefix("whsec_") not in stored
    assert valid_secrets(endpoint) == [secret]


@pytest.mark.django_db
def test_f4_rotation_keeps_old_secret_during_grace_only():
    endpoint = WebhookEndpoint.objects.create(url="https://example.com/hook")
    old = create_secret(endpoint)
    now = timezone.now()
    new = rotate_secret(endpoint, grace=timedelta(hours=24), now=now)
    assert valid_secrets(endpoint, now=now) == [new, old]
    assert valid_secrets(endpoint, now=now + timedelta(hours=23, minutes=59)) == [new, old]
    assert valid_secrets(endpoint, now=now + timedelta(hours=24)) == [new]


@pytest.mark.django_db
def test_f4_default_grace_is_24_hours():
    endpoint = WebhookEndpoint.objects.create(url="https://example.com/hook")
    create_secret(endpoint)
    before = timezone.now()
    rotate_secret(endpoint)
    old = EndpointSecret.objects.get(endpoint=endpoint, expires_at__isnull=False)
    assert timedelta(hours=24) <= old.expires_at - before < timedelta(hours=24, seconds=5)


@pytest.mark.django_db
def test_f4_at_most_ten_old_secrets_and_expired_ones_deleted():
    endpoint = WebhookEndpoint.objects.create(url="https://example.com/hook")
    create_secret(endpoint)
    now = timezone.now()
    for minute in range(15):
        rotate_secret(endpoint, now=now + timedelta(minutes=minute))
    assert endpoint.secrets.filter(expires_at__isnull=False).count() == MAX_OLD_SECRETS == 10
    assert endpoint.secrets.filter(expires_at__isnull=True).count() == 1
    rotate_secret(endpoint, grace=timedelta(0), now=now + timedelta(days=2))
    assert endpoint.secrets.count() == 1  # all others expired and were deleted


@pytest.mark.django_db
def test_f4_negative_grace_refused():
    endpoint = WebhookEndpoint.objects.create(url="https://example.com/hook")
    create_secret(endpoint)
    with pytest.raises(ValueError, match="grace"):
        rotate_secret(endpoint, grace=timedelta(seconds=-1))
    assert endpoint.secrets.count() == 1


@pytest.mark.django_db(transaction=True)
def test_s3_two_signatures_during_grace_one_after(webhook_worker):
    """The grace ends when the test says, not after a wall-clock wait that races delivery."""
    with Receiver() as receiver:
        endpoint, old = add_endpoint(receiver.url)
        new = rotate_secret(endpoint, grace=timedelta(hours=1))
        replay.send_test_event(endpoint)
        (during,) = receiver.wait_for_requests(1, timeout=20)
        # The hour passes: the old secret's grace is over.
        endpoint.secrets.filter(expires_at__isnull=False).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        replay.send_test_event(endpoint)
        _, after = receiver.wait_for_requests(2, timeout=20)

    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(during.body, during.headers)["type"] == "preference.ping"
    assert Webhook(new).verify(during.body, during.headers)["type"] == "preference.ping"
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert Webhook(new).verify(after.body, after.headers)["type"] == "preference.ping"
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after.body, after.headers)
