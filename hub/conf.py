"""The hub's settings object, read at call time (so ``override_settings`` just works).

Projects override any key in the ``HUB`` dict of their Django settings; every default
lives in ``DEFAULTS`` below, with the spec id that motivates it.
"""

from typing import Any

from django.conf import settings

SETTINGS_ATTR = "HUB"

DEFAULTS: dict[str, Any] = {}


class HubSettings:
    """Attribute access to ``settings.HUB`` with the defaults of ``DEFAULTS``."""

    def __getattr__(self, key: str) -> Any:
        if key not in DEFAULTS:
            raise AttributeError(f"Invalid hub setting: {key!r}")
        return getattr(settings, SETTINGS_ATTR, {}).get(key, DEFAULTS[key])


hub_settings = HubSettings()
