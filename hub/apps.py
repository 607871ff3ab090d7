from django.apps import AppConfig
from django.core import checks


class HubConfig(AppConfig):
    """The notification hub: wires receivers and system checks, nothing else (see docs/)."""

    name = "hub"
    verbose_name = "Notification hub"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from hub import checks as hub_checks
        from hub import pubsub
        from hub.receivers import record_preference_change, record_preference_reset
        from preferences import local_cache
        from preferences.signals import preference_updated

        # The hub supplies the in-process cache's invalidation channel; it starts on
        # each process's first preference read, after any fork.
        local_cache.attach(pubsub.ensure_subscriber)

        preference_updated.connect(
            record_preference_change, dispatch_uid="hub.receivers.record_preference_change"
        )
        post_delete.connect(
            record_preference_reset, dispatch_uid="hub.receivers.record_preference_reset"
        )
        for check in (
            hub_checks.check_eager_mode,
            hub_checks.check_beat_schedule,
            hub_checks.check_visibility_timeout,
            hub_checks.check_flower_auth,
            hub_checks.check_connect_guard,
        ):
            checks.register(check, "hub")
