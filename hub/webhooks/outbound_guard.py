"""The outbound guard: which webhook URLs, addresses and headers are allowed (F11, S6, S7).

Two checkpoints use the same address policy. When a URL is saved, ``validate_url`` refuses
bad syntax, literal non-global addresses in any spelling, and names that resolve to
non-global addresses. When a request is sent, the transport resolves the name again and
calls ``check_address`` for every address before it connects (hub/webhooks/connect_guard.py), which
catches names whose answer changed after the save (DNS rebinding).

"Global" is ``ipaddress``' ``is_global`` (IANA special-purpose registries), tightened
where it is too generous for outbound requests: multicast, deprecated site-local
``fec0::/10`` and NAT64 local-use ``64:ff9b:1::/48`` are refused, and an IPv6 address
that embeds IPv4 addresses is global only if every embedded address is (see
``_embedded_ipv4s`` for the ranges). ``OUTBOUND_ALLOWLIST`` opens exactly the hosts and
networks it names (tests use it for their loopback receivers).
"""

import ipaddress
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.core.exceptions import ImproperlyConfigured

from hub.conf import hub_settings
from hub.webhooks.exceptions import BlockedAddress, InvalidEndpointURL, InvalidHeader

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL_LENGTH = 2048  # S7
ALLOWED_SCHEMES = frozenset({"http", "https"})  # F11
# Any C0 control character, space or DEL: urlsplit() silently drops TAB/CR/LF, so they
# must be refused before parsing or "http://a\r\nHost: b" would slip through as "a".
_FORBIDDEN_URL_CHARACTERS = re.compile(r"[\x00-\x20\x7f]")
_HOSTNAME = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")
_NOT_GLOBAL_NETWORKS = (
    ipaddress.ip_network("224.0.0.0/4"),  # multicast
    ipaddress.ip_network("ff00::/8"),  # multicast
    ipaddress.ip_network("fec0::/10"),  # deprecated site-local, still routed internally
    # NAT64 local-use (RFC 8215): where the IPv4 address sits depends on the prefix length
    # the operator chose (RFC 6052: /48 to /96), which the address does not tell, so it
    # cannot be decoded; the block is a local translator's by definition.
    ipaddress.ip_network("64:ff9b:1::/48"),
)
# Ranges whose last 32 bits are an IPv4 address (6to4 and Teredo are decoded by ipaddress).
_LOW_32_BITS_IPV4 = (
    ipaddress.ip_network("::/96"),  # IPv4-compatible (RFC 4291, deprecated)
    ipaddress.ip_network("::ffff:0:0:0/96"),  # IPv4-translated (RFC 2765)
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64 well-known prefix (RFC 6052)
)

# Headers the hub sets itself (Standard Webhooks, framing, identity) or that would change
# how the request is routed or framed; an endpoint may not override them (S7).
RESERVED_HEADERS = frozenset(
    {
        "connection", "content-encoding", "content-length", "content-type", "expect",
        "host", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent",
    }
)  # fmt: skip
RESERVED_HEADER_PREFIXES = ("webhook-",)
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 token
# Control characters except TAB (CR/LF inject headers) and non-ASCII (RFC 9110 obs-text).
_FORBIDDEN_HEADER_VALUE_CHARACTERS = re.compile(r"[^\t\x20-\x7e]")
MAX_HEADER_VALUE_LENGTH = 4096


@dataclass(frozen=True)
class Allowlist:
    """``OUTBOUND_ALLOWLIST`` parsed: host names and IP networks."""

    hosts: frozenset[str]
    networks: tuple[IPNetwork, ...]

    def allows_host(self, host: str | None) -> bool:
        return host is not None and _normalize_host(host) in self.hosts

    def allows_address(self, address: IPAddress) -> bool:
        """Allowed: ``address`` is in a listed network, or every IPv4 address it embeds is."""
        embedded = _embedded_ipv4s(address)
        return self._lists(address) or (bool(embedded) and all(map(self._lists, embedded)))

    def _lists(self, address: IPAddress) -> bool:
        return any(
            address in network for network in self.networks if address.version == network.version
        )


def validate_url(url: str) -> str:
    """Return ``url`` if webhooks may be sent to it, else raise ``InvalidEndpointURL``.

    Save-time check (F11): syntax (``check_url_syntax``), then the address policy for a
    literal IP in any spelling, or for every address a host name resolves to. A name that
    does not resolve is accepted: it cannot be judged yet, and the connect-time check
    judges whatever it resolves to when a request is sent.
    """
    parts = check_url_syntax(url)
    host = parts.hostname or ""
    try:
        literal = parse_ip_literal(host)
        if literal is not None:
            check_address(str(literal))
        elif not current_allowlist().allows_host(host):
            _check_resolved(host, parts.port or _default_port(parts.scheme))
    except BlockedAddress as blocked:
        raise InvalidEndpointURL(
            "The URL's host is not allowed: %(reason)s.",
            code="blocked_address",
            params={"reason": blocked.reason},
        ) from None
    return url


