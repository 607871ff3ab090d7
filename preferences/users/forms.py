"""Forms for user preferences: the admin's single-row form and the builder (R-USER-4)."""

from typing import Any

from preferences.forms import (
    PreferenceForm,
    SinglePerInstancePreferenceForm,
    preference_form_builder,
)

from .models import UserPreferenceModel
from .registries import user_preferences_registry


class UserSinglePreferenceForm(SinglePerInstancePreferenceForm):
    class Meta:
        model = UserPreferenceModel
        fields = SinglePerInstancePreferenceForm.Meta.fields


class UserPreferenceForm(PreferenceForm):
    registry = user_preferences_registry


def user_preference_form_builder(
    instance: Any, preferences: list[Any] | None = None, **kwargs: Any
) -> type[PreferenceForm]:
    """A form class editing the preferences of the user ``instance``."""
    return preference_form_builder(UserPreferenceForm, preferences, instance=instance, **kwargs)
