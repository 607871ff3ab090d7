"""The hub's admin, one module per concern (Django's admin autodiscovery imports this)."""

from . import deliveries, endpoints, events, handler_runs, notifications, status  # noqa: F401
