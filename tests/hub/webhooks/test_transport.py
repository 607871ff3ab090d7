"""hub/webhooks/transport.py and connect_guard.py against real HTTP receivers on loopback.

F6 (HTTP rules, pooled client), R9 (redirects), R10 (timeouts), S6 at connect time (after
DNS), S8 (hostile responses). Loopback is allow-listed only in the tests that send to a
receiver (``allow_loopback``); the guard tests run with it closed.
"""

import contextlib
import ipaddress
import multiprocessing
import socket
import ssl
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

import hub
from hub.webhooks import outbound_guard, transport
from hub.webhooks.transport import get_client, parse_retry_after, sanitize_url, send, user_agent
from tests.support.ports import free_port
from tests.support.receiver import Receiver, Reply

BODY = b'{"type": "preference.updated"}'
MAX_BODY = 20 * 1024


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def send_measuring_memory(url: str) -> tuple[transport.DeliveryResult, int, float]:
    """``send`` while a thread samples this process's RSS; (result, peak growth, seconds)."""
    baseline, peak, done = rss_bytes(), [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_bytes())
            done.wait(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    try:
        result = send(url, BODY, {})
    finally:
        elapsed = time.monotonic() - started
        done.set()
        sampler.join()
    return result, max(peak[0], rss_bytes()) - baseline, elapsed


@pytest.fixture
def fake_dns(monkeypatch):
    answers: dict[str, list[str]] = {}
    real_resolve = outbound_guard.resolve
    monkeypatch.setattr(
        outbound_guard, "resolve", lambda host, port: answers.get(host) or real_resolve(host, port)
    )
    return answers


# F6: what a request looks like and how answers are classified.


def test_f6_posts_the_body_and_headers_with_the_hub_user_agent(receiver, allow_loopback):
    result = send(receiver.url, BODY, {"webhook-id": "msg_1", "X-Tenant": "blue"})
    assert result.outcome == "success" and result.is_success
    assert (result.status_code, result.response_body) == (200, "ok")
    assert result.error_class == ""
    (request,) = receiver.requests
    assert (request.method, request.path, request.body) == ("POST", "/hook", BODY)
    assert request.headers["webhook-id"] == "msg_1"
    assert request.headers["x-tenant"] == "blue"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == user_agent() == f"Prefhub-Hub/{hub.__version__}"
    assert request.headers["accept-encoding"] == "identity"


def test_f6_duration_is_the_round_trip_to_the_receiver(receiver, allow_loopback):
    receiver.script(Reply(delay=0.3))
    started = time.monotonic()
    result = send(receiver.url, BODY, {})
    elapsed_ms = (time.monotonic() - started) * 1000
    assert 300 <= result.duration_ms <= elapsed_ms + 1  # whole milliseconds, rounded


@pytest.mark.parametrize("status", [201, 204, 299])
def test_f6_every_2xx_is_success(receiver, allow_loopback, status):
    receiver.script(Reply(status=status, body=b""))
    assert send(receiver.url, BODY, {}).outcome == "success"


@pytest.mark.parametrize("status", [400, 401, 404, 500, 502, 503])
def test_f6_other_statuses_are_failures_with_their_body(receiver, allow_loopback, status):
    receiver.script(Reply(status=status, body=b"nope"))
    result = send(receiver.url, BODY, {})
    assert (result.outcome, result.status_code, result.response_body) == ("failure", status, "nope")
    assert not result.is_gone


def test_f6_410_gone_is_reported(receiver, allow_loopback):
    receiver.script(Reply(status=410, body=b"gone"))
    result = send(receiver.url, BODY, {})
    assert (result.outcome, result.is_gone) == ("failure", True)


def test_f5_retry_after_seconds_is_read(receiver, allow_loopback):
    receiver.script(Reply.retry_after(7))
    result = send(receiver.url, BODY, {})
    assert (result.status_code, result.retry_after) == (429, 7.0)


def test_f5_retry_after_http_date_is_read(receiver, allow_loopback):
    when = datetime.now(UTC) + timedelta(seconds=120)
    receiver.script(Reply.retry_after(format_datetime(when, usegmt=True), status=503))
    assert 115 <= send(receiver.url, BODY, {}).retry_after <= 121


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", 30.0),
        (" 0 ", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 60.0),
        ("Wed, 21 Oct 2015 07:26:00 GMT", 0.0),
        ("Wed, 21 Oct 2015 07:28:30 -0000", 90.0),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("", None),
        (None, None),
    ],
)
def test_f5_parse_retry_after(value, expected):
    now = datetime(2015, 10, 21, 7, 27, tzinfo=UTC).timestamp()
    assert parse_retry_after(value, now=now) == expected


