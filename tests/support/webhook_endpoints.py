"""Creating webhook endpoints in tests the way the admin does: validated, with a secret."""

from __future__ import annotations

from django.db import transaction

from hub.models import WebhookEndpoint
from hub.webhooks.secrets import create_secret


def add_endpoint(url: str, **fields) -> tuple[WebhookEndpoint, str]:
    """A validated endpoint (``full_clean``) and its secret; loopback must be allow-listed."""
    endpoint = WebhookEndpoint(url=url, **fields)
    endpoint.full_clean()
    with transaction.atomic():
        endpoint.save()
        return endpoint, create_secret(endpoint)
