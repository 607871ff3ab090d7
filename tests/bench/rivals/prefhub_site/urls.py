"""No pages: config/urls.py would bring in the demo app and its handler."""

urlpatterns: list = []