def test_f6_one_pooled_client_keeps_the_connection_alive(receiver, allow_loopback):
    assert get_client() is get_client()
    for _ in range(3):
        assert send(receiver.url, BODY, {}).outcome == "success"
    assert len(receiver.requests) == 3
    assert receiver.connections == 1


def child_sends(parent_client_id: int, url: str, results) -> None:
    client = get_client()
    results.put((id(client) != parent_client_id, send(url, BODY, {}).outcome))


def test_f6_forked_child_builds_its_own_client(receiver, allow_loopback):
    parent = get_client()
    send(receiver.url, BODY, {})
    results = multiprocessing.get_context("fork").SimpleQueue()
    child = multiprocessing.get_context("fork").Process(
        target=child_sends, args=(id(parent), receiver.url, results)
    )
    child.start()
    child.join(timeout=30)
    assert results.get() == (True, "success")
    assert receiver.connections == 2  # the child did not reuse the parent's socket
    assert send(receiver.url, BODY, {}).outcome == "success"  # the parent's pool still works


def test_f6_connection_refused_is_an_error(allow_loopback):
    result = send(f"http://127.0.0.1:{free_port()}/hook", BODY, {})
    assert (result.outcome, result.error_class, result.status_code) == (
        "error",
        "ConnectError",
        None,
    )


def test_f6_unresolvable_name_is_an_error():
    result = send("http://hooks.does-not-exist.invalid/hook", BODY, {})
    assert result.outcome == "error"
    assert "does not resolve" in result.error_message


def test_f6_connect_timeout(settings, allow_loopback):
    settings.HUB = {**settings.HUB, "WEBHOOK_CONNECT_TIMEOUT": 1.0}
    with socket.socket() as listener, socket.socket() as first:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        first.connect(listener.getsockname())  # fills the backlog: later SYNs go unanswered
        started = time.monotonic()
        result = send(f"http://127.0.0.1:{listener.getsockname()[1]}/hook", BODY, {})
    assert (result.outcome, result.error_class) == ("timeout", "ConnectTimeout")
    assert 0.9 <= time.monotonic() - started < 2.0


# R9: redirects are never followed.


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_r9_redirect_is_a_failure_and_never_followed(receiver, allow_loopback, status):
    with Receiver() as second:
        receiver.script(Reply.redirect(second.url, status=status))
        result = send(receiver.url, BODY, {})
    assert (result.outcome, result.status_code) == ("failure", status)
    assert second.requests == [] and second.connections == 0


def test_s6_redirect_to_loopback_is_not_followed(receiver, settings):
    settings.HUB = {"OUTBOUND_ALLOWLIST": ["127.0.0.1"]}
    with Receiver("127.0.0.2") as internal:
        receiver.script(Reply.redirect(internal.url))
        result = send(receiver.url, BODY, {})
    assert (result.outcome, result.status_code) == ("failure", 302)
    assert internal.connections == 0


# S6 at connect time: the address actually connected to is checked after DNS.


def test_s6_name_resolving_to_loopback_is_blocked_at_connect_time(receiver, settings):
    url = f"http://localhost:{receiver.port}/hook"
    result = send(url, BODY, {})
    assert (result.outcome, result.error_class) == ("blocked", "BlockedAddress")
    assert "127.0.0.1" in result.error_message
    assert receiver.connections == 0
    # The same request goes through once loopback is allow-listed: the block was the guard.
    settings.HUB = {"OUTBOUND_ALLOWLIST": ["127.0.0.1"]}
    assert send(url, BODY, {}).outcome == "success"
    assert receiver.connections == 1


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "2130706433", "0x7f.1", "127.1", "[::ffff:127.0.0.1]"],
)
def test_s6_literal_loopback_in_any_spelling_is_blocked_at_connect_time(receiver, host):
    result = send(f"http://{host}:{receiver.port}/hook", BODY, {})
    assert result.outcome == "blocked"
    assert receiver.connections == 0


