"""Where webhook connections are made: the outbound guard after DNS, and the hard deadline.

httpx resolves and connects inside httpcore's network backend, so that is where the guard
has to sit (Svix does the same in its connector): ``GuardedBackend`` resolves the name
itself, refuses the connection if any address is not allowed (``outbound_guard.check_address``)
and connects to the address it checked, never to a second answer from DNS. The Host
header and TLS SNI still carry the name, because httpcore builds them from the URL.

httpx timeouts apply to each socket operation, so a server that sends one byte per second
never trips them. ``deadline()`` sets an end time for the whole exchange, and every
stream made here clips each read, write and TLS handshake to the time left (F6, R10).
"""

import ipaddress
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpcore
import httpx

from hub.webhooks import outbound_guard

WRITE_CHUNK = 64 * 1024  # re-check the deadline between chunks of a large body

_deadline: ContextVar[float | None] = ContextVar("hub_webhook_deadline", default=None)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every connection made or used inside this block gives up ``seconds`` from now."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def time_left(timeout: float | None, expired: type[Exception]) -> float | None:
    """``timeout`` clipped to the current deadline; raise ``expired`` once it has passed."""
    end = _deadline.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise expired("The webhook request exceeded its total timeout")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation ends by the deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        for start in range(0, len(buffer), WRITE_CHUNK):
            chunk = buffer[start : start + WRITE_CHUNK]
            self._stream.write(chunk, time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = time_left(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    """Resolve, check every address, then connect to a checked address (F11 at connect)."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve_within(host, port, time_left(timeout, httpcore.ConnectTimeout))
        if not addresses:
            raise httpcore.ConnectError(f"{host} does not resolve to any address")
        # All or nothing: a name that mixes public and private answers is refused outright.
        for address in addresses:
            outbound_guard.check_address(address, host=host)
        last_error: httpcore.ConnectError | None = None
        for address in addresses:
            left = time_left(timeout, httpcore.ConnectTimeout)
            try:
                stream = super().connect_tcp(address, port, left, local_address, socket_options)
            except httpcore.ConnectError as error:
                last_error = error
                continue
            return DeadlineStream(stream)
        raise last_error or httpcore.ConnectError(f"Could not connect to {host}")


class GuardUnavailable(RuntimeError):
    """httpx no longer has the connection pool this module replaces: no guard at connect."""


class GuardedTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` whose connection pool connects through ``GuardedBackend``."""

    def __init__(self, *, limits: httpx.Limits) -> None:
        ssl_context = httpx.create_ssl_context(trust_env=False)
        super().__init__(limits=limits, trust_env=False, verify=ssl_context)
        # httpx offers no public way to pass a network backend, so the pool it built is
        # replaced with an identical one that uses ours. Should httpx rename or reshape
        # that private attribute, the replacement would go unused and the guard vanish
        # without a word: refuse to build the transport instead (and hub.E001 says so).
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            raise GuardUnavailable(
                f"httpx {httpx.__version__} has no HTTPTransport._pool connection pool: "
                "webhooks cannot be sent with the connect-time outbound guard."
            )
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(),
        )


def resolve_within(host: str, port: int, timeout: float | None) -> list[str]:
    """``outbound_guard.resolve`` bounded by ``timeout``: getaddrinfo itself cannot be cancelled,
    so it runs in a daemon thread that is abandoned if the resolver hangs."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    answer: list[str] = []
    worker = threading.Thread(
        target=lambda: answer.extend(outbound_guard.resolve(host, port)), daemon=True
    )
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise httpcore.ConnectTimeout(f"Resolving {host} took longer than {timeout:.1f} s")
    return answer
