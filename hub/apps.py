from django.apps import AppConfig


class HubConfig(AppConfig):
    """The notification hub: wires receivers and system checks, nothing else (see README)."""

    name = "hub"
    verbose_name = "Notification hub"
    default_auto_field = "django.db.models.BigAutoField"
