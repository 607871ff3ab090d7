"""A real SMTP server for tests: aiosmtpd on a free 127.0.0.1 port, keeping what it receives.

Mail reaches it over a socket through Django's SMTP backend, from the test process (the
``smtp_server`` fixture points the settings at it) or from a Celery worker started with
``EMAIL_URL=<server.url>`` in its environment. ``refuse_next`` scripts transient failures
(SMTP 451) so retry paths run against the same server.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.support.ports import HOST, free_port

TEMPORARY_FAILURE = "451 4.3.0 Try again later"


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the server got it: envelope and parsed content."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)

    @property
    def subject(self) -> str:
        """The subject unfolded (a long header arrives wrapped over several lines)."""
        return " ".join(str(self.message["subject"]).split())

    @property
    def body(self) -> str:
        """The text/plain part with SMTP's CRLF line ends turned back into newlines."""
        text = self.message.get_body(preferencelist=("plain",)).get_content()
        return text.replace("\r\n", "\n")


class _Collector:
    """aiosmtpd handler: store or (when scripted) refuse each DATA command."""

    def __init__(self) -> None:
        self.received: list[ReceivedMail] = []
        self.refusals = 0
        self.refused = 0
        self.changed = threading.Condition()

    # aiosmtpd calls handle_<COMMAND> hooks; the name is fixed by the library.
    async def handle_DATA(self, server, session, envelope) -> str:
        with self.changed:
            if self.refusals:
                self.refusals -= 1
                self.refused += 1
                return TEMPORARY_FAILURE
            self.received.append(
                ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.content)
            )
            self.changed.notify_all()
        return "250 Message accepted for delivery"


class SMTPServer:
    """Start, inspect and stop one aiosmtpd server on loopback."""

    def __init__(self) -> None:
        self.handler = _Collector()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname=HOST, port=self.port)

    @property
    def url(self) -> str:
        """The ``EMAIL_URL`` that points Django (in any process) at this server."""
        return f"smtp://{HOST}:{self.port}"

    @property
    def messages(self) -> list[ReceivedMail]:
        with self.handler.changed:
            return list(self.handler.received)

    @property
    def refused(self) -> int:
        """How many messages were answered with a temporary failure."""
        return self.handler.refused

    def clear(self) -> None:
        with self.handler.changed:
            self.handler.received.clear()
            self.handler.refusals = 0
            self.handler.refused = 0

    def refuse_next(self, count: int) -> None:
        """Answer the next ``count`` messages with SMTP 451 (try again later)."""
        with self.handler.changed:
            self.handler.refusals = count

    def wait_for(self, predicate, *, count: int = 1, timeout: float = 30) -> list[ReceivedMail]:
        """The received messages matching ``predicate`` once there are ``count`` of them.

        Raises ``TimeoutError`` (listing what did arrive) when they do not come in time.
        """
        deadline = time.monotonic() + timeout
        with self.handler.changed:
            while True:
                found = [mail for mail in self.handler.received if predicate(mail)]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    break
                self.handler.changed.wait(remaining)
        if len(found) < count:
            subjects = [mail.subject for mail in self.messages]
            raise TimeoutError(f"{len(found)}/{count} matching mails after {timeout}s: {subjects}")
        return found

    def start(self) -> SMTPServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> SMTPServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def to(address: str):
    """Predicate for ``wait_for``: mails whose envelope includes ``address``."""
    return lambda mail: address in mail.rcpt_tos
