"""Engine settings: one ``DEFAULTS`` dict overridden by ``settings.DYNAMIC_PREFERENCES``.

Values are looked up lazily, on attribute access, so importing this module never needs
the app registry (R-PKG-1). They are memoised unless ``CACHE_DYNAMIC_PREFERENCES_SETTINGS``
is ``False`` (R-SET-4), which lets tests use ``override_settings`` without a reload; the
memo is also dropped whenever a test changes the setting (DRF's ``reload_api_settings``).
"""

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

SETTINGS_ATTR = "DYNAMIC_PREFERENCES"

DEFAULTS: dict[str, Any] = {
    "MANAGER_ATTRIBUTE": "preferences",
    "SECTION_KEY_SEPARATOR": "__",
    "REGISTRY_MODULE": "dynamic_preferences_registry",
    "ADMIN_ENABLE_CHANGELIST_FORM": False,
    "ENABLE_GLOBAL_MODEL_AUTO_REGISTRATION": True,
    # Obsolete since user preferences became a separate app; accepted and ignored.
    "ENABLE_USER_PREFERENCES": True,
    "ENABLE_CACHE": True,
    "CACHE_NAME": "default",
    "VALIDATE_NAMES": True,
    "FILE_PREFERENCE_UPLOAD_DIR": "dynamic_preferences",
    "CACHE_NONE_VALUE": "__dynamic_preferences_empty_value",
    # The in-process copy (preferences.local_cache): an entry older than this (seconds)
    # is read again from the shared cache, the bound on staleness when invalidation
    # messages are lost. It is used only while an invalidation channel runs.
    "LOCAL_CACHE_TTL": 5.0,
    # Longest stored form of a value, in characters; a preference may set its own
    # ``max_stored_length``. Every change is copied into events and webhooks, so keep it small.
    "MAX_VALUE_LENGTH": 64 * 1024,
}


class PreferenceSettings:
    """Attribute access to the engine settings: the user's value, else the default."""

    def __init__(self, defaults: dict[str, Any] | None = None) -> None:
        self.defaults = defaults or DEFAULTS
        self._memoised: set[str] = set()

    @property
    def user_settings(self) -> dict[str, Any]:
        return getattr(settings, SETTINGS_ATTR, {})

    def __getattr__(self, attr: str) -> Any:
        # Private names and ``defaults`` are never settings; refusing them early also avoids
        # endless recursion while the object is half built (copy, pickle).
        if attr.startswith("_") or attr == "defaults" or attr not in self.defaults:
            raise AttributeError(f"Invalid preference setting: '{attr}'")
        value = self.user_settings.get(attr, self.defaults[attr])
        if getattr(settings, "CACHE_DYNAMIC_PREFERENCES_SETTINGS", True):
            setattr(self, attr, value)
            self._memoised.add(attr)
        return value

    def reload(self) -> None:
        """Forget memoised values so that the next read consults Django's settings."""
        for attr in self._memoised:
            delattr(self, attr)
        self._memoised.clear()


preferences_settings = PreferenceSettings(DEFAULTS)


def _reload_preferences_settings(*, setting: str, **kwargs: Any) -> None:
    if setting in (SETTINGS_ATTR, "CACHE_DYNAMIC_PREFERENCES_SETTINGS"):
        preferences_settings.reload()


setting_changed.connect(_reload_preferences_settings)
