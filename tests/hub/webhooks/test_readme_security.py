"""The README's webhook-security examples, run for real (F3, F5).

``verify_prefhub_webhook`` is the README's verification example, verbatim; it checks a
request that the hub signed (hub/webhooks/signing.py) and sent (hub/webhooks/transport.py)
to a real HTTP receiver, exactly as a user's endpoint would get it.
"""

import base64
import json
import random
import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from hub.webhooks.retries import DEFAULT_SCHEDULE, next_delay
from hub.webhooks.signing import signature_headers
from hub.webhooks.transport import DeliveryResult, send

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"fedcba9876543210fedcba9876543210").decode()


def verify_prefhub_webhook(body: bytes, headers: dict[str, str], secret: str) -> dict:
    """The event of a genuine Prefhub request; PermissionError for anything else.

    ``body`` is the raw request body; ``secret`` the endpoint's ``whsec_...`` secret.
    """
    try:
        return Webhook(secret).verify(body, headers)
    except WebhookVerificationError as error:
        raise PermissionError(f"Rejected webhook: {error}") from None  # answer 401


@pytest.fixture
def delivered(receiver, allow_loopback):
    """A real signed request as the receiver got it, signed with both rotation secrets."""
    event = {"type": "preference.updated", "data": {"identifier": "general__title"}}
    body = json.dumps(event, ensure_ascii=False).encode()
    headers = signature_headers("msg_readme", int(time.time()), body, [SECRET, OLD_SECRET])
    assert send(receiver.url, body, headers).is_success
    (request,) = receiver.requests
    return event, request


def test_f3_readme_verification_example_accepts_a_real_delivery(delivered):
    event, request = delivered
    assert verify_prefhub_webhook(request.body, request.headers, SECRET) == event
    assert verify_prefhub_webhook(request.body, request.headers, OLD_SECRET) == event


def test_s2_readme_verification_example_rejects_tampering(delivered):
    _, request = delivered
    tampered = request.body.replace(b"general__title", b"general__tit1e")
    with pytest.raises(PermissionError, match="Rejected webhook"):
        verify_prefhub_webhook(tampered, request.headers, SECRET)
    other = "whsec_" + base64.b64encode(bytes(32)).decode()
    with pytest.raises(PermissionError):
        verify_prefhub_webhook(request.body, request.headers, other)


def test_f5_readme_retry_example():
    busy = DeliveryResult(
        outcome="failure", status_code=429, response_body="", duration_ms=40, retry_after=30.0
    )
    rng = random.Random()
    assert all(
        60.0 <= next_delay(1, busy, schedule=DEFAULT_SCHEDULE, rng=rng) <= 72.0 for _ in range(200)
    )
