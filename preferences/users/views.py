"""The page where a logged-in user edits their own preferences (R-USER-5)."""

from preferences.forms import PreferenceForm
from preferences.views import PreferenceFormView

from .forms import UserPreferenceForm, user_preference_form_builder
from .registries import user_preferences_registry


class UserPreferenceFormView(PreferenceFormView):
    """Builds the form for ``request.user``: a user can only ever edit their own rows."""

    registry = user_preferences_registry
    form_class = UserPreferenceForm

    def has_view_permission(self) -> bool:
        # As in the REST API: every logged-in user reads and writes their own preferences.
        return self.request.user.is_authenticated

    def has_change_permission(self) -> bool:
        return self.request.user.is_authenticated

    def get_form_class(self) -> type[PreferenceForm]:
        return user_preference_form_builder(instance=self.request.user, section=self.section_name)