def check_url_syntax(url: str) -> SplitResult:
    """The parsed URL if its form is acceptable; no DNS. Raises ``InvalidEndpointURL``.

    Also run before every request, so a URL edited straight in the database gets the same
    checks as one saved through a form.
    """
    if not isinstance(url, str) or not url:
        raise InvalidEndpointURL("Enter a URL.", code="required")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidEndpointURL(
            "The URL is %(length)d characters long; at most %(limit)d are allowed.",
            code="too_long",
            params={"length": len(url), "limit": MAX_URL_LENGTH},
        )
    if _FORBIDDEN_URL_CHARACTERS.search(url):
        raise InvalidEndpointURL(
            "The URL contains whitespace or a control character (e.g. CR or LF).",
            code="control_character",
        )
    parts = _split(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise InvalidEndpointURL(
            "The URL's scheme %(scheme)r is not allowed; use http or https.",
            code="scheme",
            params={"scheme": parts.scheme},
        )
    if "@" in parts.netloc:
        raise InvalidEndpointURL(
            "The URL may not contain a user name or password (user:pass@host); "
            "put credentials in a custom header instead.",
            code="userinfo",
        )
    _check_host(parts.hostname)
    return parts


def check_address(ip: str, *, host: str | None = None) -> None:
    """Raise ``BlockedAddress`` unless ``ip`` is global or allow-listed.

    ``host`` is the name ``ip`` was resolved from, if any: an allow-listed host name
    opens whatever it resolves to.
    """
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    allowlist = current_allowlist()
    if allowlist.allows_host(host) or allowlist.allows_address(address):
        return
    if not is_global_address(address):
        raise BlockedAddress(str(address), host)


def is_global_address(address: IPAddress) -> bool:
    """True when ``address`` is publicly routable, judging embedded IPv4 addresses too."""
    if not all(is_global_address(embedded) for embedded in _embedded_ipv4s(address)):
        return False
    in_extra_block = any(
        address in network for network in _NOT_GLOBAL_NETWORKS if address.version == network.version
    )
    return address.is_global and not in_extra_block


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` spells, in any form a resolver accepts, else None.

    Covers dotted quads, the BSD ``inet_aton`` forms that ``getaddrinfo`` also accepts
    (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``, ``0``), IPv6 with or without
    brackets and zone, and trailing dots.
    """
    candidate = host.strip("[]").rstrip(".").split("%", 1)[0]
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        pass
    if not candidate or not all(ch in "0123456789abcdefxABCDEFX." for ch in candidate):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(candidate))
    except OSError:
        return None


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to for TCP, in resolver order, without duplicates.

    Returns an empty list when the name does not resolve. The one place the hub asks DNS,
    so tests can stand in a resolver for names that do not exist.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def current_allowlist() -> Allowlist:
    """``OUTBOUND_ALLOWLIST`` parsed; ``ImproperlyConfigured`` names a bad entry."""
    hosts: set[str] = set()
    networks: list[IPNetwork] = []
    for entry in hub_settings.OUTBOUND_ALLOWLIST:
        network = _parse_network(entry)
        if network is not None:
            networks.append(network)
        elif _HOSTNAME.match(_normalize_host(entry)):
            hosts.add(_normalize_host(entry))
        else:
            raise ImproperlyConfigured(
                f"HUB['OUTBOUND_ALLOWLIST'] entry {entry!r} is neither a host name nor an "
                "IP network such as '10.0.0.0/8' (host bits must be zero)."
            )
    return Allowlist(hosts=frozenset(hosts), networks=tuple(networks))


def validate_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Return custom endpoint headers as a dict, or raise ``InvalidHeader`` (S7).

    Refuses names that are not HTTP tokens or that the hub sets itself, and values with
    CR, LF or other control characters (header injection). Messages name the header,
    never its value, which is often a credential.
    """
    if not isinstance(headers, Mapping):
        raise InvalidHeader("Headers must be an object of name: value pairs.", code="type")
    for name, value in headers.items():
        _check_header(name, value)
    _check_header_totals(headers)
    return dict(headers)


def _check_header_totals(headers: Mapping[str, str]) -> None:
    limit = hub_settings.WEBHOOK_MAX_HEADERS
    if len(headers) > limit:
        raise InvalidHeader(
            "At most %(limit)d custom headers are allowed; %(count)d were given.",
            code="too_many_headers",
            params={"limit": limit, "count": len(headers)},
        )
    size = sum(len(name) + len(value) for name, value in headers.items())
    size_limit = hub_settings.WEBHOOK_MAX_HEADERS_BYTES
    if size > size_limit:
        raise InvalidHeader(
            "Custom headers may hold at most %(limit)d bytes of names and values together; "
            "these hold %(size)d.",
            code="headers_too_large",
            params={"limit": size_limit, "size": size},
        )


def _check_header(name: object, value: object) -> None:
    if not isinstance(name, str) or not _HEADER_NAME.match(name):
        raise InvalidHeader(
            "Header name %(name)r is not a valid HTTP header name.",
            code="header_name",
            params={"name": name},
        )
    lowered = name.lower()
    if lowered in RESERVED_HEADERS or lowered.startswith(RESERVED_HEADER_PREFIXES):
        raise InvalidHeader(
            "Header %(name)r is set by the hub and cannot be overridden.",
            code="reserved_header",
            params={"name": name},
        )
    if not isinstance(value, str):
        raise InvalidHeader(
            "The value of header %(name)r must be a string.",
            code="header_value",
            params={"name": name},
        )
    if _FORBIDDEN_HEADER_VALUE_CHARACTERS.search(value) or len(value) > MAX_HEADER_VALUE_LENGTH:
        raise InvalidHeader(
            "The value of header %(name)r contains CR, LF, another control character or a "
            "non-ASCII character, or is longer than %(limit)d characters.",
            code="header_value",
            params={"name": name, "limit": MAX_HEADER_VALUE_LENGTH},
        )


def _check_resolved(host: str, port: int) -> None:
    # "localhost." and "localhost" may get different answers (hosts file vs DNS);
    # judge both spellings.
    for name in dict.fromkeys([host, host.rstrip(".")]):
        for address in resolve(name, port):
            check_address(address, host=host)


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not 0-65535
    except ValueError:
        # Not the parser's message: it can quote the netloc, password included.
        raise InvalidEndpointURL(
            "The URL cannot be parsed: check the port (0-65535), the brackets around an "
            "IPv6 address and the characters of the host.",
            code="invalid",
        ) from None
    return parts


def _check_host(hostname: str | None) -> None:
    if not hostname:
        raise InvalidEndpointURL("The URL has no host name.", code="host")
    if parse_ip_literal(hostname) is not None:
        return
    try:
        ascii_host = hostname.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_host = ""
    if not _HOSTNAME.match(_normalize_host(ascii_host)):
        raise InvalidEndpointURL(
            "The URL's host %(host)r is not a valid host name.",
            code="host",
            params={"host": hostname},
        )
    if parse_ip_literal(ascii_host) is not None:
        # IDNA maps look-alike dots (U+3002 ...) to "."; "127。0。0。1" is 127.0.0.1.
        raise InvalidEndpointURL(
            "The URL's host %(host)r spells an IP address in non-ASCII characters.",
            code="host",
            params={"host": hostname},
        )


def _parse_network(entry: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(entry.strip("[]"))
    except ValueError:
        return None


def _normalize_host(host: str) -> str:
    return host.lower().rstrip(".")


def _default_port(scheme: str) -> int:
    return 443 if scheme.lower() == "https" else 80


def _embedded_ipv4s(address: IPAddress) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address carries, to judge the IPv6 address by them.

    - IPv4-mapped ``::ffff:0:0/96``, IPv4-compatible ``::/96``, IPv4-translated
      ``::ffff:0:0:0/96`` and NAT64 ``64:ff9b::/96``: the last 32 bits;
    - 6to4 ``2002::/16``: bits 16-47;
    - Teredo ``2001::/32``: the server (bits 32-63) and the client (the last 32 bits,
      inverted); both are reached through the address.

    NAT64 local-use ``64:ff9b:1::/48`` cannot be decoded and is refused as a whole
    (``_NOT_GLOBAL_NETWORKS``). Operator-chosen prefixes (6rd, network-specific NAT64,
    ISATAP interface identifiers) are indistinguishable from native IPv6 and are judged
    as such.
    """
    if address.version == 4:
        return ()
    if address.ipv4_mapped is not None:
        return (address.ipv4_mapped,)
    if address.sixtofour is not None:
        return (address.sixtofour,)
    if address.teredo is not None:
        return address.teredo
    # "::" and "::1" sit in ::/96 but are the unspecified and loopback addresses.
    if int(address) > 1 and any(address in network for network in _LOW_32_BITS_IPV4):
        return (ipaddress.IPv4Address(int(address) & 0xFFFFFFFF),)
    return ()
