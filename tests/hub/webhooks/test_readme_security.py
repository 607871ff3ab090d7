"""The webhook-security examples of the docs, run for real (F3, F5, F11).

``verify_prefhub_webhook`` is the example of docs/webhooks/signatures.md, verbatim; it
checks a request that the hub signed (hub/webhooks/signing.py) and sent
(hub/webhooks/transport.py) to a real HTTP receiver, exactly as a user's endpoint would get
it. The retry example is docs/webhooks/retries.md's; the allowlist examples are those of
docs/webhooks/outbound-guard.md, the ``HUB_SETTINGS`` one read from the page itself.
"""

import base64
import json
import os
import random
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from hub.webhooks.outbound_guard import current_allowlist, validate_url
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
    assert all(
        60.0 <= next_delay(1, busy, schedule=DEFAULT_SCHEDULE, rng=random.Random()) <= 72.0
        for _ in range(200)
    )


def test_f11_docs_allowlist_example(settings):
    # docs/webhooks/outbound-guard.md, verbatim:
    HUB = {
        "OUTBOUND_ALLOWLIST": [
            "10.20.0.0/16",  # a private network
            "fd00:1::/64",  # an IPv6 unique-local network
            "hooks.internal",  # this name, whatever it resolves to
        ],
    }
    settings.HUB = HUB

    assert validate_url("http://10.20.30.40/hook")
    assert validate_url("http://[fd00:1::5]/hook")
    assert current_allowlist().hosts == {"hooks.internal"}


ROOT = Path(__file__).resolve().parents[3]
ACCEPTS_LOOPBACK = """
import django
django.setup()
from hub.webhooks.exceptions import InvalidEndpointURL
from hub.webhooks.outbound_guard import validate_url
try:
    validate_url("http://127.0.0.1:9000/hook")
except InvalidEndpointURL:
    print("refused")
else:
    print("accepted")
"""


def bin_run_environment_example() -> str:
    """The ``HUB_SETTINGS=... bin/run`` line of docs/webhooks/outbound-guard.md."""
    page = (ROOT / "docs/webhooks/outbound-guard.md").read_text()
    (line,) = [line for line in page.splitlines() if line.startswith("HUB_SETTINGS=")]
    return line


def site_judges_loopback(extra_env: dict[str, str]) -> str:
    """What this repository's own settings (config/settings.py) make of a loopback URL."""
    env = {k: v for k, v in os.environ.items() if k != "HUB_SETTINGS"}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", **extra_env}
    result = subprocess.run(
        [sys.executable, "-c", ACCEPTS_LOOPBACK],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def test_f11_docs_hub_settings_example_opens_loopback_for_bin_run():
    *assignments, command = shlex.split(bin_run_environment_example())
    assert command == "bin/run"
    assert bin_run_environment_example() in (ROOT / "README.md").read_text()
    environment = dict(assignment.split("=", 1) for assignment in assignments)

    assert site_judges_loopback({}) == "refused"
    assert site_judges_loopback(environment) == "accepted"
