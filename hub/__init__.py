"""Prefhub's notification hub, a reusable Django app (see docs/).

``hub.handler`` (the decorator of ``hub.handlers``) is resolved lazily, so that importing
this package (e.g. for ``__version__``) does not import models before Django's apps are ready.
"""

from typing import Any

__version__ = "0.2.0"


def __getattr__(name: str) -> Any:
    if name == "handler":
        from hub.handlers import handler

        return handler
    raise AttributeError(f"module 'hub' has no attribute {name!r}")