@pytest.mark.parametrize(
    "address",
    [
        "::ffff:0:7f00:1",  # IPv4-translated 127.0.0.1
        "::ffff:0:a9fe:a9fe",  # IPv4-translated 169.254.169.254
        "::ffff:a9fe:a9fe",  # IPv4-mapped
        "::a9fe:a9fe",  # IPv4-compatible
        "2002:a9fe:a9fe::1",  # 6to4
        "2001:0:a9fe:a9fe::f7f7:f7f7",  # Teredo, metadata server
        "2001:0:808:808::80ff:fffe",  # Teredo, loopback client
        "64:ff9b::a9fe:a9fe",  # NAT64 well-known prefix
        "64:ff9b:1::a9fe:a9fe",  # NAT64 local-use
    ],
)
def test_s6_ipv6_embedding_a_non_global_ipv4_is_blocked_at_connect_time(address, fake_dns):
    # Literally in a stored URL (saved before the guard knew the range) and as a DNS answer.
    fake_dns["embedded.example.com"] = [address]
    for url in (f"http://[{address}]:8000/hook", "http://embedded.example.com:8000/hook"):
        result = send(url, BODY, {})
        assert (result.outcome, result.error_class) == ("blocked", "BlockedAddress"), url
        assert str(ipaddress.ip_address(address)) in result.error_message


def test_f6_ipv6_receiver_reached_when_allowed(allow_loopback):
    with Receiver("::1") as receiver:
        assert send(receiver.url, BODY, {}).outcome == "success"
        assert receiver.requests[0].body == BODY


def test_s6_ipv6_loopback_is_blocked_at_connect_time():
    with Receiver("::1") as receiver:
        result = send(receiver.url, BODY, {})
        assert result.outcome == "blocked"
        assert receiver.connections == 0


def test_s6_dns_rebinding_after_save_is_caught(receiver, fake_dns):
    fake_dns["rebind.example.com"] = ["93.184.216.34"]
    url = f"http://rebind.example.com:{receiver.port}/hook"
    assert outbound_guard.validate_url(url) == url
    fake_dns["rebind.example.com"] = ["127.0.0.1"]  # the name's answer changes later
    result = send(url, BODY, {})
    assert result.outcome == "blocked"
    assert "rebind.example.com (resolves to 127.0.0.1)" in result.error_message
    assert receiver.connections == 0


def test_s6_connects_to_the_checked_address_keeping_the_host_header(receiver, settings, fake_dns):
    settings.HUB = {"OUTBOUND_ALLOWLIST": ["hooks.example.com"]}
    fake_dns["hooks.example.com"] = ["127.0.0.1"]
    assert send(f"http://hooks.example.com:{receiver.port}/hook", BODY, {}).is_success
    assert receiver.requests[0].headers["host"] == f"hooks.example.com:{receiver.port}"


def test_s6_tls_sni_carries_the_name_not_the_address(settings, fake_dns, tmp_path):
    settings.HUB = {"OUTBOUND_ALLOWLIST": ["tls.example.com"]}
    fake_dns["tls.example.com"] = ["127.0.0.1"]
    with TLSListener(tmp_path) as listener:
        result = send(f"https://tls.example.com:{listener.port}/hook", BODY, {})
    assert listener.server_names == ["tls.example.com"]
    # Our self-signed certificate is rightly refused; the handshake still showed the SNI.
    assert result.outcome == "error"
    assert "CERTIFICATE_VERIFY_FAILED" in result.error_message


def test_s6_userinfo_in_a_stored_url_is_refused_before_connecting(receiver, allow_loopback):
    result = send(f"http://user:secret@127.0.0.1:{receiver.port}/hook", BODY, {})
    assert (result.outcome, result.error_class) == ("blocked", "InvalidEndpointURL")
    assert "secret" not in result.error_message
    assert receiver.connections == 0


# R10: the total timeout is a hard deadline.


