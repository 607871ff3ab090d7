"""Connects the floor's one receiver."""

from django.apps import AppConfig


class FloorConfig(AppConfig):
    name = "tests.bench.rivals.floor_site"
    label = "floor_site"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from preferences.models import GlobalPreferenceModel
        from tests.bench.rivals.floor_site.hub import on_save

        post_save.connect(on_save, sender=GlobalPreferenceModel, dispatch_uid="floor")
