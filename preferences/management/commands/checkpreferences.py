"""``manage.py checkpreferences``: delete obsolete rows, create missing ones (R-CMD-1..3)."""

from collections.abc import Iterable
from itertools import batched
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import models

from preferences.models import GlobalPreferenceModel, PerInstancePreferenceModel
from preferences.registries import global_preferences_registry, preference_models

# Owners handled per round trip when creating per-instance rows: bounds memory and the
# size of each INSERT while keeping the query count O(instances / OWNERS_PER_BATCH).
OWNERS_PER_BATCH = 500


def delete_preferences(queryset: models.QuerySet) -> list[Any]:
    """Delete the rows no registry knows (strict lookup, no fallback) and return them (R-CMD-2).

    Rows are deleted one by one so that ``post_delete`` drops their cache entries.
    """
    deleted = []
    for row in queryset:
        if not _is_registered(preference_models.get_by_preference(row), row.section, row.name):
            row.delete()
            deleted.append(row)
    return deleted


def _is_registered(registry: Any, section: str | None, name: str) -> bool:
    """Exact lookup: unlike ``registry.get``, a ``a__b`` name never reads as section ``a``."""
    return section in registry and name in registry[section]


class Command(BaseCommand):
    help = (
        "Delete preference rows that match no registered preference and create the "
        "missing rows of every registered preference."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--skip_create",
            action="store_true",
            help="Only delete obsolete rows; create no missing ones.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        create = not options["skip_create"]
        if create:
            self.stdout.write("Creating missing global preferences...")
            global_preferences_registry.manager().all()
        deleted = delete_preferences(GlobalPreferenceModel.objects.all())
        self.stdout.write(f"Deleted {len(deleted)} global preferences")
        for model, registry in preference_models.items():
            deleted = delete_preferences(model.objects.all())
            self.stdout.write(f"Deleted {len(deleted)} {model.__name__} preferences")
            if create and issubclass(model, PerInstancePreferenceModel):
                owner_model = model.get_instance_model()
                self.stdout.write(
                    f"Creating missing preferences for {owner_model.__name__} model..."
                )
                create_missing_rows(model, registry.preferences())


def create_missing_rows(model: type[PerInstancePreferenceModel], preferences: Iterable) -> None:
    """Give every instance a row per preference, with bulk inserts and no signal (R-CMD-3).

    Defaults are serialized once per preference; ``ignore_conflicts`` makes rows that a
    concurrent reader created harmless.
    """
    defaults = {(p.section.name, p.name): p.to_raw(p.get("default")) for p in preferences}
    owner_ids = (
        model.get_instance_model()._default_manager.order_by("pk").values_list("pk", flat=True)
    )
    for batch in batched(owner_ids.iterator(), OWNERS_PER_BATCH, strict=False):
        existing = set(
            model.objects.filter(instance_id__in=batch).values_list(
                "instance_id", "section", "name"
            )
        )
        rows = [
            model(instance_id=owner_id, section=section, name=name, raw_value=raw_value)
            for owner_id in batch
            for (section, name), raw_value in defaults.items()
            if (owner_id, section, name) not in existing
        ]
        model.objects.bulk_create(rows, ignore_conflicts=True)