def test_r10_silent_and_trickling_receivers_end_within_the_total_timeout(allow_loopback):
    """Both at the default 15 s, in parallel: one never answers, one sends 1 byte/s."""
    outcomes: dict[str, tuple[transport.DeliveryResult, float]] = {}

    def attempt(name: str, url: str) -> None:
        started = time.monotonic()
        outcomes[name] = (send(url, BODY, {}), time.monotonic() - started)

    with (
        Receiver(default=Reply(behaviour="hang")) as silent,
        Receiver(default=Reply(behaviour="trickle", interval=1.0, body=b"x" * 100)) as trickle,
    ):
        threads = [
            threading.Thread(target=attempt, args=(name, receiver.url))
            for name, receiver in (("silent", silent), ("trickle", trickle))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    for name in ("silent", "trickle"):
        result, elapsed = outcomes[name]
        assert result.outcome == "timeout", name
        assert 14.5 <= elapsed <= 16.0, (name, elapsed)
        assert result.error_class == "ReadTimeout"


def test_r10_trickled_body_after_the_status_is_a_timeout_too(settings, allow_loopback):
    settings.HUB = {**settings.HUB, "WEBHOOK_TOTAL_TIMEOUT": 2.0}
    with Receiver(default=Reply(behaviour="trickle_body", interval=0.05, body=b"y" * 200)) as slow:
        started = time.monotonic()
        result = send(slow.url, BODY, {})
    assert (result.outcome, result.status_code) == ("timeout", 200)
    assert 1.9 <= time.monotonic() - started <= 3.0


# S8: hostile response bodies.


def test_s8_100_mb_body_is_cut_at_20_kb(allow_loopback):
    with Receiver(default=Reply(behaviour="huge", size=100 * 1024 * 1024)) as hostile:
        result, growth, elapsed = send_measuring_memory(hostile.url)
    assert result.outcome == "success"
    assert result.response_body == "x" * MAX_BODY
    assert growth < 50 * 1024 * 1024
    assert elapsed < 15


def test_s8_gzip_bomb_is_inflated_only_up_to_the_cap(allow_loopback):
    with Receiver(default=Reply(behaviour="gzip_bomb", size=200 * 1024 * 1024)) as hostile:
        result, growth, elapsed = send_measuring_memory(hostile.url)
    assert result.outcome == "success"
    # Inflated zeros; NUL is stored as U+FFFD (3 bytes), so the text is cut to fit 20 KB.
    assert result.response_body == "\ufffd" * (MAX_BODY // 3)
    assert growth < 50 * 1024 * 1024
    assert elapsed < 15


def test_s8_endless_chunked_body_is_cut_at_20_kb(allow_loopback):
    with Receiver(default=Reply(behaviour="endless")) as hostile:
        result, growth, elapsed = send_measuring_memory(hostile.url)
    assert result.outcome == "success"
    assert len(result.response_body.encode()) == MAX_BODY
    assert growth < 50 * 1024 * 1024
    assert elapsed < 15


def test_s8_body_cap_follows_the_setting(receiver, settings, allow_loopback):
    settings.HUB = {**settings.HUB, "WEBHOOK_RESPONSE_MAX_BYTES": 10}
    receiver.script(Reply(body="é".encode() * 20))
    assert send(receiver.url, BODY, {}).response_body == "é" * 5


def test_s8_invalid_utf8_and_nul_are_stored_safely(receiver, allow_loopback):
    receiver.script(Reply(body=b"ok\x00\xff\xfe done"))
    assert send(receiver.url, BODY, {}).response_body == "ok\ufffd\ufffd\ufffd done"


# Logging helper.


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://user:pw@hooks.example.com:8443/a/b?token=x#frag",
            "https://hooks.example.com:8443/a/b",
        ),
        ("http://[::1]:8000/hook?x=1", "http://[::1]:8000/hook"),
        ("https://hooks.example.com", "https://hooks.example.com"),
        ("not a url", "<invalid URL>"),
        ("http://[::1/hook", "<invalid URL>"),
    ],
)
def test_f6_sanitize_url_drops_credentials_query_and_fragment(url, expected):
    assert sanitize_url(url) == expected


def test_s6_blocked_request_is_logged_with_the_sanitized_url(receiver, caplog):
    send(f"http://localhost:{receiver.port}/hook?token=s3cr3t", BODY, {})
    assert f"http://localhost:{receiver.port}/hook" in caplog.text
    assert "s3cr3t" not in caplog.text


class TLSListener:
    """A TLS server socket on 127.0.0.1 that records the SNI name of each handshake."""

    def __init__(self, directory: Path) -> None:
        self.server_names: list[str | None] = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*self_signed_certificate(directory))
        context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
        self.context = context
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.thread = threading.Thread(target=self._serve_one, daemon=True)

    def _serve_one(self) -> None:
        connection, _ = self.socket.accept()
        # The client refuses our self-signed certificate: the handshake fails.
        with connection, contextlib.suppress(ssl.SSLError, OSError):
            self.context.wrap_socket(connection, server_side=True).close()

    def __enter__(self) -> "TLSListener":
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.thread.join(timeout=10)
        self.socket.close()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tls.example.com")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
