"""Webhook signing secrets: generation, encryption at rest, rotation with grace (F4).

A secret is ``whsec_`` + base64 of 32 random bytes (the Standard Webhooks format). Only
its sealed form (``preferences.sealing``) is stored; the plain text is returned once, by
``create_secret`` or ``rotate_secret``, for the caller to show and then forget. After a
rotation the previous secrets keep signing until their grace ends, so every request in
the grace period carries one signature per valid secret.
"""

import base64
import os
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from hub.conf import hub_settings
from hub.models import EndpointSecret, WebhookEndpoint
from hub.webhooks.signing import SECRET_PREFIX
from preferences.sealing import seal, unseal

SECRET_BYTES = 32  # Standard Webhooks: 24 to 64 bytes
MAX_OLD_SECRETS = 10  # F4: at most 10 secrets in grace at once


def generate_secret() -> str:
    """A new ``whsec_...`` secret from the operating system's CSPRNG."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(SECRET_BYTES)).decode("ascii")


def create_secret(endpoint: WebhookEndpoint) -> str:
    """Store a new current secret for ``endpoint`` and return its plain text (shown once)."""
    secret = generate_secret()
    EndpointSecret.objects.create(endpoint=endpoint, sealed=seal(secret))
    return secret


def rotate_secret(
    endpoint: WebhookEndpoint, *, grace: timedelta | None = None, now: datetime | None = None
) -> str:
    """Make a new current secret; the old ones stay valid for ``grace`` (F4).

    ``grace`` defaults to ``WEBHOOK_SECRET_GRACE``. Expired secrets are deleted, and of
    the secrets still in grace only the ``MAX_OLD_SECRETS`` newest are kept.
    """
    now = now or timezone.now()
    if grace is None:
        grace = timedelta(seconds=hub_settings.WEBHOOK_SECRET_GRACE)
    if grace < timedelta(0):
        raise ValueError("grace must not be negative")
    with transaction.atomic():
        WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
        endpoint.secrets.filter(expires_at__isnull=True).update(expires_at=now + grace)
        secret = create_secret(endpoint)
        _prune(endpoint, now=now)
    return secret


def _prune(endpoint: WebhookEndpoint, *, now: datetime) -> None:
    old = endpoint.secrets.filter(expires_at__isnull=False)
    old.filter(expires_at__lte=now).delete()
    keep = old.filter(expires_at__gt=now).order_by("-expires_at", "-id")[:MAX_OLD_SECRETS]
    old.filter(expires_at__gt=now).exclude(pk__in=list(keep.values_list("pk", flat=True))).delete()


def valid_secrets(endpoint: WebhookEndpoint, *, now: datetime | None = None) -> list[str]:
    """Plain-text secrets that sign requests now: the current one first, then those in grace."""
    now = now or timezone.now()
    rows = endpoint.secrets.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now)).order_by(
        F("expires_at").desc(nulls_first=True), "-id"
    )
    return [unseal(row.sealed) for row in rows]
