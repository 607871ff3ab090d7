"""The hub's models, one module per concern (each helper adds its import here)."""

from .deliveries import Attempt, Message
from .endpoints import EndpointSecret, WebhookEndpoint
from .events import Event, HubStatus
from .handlers import HandlerRun
from .metrics import MetricBaseline
from .notifications import AdminNotice, DigestEntry, EmailDigest, EmailRule

__all__ = [
    "AdminNotice",
    "Attempt",
    "DigestEntry",
    "EmailDigest",
    "EmailRule",
    "EndpointSecret",
    "Event",
    "HandlerRun",
    "HubStatus",
    "Message",
    "MetricBaseline",
    "WebhookEndpoint",
]
