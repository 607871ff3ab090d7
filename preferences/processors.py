"""Template context processor exposing global preferences (R-DJ-4)."""

from typing import Any

from django.http import HttpRequest

from .registries import global_preferences_registry


def global_preferences(request: HttpRequest) -> dict[str, Any]:
    """``{{ global_preferences.<section>__<name> }}`` in every template rendered with a request."""
    return {"global_preferences": global_preferences_registry.manager().all()}
