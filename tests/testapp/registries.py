"""The per-site preference registry of the R-INST-1 recipe."""

from preferences.registries import PerInstancePreferenceRegistry


class SitePreferenceRegistry(PerInstancePreferenceRegistry):
    name = "site"


site_preferences_registry = SitePreferenceRegistry()
