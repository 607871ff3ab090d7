"""Webhook targets and their signing secrets (F4, F10, F11).

An endpoint says where to POST, which events it wants (event types, section/name globs,
registries: ``hub.matching``), how (custom headers, full values or ids only, a rate limit)
and whether it may see sensitive values. Validation lives on the fields, so the admin form,
the REST serializer and the management command all refuse the same input the same way.
"""

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from hub.kinds import EventKind
from hub.matching import subscription_matches
from hub.models.filters import EventFilter, require_list_of_strings
from hub.webhooks.outbound_guard import MAX_URL_LENGTH, validate_headers, validate_url

EVENT_TYPES = tuple(EventKind.values)


def validate_event_types(value: object) -> None:
    """Only the event types the hub sends (empty = all of them)."""
    unknown = sorted(set(require_list_of_strings(value, "Event types")) - set(EVENT_TYPES))
    if unknown:
        raise ValidationError(
            "Unknown event type(s): %(unknown)s; choose from %(known)s.",
            code="unknown_event_type",
            params={"unknown": ", ".join(unknown), "known": ", ".join(EVENT_TYPES)},
        )


def validate_header_dict(value: object) -> None:
    """A JSON object of string header values; names and values checked by the URL guard."""
    if not isinstance(value, dict) or not all(
        isinstance(key, str) and isinstance(item, str) for key, item in value.items()
    ):
        raise ValidationError(
            "Enter an object mapping header names to strings.", code="not_a_mapping"
        )
    validate_headers(value)


# Replaces every custom header value wherever an endpoint is shown: the values are often
# credentials, so they are write-only once saved. Not a valid header value (non-ASCII),
# so it can never be mistaken for one.
HEADER_MASK = "•••• set"


def masked_headers(headers: dict[str, str]) -> dict[str, str]:
    """The header names with their values masked: what admin pages and the API show."""
    return dict.fromkeys(headers, HEADER_MASK)


def keep_masked_headers(submitted: object, stored: dict[str, str]) -> object:
    """``submitted`` with every still-masked value of a stored header put back.

    Editing an endpoint shows masked values: one left as is keeps the stored value, a new
    value replaces it, a header left out is removed. A mask for a header that is not
    stored stays and fails validation like any non-ASCII value.
    """
    if not isinstance(submitted, dict):
        return submitted
    return {
        name: stored[name] if value == HEADER_MASK and name in stored else value
        for name, value in submitted.items()
    }


class WebhookEndpointQuerySet(models.QuerySet):
    def active(self) -> "WebhookEndpointQuerySet":
        return self.filter(is_active=True)


class WebhookEndpoint(EventFilter):
    """One webhook target (F10); its deliveries are ``Message`` rows."""

    class PayloadMode(models.TextChoices):
        FULL = "full", "Full values"
        IDS = "ids", "Ids only"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    url = models.CharField(
        "URL",
        max_length=MAX_URL_LENGTH,
        validators=[validate_url],
        help_text="http or https; private, loopback and link-local addresses are refused.",
    )
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField("active", default=True)
    event_types = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_event_types],
        help_text="Event types to receive; empty means all.",
    )
    headers = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_header_dict],
        help_text="Extra request headers; the webhook-* and transport headers are reserved.",
    )
    payload_mode = models.CharField(
        max_length=4, choices=PayloadMode.choices, default=PayloadMode.FULL
    )
    rate_limit = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.01)],
        help_text="Maximum requests per second; empty means no limit.",
    )
    receive_sensitive = models.BooleanField(
        default=False,
        help_text="Send the real values of sensitive preferences instead of a placeholder.",
    )
    disabled_reason = models.CharField(max_length=200, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        verbose_name = "webhook endpoint"
        permissions = [
            ("rotate_secret", "Can rotate webhook secrets"),
            ("send_test_event", "Can send test events to webhook endpoints"),
            ("recover_messages", "Can recover failed webhook messages"),
        ]

    def __str__(self) -> str:
        return self.description or f"Endpoint {self.id}"

    def wants(self, event) -> bool:
        """True when this endpoint subscribes to ``event`` (type, then preference filters)."""
        return subscription_matches(
            event, kinds=self.event_types, patterns=self.patterns, registries=self.registries
        )


class EndpointSecret(models.Model):
    """A signing secret, sealed at rest (F4); ``expires_at`` is null for the current one."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="secrets")
    sealed = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "endpoint secret"

    def __str__(self) -> str:
        state = (
            "current" if self.expires_at is None else f"expires {self.expires_at:%Y-%m-%d %H:%M}"
        )
        return f"Secret {self.pk} ({state})"
