"""The Prefhub project package and the notification hub app.

``hub.handler`` (the decorator of ``hub.handlers``) is resolved lazily: this package is
also the settings package, imported before Django's apps are ready.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "handler":
        from hub.handlers import handler

        return handler
    raise AttributeError(f"module 'hub' has no attribute {name!r}")
