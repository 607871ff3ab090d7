"""URL configuration of the Prefhub project."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from hub.metrics.views import metrics

urlpatterns = [
    path("admin/", admin.site.urls),
    path("preferences/", include("preferences.urls")),
    path("api/preferences/", include("preferences.api.urls")),
    path("api/hub/", include("hub.api.urls")),
    path("metrics", metrics, name="metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", include("config.demo.urls")),
]
