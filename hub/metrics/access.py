"""Who may scrape ``/metrics``: a bearer token, a network allow-list, or DEBUG alone.

``HUB["METRICS_TOKEN"]`` requires ``Authorization: Bearer <token>``;
``HUB["METRICS_ALLOWED_NETWORKS"]`` requires the client address (``REMOTE_ADDR``) to be
in one of the networks. When both are set, both must pass. When neither is, the endpoint
answers only with ``DEBUG`` on: metrics name endpoints and show traffic, so a production
site never serves them to anyone by accident.
"""

import hmac
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from hub.conf import hub_settings


def refusal(request: HttpRequest) -> tuple[int, str] | None:
    """``(status, reason)`` when ``request`` may not read the metrics, else None."""
    token = hub_settings.METRICS_TOKEN
    networks = allowed_networks()
    if not token and not networks:
        if settings.DEBUG:
            return None
        return 403, (
            'Metrics are off: set HUB["METRICS_TOKEN"] or HUB["METRICS_ALLOWED_NETWORKS"].'
        )
    if networks and not _address_in(request.META.get("REMOTE_ADDR", ""), networks):
        return 403, "This address may not read the metrics."
    if token and not _bearer_matches(request.headers.get("Authorization", ""), token):
        return 401, "A valid bearer token is required."
    return None


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The allow-list as networks; a bad entry is named (``ImproperlyConfigured``)."""
    entries = hub_settings.METRICS_ALLOWED_NETWORKS
    if isinstance(entries, str):
        raise ImproperlyConfigured(
            'HUB["METRICS_ALLOWED_NETWORKS"] must be a list of networks, not a string.'
        )
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except (TypeError, ValueError):
            raise ImproperlyConfigured(
                f'HUB["METRICS_ALLOWED_NETWORKS"]: {entry!r} is not an IP network.'
            ) from None
    return networks


def _address_in(address: str, networks: list) -> bool:
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in network for network in networks)


def _bearer_matches(header: str, token: str) -> bool:
    scheme, _, credential = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(credential.strip(), str(token))
