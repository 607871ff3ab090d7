"""User preference pages, included by ``preferences.urls`` under ``user/`` (R-VIEW-6)."""

from django.contrib.auth.decorators import login_required
from django.urls import re_path

from .views import UserPreferenceFormView

user_preferences_view = login_required(UserPreferenceFormView.as_view())

urlpatterns = [
    re_path(r"^$", user_preferences_view, name="user"),
    re_path(r"^(?P<section>[\w\ ]+)$", user_preferences_view, name="user.section"),
]
