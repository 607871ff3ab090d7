"""The reference test app (R-TEST-1), also the worked example of R-INST-1."""

from django.apps import AppConfig


class TestAppConfig(AppConfig):
    name = "tests.testapp"
    label = "testapp"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        """Bind the per-site preference model, which installs ``site.preferences`` (R-INST-1)."""
        from preferences.registries import preference_models

        from .models import SitePreferenceModel
        from .registries import site_preferences_registry

        preference_models.register(SitePreferenceModel, site_preferences_registry)
