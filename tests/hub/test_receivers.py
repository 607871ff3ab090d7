"""The receiver: every write path yields exactly one event, with the acting user (F1)."""

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Permission
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from hub.actor import ActorMiddleware
from hub.models import Event
from preferences.registries import global_preferences_registry
from preferences.signals import preference_updated

pytestmark = pytest.mark.django_db

RECEIVER_UID = "hub.receivers.record_preference_change"


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user(username="editor", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="change_globalpreferencemodel"))
    return user


def _events() -> list[tuple]:
    return list(
        Event.objects.order_by("id").values_list("identifier", "new_value", "actor_id", "owner_id")
    )


def test_f1_receiver_connected_once_even_if_ready_runs_again():
    apps.get_app_config("hub").ready()

    global_preferences_registry.manager()["user__max_users"] = 12

    assert Event.objects.count() == 1
    assert preference_updated.disconnect(dispatch_uid=RECEIVER_UID)
    apps.get_app_config("hub").ready()


def test_f1_manager_write_outside_a_request_has_no_actor():
    global_preferences_registry.manager()["user__max_users"] = 12

    assert _events() == [("user__max_users", "12", None, None)]


def test_f1_admin_change_form_records_the_admin(admin_client, admin_user):
    row = global_preferences_registry.manager().get_db_pref(section="user", name="max_users")
    url = reverse("admin:preferences_globalpreferencemodel_change", args=[row.pk])

    assert admin_client.post(url, {"raw_value": "12"}).status_code == 302

    assert _events() == [("user__max_users", "12", admin_user.pk, None)]


def test_f1_rest_patch_records_the_api_user(editor):
    api = APIClient()
    api.force_login(editor)
    url = reverse("preferences-api:global-detail", kwargs={"pk": "user__max_users"})

    assert api.patch(url, {"value": 12}, format="json").status_code == 200

    assert _events() == [("user__max_users", "12", editor.pk, None)]


def test_f1_rest_bulk_records_one_event_per_item(editor):
    api = APIClient()
    api.force_login(editor)
    url = reverse("preferences-api:global-bulk")

    body = {"user__max_users": 12, "test__TestGlobal1": "bulk"}
    assert api.post(url, body, format="json").status_code == 200

    assert sorted(_events()) == [
        ("test__TestGlobal1", "bulk", editor.pk, None),
        ("user__max_users", "12", editor.pk, None),
    ]


def test_f1_global_form_view_records_the_user(admin_client, admin_user):
    assert admin_client.post("/global/type", {"type__cost": "2.50"}).status_code == 302

    assert _events() == [("type__cost", "2.50", admin_user.pk, None)]


def test_f1_user_form_view_records_user_as_actor_and_owner(client, django_user_model):
    alice = django_user_model.objects.create_user(username="alice", password="pw")
    client.force_login(alice)

    data = {"misc__favourite_colour": "Blue", "misc__is_zombie": ""}
    assert client.post("/user/misc", data).status_code == 302

    assert sorted(_events()) == [
        ("misc__favourite_colour", "Blue", alice.pk, str(alice.pk)),
        ("misc__is_zombie", "False", alice.pk, str(alice.pk)),
    ]


def test_f1_anonymous_request_has_no_actor():
    def view(request):
        global_preferences_registry.manager()["user__max_users"] = 12
        return HttpResponse()

    request = RequestFactory().post("/")
    request.user = AnonymousUser()
    ActorMiddleware(view)(request)

    assert _events() == [("user__max_users", "12", None, None)]


def test_f1_actor_is_forgotten_after_the_request(admin_user):
    def view(request):
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = admin_user
    ActorMiddleware(view)(request)
    global_preferences_registry.manager()["user__max_users"] = 12

    assert _events() == [("user__max_users", "12", None, None)]
