"""Preference pages under the ``preferences`` namespace (R-VIEW-6).

``global`` and ``global.section`` are for staff (others are sent to the admin login)
with the permissions the admin asks for (the view checks them, 403 otherwise);
``user`` and ``user.section`` (present when ``preferences.users`` is installed) edit the
logged-in user's own preferences. The admin login refuses non-staff users, so ``login``
and ``logout`` give everybody a way in: point ``settings.LOGIN_URL`` at
``"preferences:login"``.
"""

from django.apps import apps
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.views import LoginView, LogoutView
from django.urls import include, re_path

from .forms import GlobalPreferenceForm
from .registries import global_preferences_registry
from .views import PreferenceFormView

app_name = "preferences"

global_preferences_view = staff_member_required(
    PreferenceFormView.as_view(
        registry=global_preferences_registry, form_class=GlobalPreferenceForm
    )
)

urlpatterns = [
    re_path(
        r"^login/$",
        LoginView.as_view(template_name="preferences/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    re_path(r"^logout/$", LogoutView.as_view(next_page="preferences:login"), name="logout"),
    re_path(r"^global/$", global_preferences_view, name="global"),
    re_path(r"^global/(?P<section>[\w\ ]+)$", global_preferences_view, name="global.section"),
]

if apps.is_installed("preferences.users"):
    urlpatterns.append(re_path(r"^user/", include("preferences.users.urls")))
