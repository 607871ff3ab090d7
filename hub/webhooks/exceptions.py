"""Errors of the webhook transport and its outbound guard (F11, S6, S7).

The two save-time errors are ``ValidationError`` subclasses so that forms, the admin, the
REST API and the management command report them as field errors with no extra mapping.
Their messages name what was wrong and never repeat a header value or a full URL: both may
carry credentials.
"""

from django.core.exceptions import ValidationError


class InvalidEndpointURL(ValidationError):
    """A webhook URL refused by the outbound guard (scheme, userinfo, length, address)."""


class InvalidHeader(ValidationError):
    """A custom webhook header refused: reserved name, bad name, or CR/LF in its value."""


class BlockedAddress(Exception):
    """A connection refused because the address is not global and not allow-listed.

    Raised at connect time, after DNS resolution, so a name that resolves to a private
    address (or starts doing so after the URL was saved) never gets a connection.
    """

    def __init__(self, address: str, host: str | None = None) -> None:
        self.address = address
        self.host = host
        subject = f"{host} (resolves to {address})" if host and host != address else address
        self.reason = f"{subject} is not a global address and not in OUTBOUND_ALLOWLIST"
        super().__init__(f"Blocked outbound connection: {self.reason}")
