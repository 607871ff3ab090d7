"""Preference models and the receivers that keep the cache in step with them (spec §8).

As in ``django.contrib.sites``, the cache's invalidating receivers sit next to the models:
every save refreshes the cache entry (write-through, R-CACHE-7), every delete drops it
(R-MOD-10).
"""

from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .registries import global_preferences_registry, preference_models


class BasePreferenceModel(models.Model):
    """A stored preference: section, name and the serialized value (R-MOD-1)."""

    # NULL means "no section" and raw values may be NULL: both are upstream's schema (R-MOD-1).
    section = models.CharField(  # noqa: DJ001
        max_length=150,
        db_index=True,
        blank=True,
        null=True,
        default=None,
        verbose_name=_("Section Name"),
    )
    name = models.CharField(_("Name"), max_length=150, db_index=True)
    raw_value = models.TextField(_("Raw Value"), null=True, blank=True)  # noqa: DJ001

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} - {self.section}/{self.name}"

    def __repr__(self) -> str:
        return str(self)

    def save(self, **kwargs: Any) -> None:
        """Store the preference's default when a new row has no value (R-MOD-5)."""
        if self.pk is None and not self.raw_value:
            self.value = self.preference.get("default")
        super().save(**kwargs)

    @cached_property
    def preference(self) -> Any:
        """The registered preference, or a fallback for rows nobody registers any more (#41)."""
        return self.registry.get(section=self.section, name=self.name, fallback=True)

    def get_value(self) -> Any:
        return self.preference.from_raw(self.raw_value)

    def set_value(self, value: Any) -> None:
        self.raw_value = self.preference.to_raw(value)

    value = property(get_value, set_value)

    @property
    def verbose_name(self) -> str:
        return self.preference.get("verbose_name") or self.preference.identifier()

    verbose_name.fget.short_description = _("Verbose Name")

    @property
    def help_text(self) -> str:
        return self.preference.get("help_text") or ""

    help_text.fget.short_description = _("Help Text")


class GlobalPreferenceModel(BasePreferenceModel):
    registry = global_preferences_registry

    class Meta:
        unique_together = ("section", "name")
        # NULL sections escape unique_together on most databases (#126, R-MOD-11).
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(section__isnull=True),
                name="preferences_global_unique_sectionless",
            )
        ]
        verbose_name = _("Global preference")
        verbose_name_plural = _("Global preferences")


class PerInstancePreferenceModel(BasePreferenceModel):
    """Preferences of one model instance; subclasses declare a ForeignKey named ``instance``."""

    class Meta:
        abstract = True
        unique_together = ("instance", "section", "name")
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "name"],
                condition=models.Q(section__isnull=True),
                name="%(app_label)s_%(class)s_unique_sectionless",
            )
        ]

    @classmethod
    def get_instance_model(cls) -> type[models.Model]:
        return cls._meta.get_field("instance").related_model


global_preferences_registry.preference_model = GlobalPreferenceModel


def _manager_of(row: BasePreferenceModel) -> Any:
    """The manager owning ``row``, bound to its instance without fetching it.

    During a cascade the owner may be on its way out, and fetching it would cost one
    query per row; the cache key needs only its primary key.
    """
    registry = preference_models.get_by_preference(row)
    if not isinstance(row, PerInstancePreferenceModel):
        return registry.manager()
    if type(row).instance.is_cached(row):
        return registry.manager(instance=row.instance)
    return registry.manager(instance=row.get_instance_model()(pk=row.instance_id))


@receiver(post_save, dispatch_uid="preferences.models.invalidate_cache")
def invalidate_cache(sender: type, instance: Any, **kwargs: Any) -> None:
    """Write a saved row's raw value to the cache, whatever path saved it (R-MOD-9)."""
    if isinstance(instance, BasePreferenceModel):
        _manager_of(instance).to_cache(instance)


@receiver(post_delete, dispatch_uid="preferences.models.forget_deleted")
def forget_deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    """Drop a deleted row's cache entry, which would otherwise outlive it (R-MOD-10, #314)."""
    if isinstance(instance, BasePreferenceModel):
        _manager_of(instance).forget(instance.section, instance.name)
