"""Admin of user preferences (R-USER-6)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest

from preferences.admin import DynamicPreferenceAdmin, PerInstancePreferenceAdmin
from preferences.settings import preferences_settings

from .forms import UserSinglePreferenceForm
from .models import UserPreferenceModel


class UserPreferenceAdmin(PerInstancePreferenceAdmin):
    form = UserSinglePreferenceForm
    changelist_form = UserSinglePreferenceForm

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        # The user model's own login field: custom user models may have no ``username``.
        username_field = get_user_model().USERNAME_FIELD
        return [f"instance__{username_field}", *DynamicPreferenceAdmin.search_fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Materialise the requesting user's preferences so the list is never empty for them.
        getattr(request.user, preferences_settings.MANAGER_ATTRIBUTE).all()
        return super().get_queryset(request)


admin.site.register(UserPreferenceModel, UserPreferenceAdmin)
