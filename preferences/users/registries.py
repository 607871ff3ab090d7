"""The registry of per-user preferences (R-REG-8)."""

from preferences.registries import PerInstancePreferenceRegistry


class UserPreferenceRegistry(PerInstancePreferenceRegistry):
    name = "user"
    section_url_namespace = "preferences:user.section"


user_preferences_registry = UserPreferenceRegistry()
