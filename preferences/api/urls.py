"""Router of the preferences API (R-API-10): ``global/`` and, with the users app, ``user/``.

Route names: ``global-list``, ``global-detail``, ``global-bulk`` (and ``user-*``) in the
``preferences-api`` namespace.
"""

from django.apps import apps
from rest_framework.routers import SimpleRouter

from .viewsets import GlobalPreferencesViewSet

app_name = "preferences-api"

router = SimpleRouter()
router.register(r"global", GlobalPreferencesViewSet, "global")
if apps.is_installed("preferences.users"):
    from preferences.users.viewsets import UserPreferencesViewSet

    router.register(r"user", UserPreferencesViewSet, "user")

urlpatterns = router.urls
