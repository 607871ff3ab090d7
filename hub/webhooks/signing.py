"""Standard Webhooks v1 request signing (F3, F4): pure functions over bytes.

The signature is ``v1,`` + base64(HMAC-SHA256(key, "<msg_id>.<timestamp>.<body>")) where
the key is the base64 part of a ``whsec_`` secret. During a rotation grace period (F4)
every valid secret signs, and the header carries one space-separated signature per
secret, so a receiver that still has the old secret and one that has the new both verify.
The output is checked byte for byte against the ``standardwebhooks`` library and the
published test vector (tests/hub/webhooks/test_signing.py).

We sign the body bytes exactly as they go on the wire instead of calling the library,
whose ``sign`` takes a ``str`` and a ``datetime``: a decode/encode round trip or a
timezone slip there would silently produce signatures no receiver accepts.
"""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 -- the format prefix, not a secret
SIGNATURE_VERSION = "v1"


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret (the prefix is optional).

    Raises ``ValueError`` for an empty or non-base64 secret; the message never contains
    the secret itself.
    """
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error:
        raise ValueError("Webhook secret is not valid base64 after the 'whsec_' prefix") from None
    if not key:
        raise ValueError("Webhook secret is empty")
    return key


def sign(msg_id: str, timestamp: int, body: bytes, secrets: Sequence[str]) -> str:
    """The ``webhook-signature`` header value: one ``v1,<base64>`` per secret, space-separated."""
    if not secrets:
        raise ValueError("At least one webhook secret is needed to sign a message")
    signed_content = f"{msg_id}.{int(timestamp)}.".encode() + body
    return " ".join(_signature(secret_key(secret), signed_content) for secret in secrets)


def signature_headers(
    msg_id: str, timestamp: int, body: bytes, secrets: Sequence[str]
) -> dict[str, str]:
    """The three Standard Webhooks headers for one request."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": sign(msg_id, timestamp, body, secrets),
    }


def _signature(key: bytes, signed_content: bytes) -> str:
    digest = hmac.new(key, signed_content, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"
