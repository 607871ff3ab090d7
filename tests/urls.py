"""URL configuration of the test suite: the preferences app mounted at the root (R-VIEW-6)."""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
