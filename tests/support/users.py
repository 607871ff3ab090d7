"""Users and logged-in clients for admin, page and API tests."""

from django.contrib.auth.models import Permission, User
from django.test import Client
from rest_framework.test import APIClient

# The view permissions of the webhook models: a staff user who may look but not act.
WEBHOOK_VIEW_PERMISSIONS = ("view_webhookendpoint", "view_message", "view_attempt")


def superuser() -> User:
    return User.objects.create_superuser("root", "root@example.com", "pw")


def staff(username: str = "staff", *, permissions: tuple[str, ...] = ()) -> User:
    """A staff user holding exactly the permissions named by codename."""
    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    return user


def preference_editor() -> User:
    """A user (not staff) holding exactly the permission the global preferences API needs."""
    user = User.objects.create_user("editor", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="change_globalpreferencemodel"))
    return user


def browser_for(user: User) -> Client:
    """Django's test client, logged in as ``user`` (admin and pages)."""
    client = Client()
    client.force_login(user)
    return client


def api_for(user: User) -> APIClient:
    """DRF's test client, authenticated as ``user``."""
    client = APIClient()
    client.force_authenticate(user)
    return client
