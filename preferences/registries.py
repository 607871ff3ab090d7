"""Preference registries and the map from preference models to registries (spec §5).

A registry is an ordered mapping ``section name -> {preference name -> preference}``; user
code fills it at import time with ``@registry.register``. ``preference_models`` ties each
preference model to its registry and installs the ``preferences`` manager property on the
models that per-instance preferences belong to (R-REG-10).
"""

import importlib
import importlib.util
import warnings
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist

from .exceptions import NotFoundInRegistry
from .managers import PreferencesManager
from .preferences import Section
from .settings import preferences_settings
from .types import StringPreference

FALLBACK_HELP_TEXT = "Obsolete: missing in registry"


class MissingPreference(StringPreference):
    """Stands in for database rows that match no registered preference (R-REG-4, #41).

    Name validation is skipped: such rows may carry names that are no longer valid, and
    the admin and forms must still be able to show them.
    """

    default = ""
    help_text = FALLBACK_HELP_TEXT

    def __init__(self, registry: "PreferenceRegistry | None" = None) -> None:
        self.registry = registry


def _unchecked_section(name: str) -> Section:
    """A Section for a stored section name, bypassing name validation (R-REG-4)."""
    section = Section(None, verbose_name=name)
    section.name = name
    return section


class PreferenceModelsRegistry(dict):
    """Maps preference model classes to their registries (R-REG-10, R-REG-11)."""

    def register(self, preference_model: type, preference_registry: "PreferenceRegistry") -> None:
        self[preference_model] = preference_registry
        preference_registry.preference_model = preference_model
        if not hasattr(preference_model, "registry"):
            preference_model.registry = preference_registry
        instance_model = _instance_model(preference_model)
        if instance_model is not None:
            _install_manager_property(instance_model, preference_registry)

    def get_by_preference(self, preference: Any) -> "PreferenceRegistry":
        """The registry of a preference row's (concrete) model."""
        return self[preference._meta.concrete_model]

    def get_by_instance(self, instance: Any) -> "PreferenceRegistry | None":
        """The registry whose per-instance model belongs to objects like ``instance``."""
        for model, registry in self.items():
            instance_model = _instance_model(model)
            if instance_model is not None and isinstance(instance, instance_model):
                return registry
        return None


def _instance_model(preference_model: type) -> type | None:
    """The model an ``instance`` foreign key of ``preference_model`` points to, if any."""
    try:
        return preference_model._meta.get_field("instance").related_model
    except FieldDoesNotExist:
        return None


def _install_manager_property(instance_model: type, registry: "PreferenceRegistry") -> None:
    """Give ``instance_model`` objects a read-only property returning their manager (R-INST-2).

    Every access builds a fresh manager: managers hold no values, so they are cheap and
    never stale (#191).
    """

    def manager(obj: Any) -> PreferencesManager:
        return registry.manager(instance=obj)

    setattr(instance_model, preferences_settings.MANAGER_ATTRIBUTE, property(manager))


preference_models = PreferenceModelsRegistry()


class PreferenceRegistry(dict):
    """Preferences by section name, then by name, both in registration order (R-REG-1)."""

    name = "preferences_registry"
    preference_model = None
    section_url_namespace = None
    # Consumed at import time; changing the setting later has no effect (R-SET-5).
    look_into = preferences_settings.REGISTRY_MODULE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section_objects: dict[str | None, Section] = {}

    def register(self, preference_class: type) -> type:
        """Instantiate and store ``preference_class``; usable as a bare class decorator.

        Instantiating here makes declaration errors (missing default, bad name, missing
        model) surface when the registry module is imported (R-REG-2).
        """
        preference = preference_class(registry=self)
        section = preference.section
        self.setdefault(section.name, {})[preference.name] = preference
        self.section_objects[section.name] = section
        return preference_class

    def get(self, name: str, section: str | None = None, fallback: bool = False) -> Any:
        """The registered preference for ``section__name`` or ``(section, name)`` (R-REG-3)."""
        parts = name.split(preferences_settings.SECTION_KEY_SEPARATOR)
        if len(parts) == 2:
            section, name = parts
        try:
            return self[section][name]
        except KeyError:
            if fallback:
                return self._fallback(section, name)
            raise NotFoundInRegistry(
                f"No such preference in {type(self).__name__} with "
                f"section={section!r} and name={name!r}"
            ) from None

    def _fallback(self, section_name: str | None, name: str) -> MissingPreference:
        warnings.warn(
            f"Creating a fallback preference for section {section_name!r} and name {name!r}: "
            "the database holds preference rows that match no registered preference. "
            "Run `manage.py checkpreferences` to delete them.",
            UserWarning,
            stacklevel=3,
        )
        attributes = {
            "section": _unchecked_section(section_name) if section_name else None,
            "name": name,
        }
        fallback_class = type("Fallback", (MissingPreference,), attributes)
        return fallback_class(registry=self)

    def get_by_name(self, name: str) -> Any:
        """The first registered preference called ``name``, whatever its section (R-REG-5)."""
        for preference in self.preferences():
            if preference.name == name:
                return preference
        raise NotFoundInRegistry(f"No preference named {name!r} in {type(self).__name__}")

    def manager(self, **kwargs: Any) -> PreferencesManager:
        """A manager reading and writing this registry's preferences (R-REG-7)."""
        return PreferencesManager(registry=self, model=self.preference_model, **kwargs)

    def sections(self) -> Iterable[str | None]:
        return self.keys()

    def preferences(self, section: str | None = None) -> list[Any]:
        """All preferences grouped by section, or those of ``section`` (R-REG-6)."""
        if section is None:
            return [pref for by_name in self.values() for pref in by_name.values()]
        return list(self[section].values())

    def autodiscover(self, app_names: Iterable[str]) -> None:
        """Import every app's registry module (R-REG-9).

        Apps without one are skipped; an ImportError raised inside an existing module
        propagates. Python's import cache makes a second pass register nothing twice,
        and one pass fills every registry, since a module may register into several.
        """
        for app_name in app_names:
            module_name = f"{app_name}.{self.look_into}"
            if _module_exists(module_name):
                importlib.import_module(module_name)


def _module_exists(module_name: str) -> bool:
    """Whether the module can be found, without executing it (errors inside it surface later)."""
    try:
        return importlib.util.find_spec(module_name) is not None
    except ModuleNotFoundError:  # the app is a plain module, not a package
        return False


class PerInstancePreferenceRegistry(PreferenceRegistry):
    """Registry of preferences that belong to a model instance (a user, a site...)."""


class GlobalPreferenceRegistry(PreferenceRegistry):
    name = "global"
    section_url_namespace = "preferences:global.section"


global_preferences_registry = GlobalPreferenceRegistry()
