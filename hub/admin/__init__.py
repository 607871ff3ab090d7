"""The hub's admin, one module per concern (Django's admin autodiscovery imports this)."""

from . import deliveries, endpoints, events, notifications  # noqa: F401
