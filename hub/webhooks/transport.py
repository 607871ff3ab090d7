"""Sends one webhook request and describes what happened (F6): the hub's only network I/O.

One pooled ``httpx.Client`` per process (keep-alive, Saleor's ``core/http_client.py``),
made on first use and made again in a forked child, since sockets must not be shared
across processes. The client never follows redirects (3xx is a failure, R9), ignores proxy
variables from the environment (a proxy would connect on our behalf, past the guard), and
connects through ``hub.webhooks.connect_guard`` (outbound guard after DNS, hard deadline).

``send`` never raises for anything the network or the receiver does: it returns a
``DeliveryResult`` and the caller records it and decides on a retry (hub/webhooks/retries.py).
Response bodies are read up to ``WEBHOOK_RESPONSE_MAX_BYTES`` and the connection is then
dropped; compressed bodies are inflated only up to that cap (S8).
"""

import logging
import os
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from functools import cache
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.core.exceptions import ValidationError

import hub
from hub.conf import hub_settings
from hub.webhooks import connect_guard, outbound_guard
from hub.webhooks.exceptions import BlockedAddress
from hub.webhooks.outcomes import Outcome

logger = logging.getLogger(__name__)

GONE = 410  # F6: the endpoint asks to be disabled
POOL_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30)
COMPRESSED_ENCODINGS = frozenset({"gzip", "x-gzip", "deflate"})


@dataclass(frozen=True)
class DeliveryResult:
    """What one attempt produced; a value the delivery service stores as an Attempt."""

    outcome: Outcome  # one of outcomes.SENT
    status_code: int | None
    response_body: str
    duration_ms: int
    error_class: str = ""
    retry_after: float | None = None
    is_gone: bool = False
    # Why a request got no answer ("Connection refused", the blocked address, ...); it
    # never contains the URL's query or userinfo, nor a header value.
    error_message: str = ""

    @property
    def is_success(self) -> bool:
        return self.outcome == Outcome.SUCCESS


def send(
    url: str, body: bytes, headers: dict[str, str], *, client: httpx.Client | None = None
) -> DeliveryResult:
    """POST ``body`` to ``url`` with ``headers`` and report the outcome; never raises.

    Outcomes: ``success`` (2xx), ``failure`` (any other status, 3xx included),
    ``timeout`` (connect timeout, or the total deadline passed before the response was
    complete), ``blocked`` (outbound guard), ``error`` (any other transport problem).
    ``client`` replaces the process's pooled client (benchmarks compare designs with it).
    A malformed ``OUTBOUND_ALLOWLIST`` still raises ``ImproperlyConfigured``: that is
    the operator's error, not the receiver's.
    """
    started = time.monotonic()
    try:
        outbound_guard.check_url_syntax(url)
        with connect_guard.deadline(hub_settings.WEBHOOK_TOTAL_TIMEOUT):
            return _post(client or get_client(), url, body, headers, started)
    except (ValidationError, BlockedAddress) as error:
        logger.warning("Webhook to %s blocked: %s", sanitize_url(url), _describe(error))
        return _no_answer(Outcome.BLOCKED, error, started)
    except httpx.TimeoutException as error:
        return _no_answer(Outcome.TIMEOUT, error, started)
    except (httpx.HTTPError, httpx.InvalidURL, UnicodeEncodeError) as error:
        # UnicodeEncodeError: a non-ASCII header value saved before validate_headers
        # refused them.
        return _no_answer(Outcome.ERROR, error, started)


def get_client() -> httpx.Client:
    """This process's pooled client, created on first use."""
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                _client = _build_client()
    return _client


def sanitize_url(url: str) -> str:
    """``scheme://host[:port]/path`` for logs and mails: no userinfo, query or fragment."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "<invalid URL>"
    if not host:
        return "<invalid URL>"
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or HTTP-date), else None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC; a naive datetime would read as local time
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


@cache
def user_agent() -> str:
    """``Prefhub-Hub/<version>`` (F6), so receivers can tell who calls them."""
    return f"Prefhub-Hub/{hub.__version__}"


def _post(
    client: httpx.Client, url: str, body: bytes, headers: dict[str, str], started: float
) -> DeliveryResult:
    timeout = httpx.Timeout(
        hub_settings.WEBHOOK_TOTAL_TIMEOUT, connect=hub_settings.WEBHOOK_CONNECT_TIMEOUT
    )
    with client.stream("POST", url, content=body, headers=headers, timeout=timeout) as response:
        status = response.status_code
        try:
            text = _read_capped(response, hub_settings.WEBHOOK_RESPONSE_MAX_BYTES)
        except httpx.TimeoutException as error:
            return _no_answer(Outcome.TIMEOUT, error, started, status_code=status)
        except httpx.TransportError as error:
            return _no_answer(Outcome.ERROR, error, started, status_code=status)
    return DeliveryResult(
        outcome=Outcome.SUCCESS if 200 <= status < 300 else Outcome.FAILURE,
        status_code=status,
        response_body=text,
        duration_ms=_elapsed_ms(started),
        retry_after=parse_retry_after(response.headers.get("retry-after"), now=time.time()),
        is_gone=status == GONE,
    )


def _read_capped(response: httpx.Response, limit: int) -> str:
    """At most ``limit`` bytes of the body as text; stops reading once the cap is reached."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    inflate = zlib.decompressobj(zlib.MAX_WBITS | 32) if encoding in COMPRESSED_ENCODINGS else None
    collected = bytearray()
    for raw in response.iter_raw():
        room = limit - len(collected)
        chunk = raw
        if inflate is not None:
            try:
                # max_length keeps a gzip bomb from inflating past what we keep.
                chunk = inflate.decompress(raw, room)
            except zlib.error:
                inflate = None  # not really compressed: keep the bytes as they came
        collected += chunk[:room]
        if len(collected) >= limit:
            break
    return _as_text(bytes(collected), limit)


def _as_text(data: bytes, limit: int) -> str:
    """UTF-8 text of at most ``limit`` encoded bytes, storable in any database.

    Undecodable bytes become U+FFFD, which takes three bytes, so the text is trimmed
    again; NUL becomes U+FFFD too because PostgreSQL text columns refuse it.
    """
    text = data.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    return text.encode()[:limit].decode("utf-8", errors="ignore")


def _no_answer(
    outcome: Outcome, error: Exception, started: float, *, status_code: int | None = None
) -> DeliveryResult:
    return DeliveryResult(
        outcome=outcome,
        status_code=status_code,
        response_body="",
        duration_ms=_elapsed_ms(started),
        error_class=type(error).__name__,
        error_message=_describe(error),
    )


def _describe(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _build_client() -> httpx.Client:
    return httpx.Client(
        transport=connect_guard.GuardedTransport(limits=POOL_LIMITS),
        headers={
            "User-Agent": user_agent(),
            "Content-Type": "application/json",
            # Ask for an uncompressed answer; a receiver that compresses anyway is
            # inflated only up to the cap.
            "Accept-Encoding": "identity",
        },
        follow_redirects=False,
        trust_env=False,
    )


def _forget_client_in_child() -> None:
    """After fork the child starts a client of its own; the parent's sockets stay with
    the parent (closing them here would cut the parent's requests)."""
    global _client, _client_lock
    _client = None
    _client_lock = threading.Lock()


_client: httpx.Client | None = None
_client_lock = threading.Lock()
os.register_at_fork(after_in_child=_forget_client_in_child)
