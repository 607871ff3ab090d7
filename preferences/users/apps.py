"""App config of the optional per-user preferences (R-USER-1, R-PKG-3)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UserPreferencesConfig(AppConfig):
    name = "preferences.users"
    label = "preferences_users"
    verbose_name = _("Preferences - Users")
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        """Bind the user model, which installs ``user.preferences`` (R-REG-10)."""
        from preferences.registries import preference_models

        from .models import UserPreferenceModel
        from .registries import user_preferences_registry

        preference_models.register(UserPreferenceModel, user_preferences_registry)
