"""A real HTTP receiver for webhook tests: threaded, on a free loopback port, scriptable.

It records every request (method, path, headers, body, arrival time, connection) and
answers with scripted ``Reply`` values, in order, then with its default reply. Besides
ordinary answers it can misbehave the way hostile or broken receivers do: redirect,
never answer, trickle the response one byte at a time, send a 100 MB body, a gzip bomb
or an endless chunked body. ``connections`` counts accepted TCP connections, so a test
can prove that a blocked request never reached the listener.

HTTP/1.1 with keep-alive, so tests can also see the hub's connection reuse.

    with Receiver() as receiver:
        receiver.script(Reply(status=500), Reply(status=200))
        ...
        receiver.wait_for_requests(2)
"""

from __future__ import annotations

import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

HOST = "127.0.0.1"
FILLER_CHUNK = b"x" * (64 * 1024)
HANG_LIMIT = 120.0  # seconds a "hang" reply waits at most, if the test forgets to stop us

Behaviour = Literal["answer", "hang", "trickle", "trickle_body", "huge", "endless", "gzip_bomb"]


@dataclass(frozen=True)
class Reply:
    """One scripted answer.

    ``behaviour``: ``answer`` (status, headers, body), ``hang`` (never answer),
    ``trickle`` (the whole response one byte every ``interval`` seconds, status line
    included), ``trickle_body`` (status and headers at once, then the body byte by byte), ``huge``
    (``size`` bytes of body), ``endless`` (chunked body that never ends), ``gzip_bomb``
    (``size`` zero bytes, gzip-compressed). ``delay`` waits before answering.
    """

    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    behaviour: Behaviour = "answer"
    size: int = 0
    interval: float = 1.0

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Reply:
        return cls(status=status, body=b"", headers={"Location": location})

    @classmethod
    def retry_after(cls, seconds: int | str, status: int = 429) -> Reply:
        return cls(status=status, body=b"slow down", headers={"Retry-After": str(seconds)})


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the receiver got it; header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float
    connection: int


class Receiver:
    """A threaded HTTP server on ``host`` (127.0.0.1 by default) and a free port."""

    def __init__(self, host: str = HOST, *, default: Reply | None = None) -> None:
        self.host = host
        self.default = default or Reply()
        self.requests: list[RecordedRequest] = []
        self.connections = 0
        self.stopping = threading.Event()
        self._replies: list[Reply] = []
        self._changed = threading.Condition()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/hook"

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order, then with the default."""
        with self._changed:
            self._replies.extend(replies)

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> list[RecordedRequest]:
        """Block until ``count`` requests arrived; raise ``TimeoutError`` otherwise."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.requests) >= count, timeout):
                raise TimeoutError(f"{len(self.requests)} of {count} requests after {timeout} s")
            return list(self.requests)

    def _record(self, request: RecordedRequest) -> Reply:
        with self._changed:
            self.requests.append(request)
            self._changed.notify_all()
            return self._replies.pop(0) if self._replies else self.default

    def _accepted(self) -> int:
        with self._changed:
            self.connections += 1
            return self.connections


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.address_family = socket.AF_INET6 if ":" in receiver.host else socket.AF_INET
        super().__init__((receiver.host, 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Answer without Nagle's algorithm: otherwise the small body written after the headers
    # waits for the client's delayed ACK, adding about 40 ms to every request.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection_number = self.server.receiver._accepted()

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request log line; the test reads ``requests`` instead."""

    def do_POST(self) -> None:
        self._serve()

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length),
            received_at=time.time(),
            connection=self.connection_number,
        )
        reply = self.server.receiver._record(request)
        if reply.delay and self.server.receiver.stopping.wait(reply.delay):
            return
        try:
            getattr(self, f"_{reply.behaviour}")(reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _answer(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def _hang(self, reply: Reply) -> None:
        self.server.receiver.stopping.wait(HANG_LIMIT)
        self.close_connection = True

    def _trickle(self, reply: Reply) -> None:
        head = f"HTTP/1.1 {reply.status} OK\r\nContent-Length: {len(reply.body)}\r\n\r\n"
        self._drip(head.encode() + reply.body, reply.interval)

    def _trickle_body(self, reply: Reply) -> None:
        self._start_body(reply, {"Content-Length": str(len(reply.body))})
        self._drip(reply.body, reply.interval)

    def _drip(self, data: bytes, interval: float) -> None:
        for byte in data:
            self.wfile.write(bytes([byte]))
            if self.server.receiver.stopping.wait(interval):
                break
        self.close_connection = True

    def _huge(self, reply: Reply) -> None:
        self._start_body(reply, {"Content-Length": str(reply.size)})
        self._write_filler(limit=reply.size)

    def _endless(self, reply: Reply) -> None:
        self._start_body(reply, {"Transfer-Encoding": "chunked"})
        chunk = b"%x\r\n%s\r\n" % (len(FILLER_CHUNK), FILLER_CHUNK)
        while not self.server.receiver.stopping.is_set():
            self.wfile.write(chunk)

    def _gzip_bomb(self, reply: Reply) -> None:
        bomb = gzip_bomb(reply.size)
        self._start_body(reply, {"Content-Encoding": "gzip", "Content-Length": str(len(bomb))})
        self.wfile.write(bomb)

    def _start_body(self, reply: Reply, headers: dict[str, str]) -> None:
        self.send_response(reply.status)
        for name, value in {**reply.headers, **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.close_connection = True

    def _write_filler(self, limit: int) -> None:
        sent = 0
        while sent < limit and not self.server.receiver.stopping.is_set():
            piece = FILLER_CHUNK[: limit - sent]
            self.wfile.write(piece)
            sent += len(piece)


@cache
def gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed (about 1,000 : 1), built once per size."""
    block = bytes(1024 * 1024)
    deflate = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    out = bytearray()
    for _ in range(size // len(block)):
        out += deflate.compress(block)
    out += deflate.compress(bytes(size % len(block)))
    out += deflate.flush()
    return bytes(out)
