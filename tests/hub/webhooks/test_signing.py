"""hub/webhooks/signing.py against the published vector and the standardwebhooks library.

F3, S1, S2."""

import base64
import json
import random
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from hub.webhooks.signing import secret_key, sign, signature_headers

VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def random_secret(rng: random.Random) -> str:
    return "whsec_" + base64.b64encode(rng.randbytes(32)).decode()


def random_text(rng: random.Random, length: int) -> str:
    """Text across the planes: ASCII, accents, CJK, emoji, combining marks, RTL."""
    alphabet = 'aZ09 "\\\n\t{}éß中文😀🏳️‍🌈\u0301\u200d\u05d0\u0645\x00\x7f'
    return "".join(rng.choice(alphabet) for _ in range(length))


def random_payloads(rng: random.Random, count: int) -> list[bytes]:
    payloads = [b"", json.dumps({"blob": "x" * (1024 * 1024)}).encode()]
    while len(payloads) < count:
        value = random_text(rng, rng.randint(0, 300))
        data = {"type": "preference.updated", "data": {"value": value}}
        payloads.append(json.dumps(data, ensure_ascii=rng.random() < 0.5).encode())
    return payloads


def test_f3_published_vector_byte_for_byte():
    assert sign(VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY, [VECTOR_SECRET]) == VECTOR_SIGNATURE
    assert signature_headers(VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY, [VECTOR_SECRET]) == {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": "1614265330",
        "webhook-signature": VECTOR_SIGNATURE,
    }


def test_f3_vector_matches_the_library_signer():
    library = Webhook(VECTOR_SECRET).sign(
        VECTOR_ID, datetime.fromtimestamp(VECTOR_TIMESTAMP, tz=UTC), VECTOR_BODY.decode()
    )
    assert library == VECTOR_SIGNATURE


def test_s1_thousand_random_payloads_verify_with_standardwebhooks():
    rng = random.Random(20240611)
    now = int(time.time())
    payloads = random_payloads(rng, 1000)
    assert len(payloads) == 1000 and b"" in payloads and max(map(len, payloads)) > 1024 * 1024
    for index, body in enumerate(payloads):
        secret = random_secret(rng)
        msg_id = f"msg_{index}_{rng.getrandbits(64):x}"
        headers = signature_headers(msg_id, now, body, [secret])
        Webhook(secret).verify(body, headers, json_parse=False)
        library = Webhook(secret).sign(msg_id, datetime.fromtimestamp(now, tz=UTC), body.decode())
        assert headers["webhook-signature"] == library, f"payload {index} differs from the library"


def test_s1_every_secret_signs_during_rotation():
    rng = random.Random(7)
    old, new = random_secret(rng), random_secret(rng)
    now = int(time.time())
    headers = signature_headers("msg_rotation", now, b'{"a": 1}', [new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(b'{"a": 1}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(random_secret(rng)).verify(b'{"a": 1}', headers)


def signed_request(rng: random.Random) -> tuple[str, bytes, dict[str, str]]:
    secret = random_secret(rng)
    body = json.dumps({"type": "preference.updated", "data": {"new_value": "Prefhub"}}).encode()
    return secret, body, signature_headers("msg_s2", int(time.time()), body, [secret])


def test_s2_flipping_any_body_byte_fails_verification():
    rng = random.Random(2)
    secret, body, headers = signed_request(rng)
    Webhook(secret).verify(body, headers)
    for position in range(len(body)):
        tampered = bytearray(body)
        tampered[position] ^= 0x01  # stays ASCII, so only the signature can object
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(bytes(tampered), headers, json_parse=False)


@pytest.mark.parametrize("header", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_s2_changing_one_header_fails_verification(header):
    rng = random.Random(3)
    secret, body, headers = signed_request(rng)
    value = headers[header]
    # In the signature, change the first base64 character: all six of its bits are
    # signature bits (the last character also carries padding bits a decoder ignores).
    position = len("v1,") if header == "webhook-signature" else len(value) - 1
    flipped = value[:position] + ("A" if value[position] != "A" else "B") + value[position + 1 :]
    if header == "webhook-timestamp":
        flipped = str(int(value) - 1)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, {**headers, header: flipped})


def test_f4_secret_prefix_is_optional():
    bare = VECTOR_SECRET.removeprefix("whsec_")
    assert secret_key(bare) == secret_key(VECTOR_SECRET) == base64.b64decode(bare)
    assert sign(VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY, [bare]) == VECTOR_SIGNATURE


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        ([], "At least one webhook secret"),
        (["whsec_"], "empty"),
        (["whsec_not*base64!"], "not valid base64"),
    ],
)
def test_f4_unusable_secrets_are_refused_without_echoing_them(secrets, message):
    with pytest.raises(ValueError, match=message) as error:
        sign("msg_x", 1, b"{}", secrets)
    assert "not*base64" not in str(error.value)
