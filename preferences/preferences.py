"""Sections, name validation and the base class every preference type derives from."""

import re
import warnings
from typing import Any

from .exceptions import MissingDefault
from .serializers import UNSET
from .settings import preferences_settings

_NAME_PATTERN = re.compile(r"\w+")


class InvalidNameError(ValueError):
    pass


def check_name(name: str, obj: object) -> None:
    """Reject names that could not round-trip through an ``section__name`` identifier."""
    separator = preferences_settings.SECTION_KEY_SEPARATOR
    if not isinstance(name, str) or not _NAME_PATTERN.fullmatch(name):
        problem = "only letters, digits and underscores are allowed, and it must not be empty"
    elif separator in name:
        problem = f"{separator!r} is reserved to join section and preference names"
    else:
        return
    raise InvalidNameError(f"Invalid name {name!r} while instantiating {obj!r}: {problem}")


class Section:
    def __init__(self, name: str | None, verbose_name: str | None = None) -> None:
        self.name = name
        self.verbose_name = verbose_name or name
        if preferences_settings.VALIDATE_NAMES and name:
            check_name(name, self)

    def __str__(self) -> str:
        return str(self.verbose_name) if self.verbose_name else ""

    def __repr__(self) -> str:
        return f"<Section {self.name!r}>"


EMPTY_SECTION = Section(None)


class AbstractPreference:
    """A declared preference: where it lives (section, name) and its default."""

    section: Any = EMPTY_SECTION
    name = ""
    default: Any = UNSET

    def __init__(self, registry: Any = None) -> None:
        if preferences_settings.VALIDATE_NAMES:
            check_name(self.name, self)
        if self.section is None:
            # An explicit ``section = None`` means "no section" (R-PREF-6).
            self.section = EMPTY_SECTION
        elif not hasattr(self.section, "name"):
            self.section = Section(name=self.section)
            warnings.warn(
                f"{type(self).__name__}: declaring a section as a plain string is deprecated, "
                "use preferences.preferences.Section",
                DeprecationWarning,
                stacklevel=3,  # the registry module that registers the class
            )
        self.registry = registry
        if self.default is UNSET and not hasattr(self, "get_default"):
            raise MissingDefault(f"{type(self).__name__} has neither `default` nor `get_default()`")

    def __repr__(self) -> str:
        # Tolerates a not yet normalised section: this also runs while __init__ reports errors.
        section = getattr(self.section, "name", self.section)
        return f"<{type(self).__name__} {section!r}/{self.name!r}>"

    def get(self, attr: str, default: Any = None) -> Any:
        """Read ``attr`` through its ``get_<attr>()`` method when the class defines one."""
        getter = getattr(self, f"get_{attr}", None)
        if callable(getter):
            return getter()
        return getattr(self, attr, default)

    def identifier(self) -> str:
        section_name = getattr(self.section, "name", None)
        if not section_name:
            return self.name
        return preferences_settings.SECTION_KEY_SEPARATOR.join([section_name, self.name])

    @property
    def model(self) -> Any:
        return self.registry.preference_model
