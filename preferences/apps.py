"""App config of the preferences engine: binds the global model and discovers registries."""

from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _

from .settings import preferences_settings


class DynamicPreferencesConfig(AppConfig):
    name = "preferences"
    verbose_name = _("Dynamic Preferences")
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        """Wire registries up (R-DJ-1); never touch the database here (R-DJ-3, #176)."""
        from .models import GlobalPreferenceModel
        from .registries import global_preferences_registry, preference_models

        if preferences_settings.ENABLE_GLOBAL_MODEL_AUTO_REGISTRATION:
            preference_models.register(GlobalPreferenceModel, global_preferences_registry)
        global_preferences_registry.autodiscover([cfg.name for cfg in apps.get_app_configs()])
