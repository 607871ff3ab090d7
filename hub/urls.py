"""URL configuration of the Prefhub project."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("hub.demo.urls")),
]
