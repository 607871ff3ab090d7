"""``preference_updated`` from every write path: exactly once, sender = the preference class,
instance = the written row (R-SIG-3, R-SIG-4 a-d)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from preferences.registries import global_preferences_registry
from tests.support.users import api_for, preference_editor
from tests.testapp.dynamic_preferences_registry import BlogCost, FavouriteColour, MaxUsers

pytestmark = pytest.mark.django_db


@pytest.fixture
def max_users_row():
    return global_preferences_registry.manager().get_db_pref(section="user", name="max_users")


@pytest.fixture
def api(db):
    return api_for(preference_editor())


def assert_one_signal(signals, sender, row, new_value):
    assert len(signals) == 1
    (signal,) = signals
    assert signal["sender"] is sender
    assert signal["instance"] == row
    assert type(signal["instance"]) is type(row)
    assert signal["section"] == row.section
    assert signal["name"] == row.name
    assert signal["new_value"] == new_value
    assert type(row).objects.get(pk=row.pk).value == new_value


def test_r_sig_4a_manager(signals, max_users_row):
    global_preferences_registry.manager()["user__max_users"] = 12
    assert_one_signal(signals, MaxUsers, max_users_row, 12)


def test_r_sig_4b_admin_change_form(signals, admin_client, max_users_row):
    url = reverse("admin:preferences_globalpreferencemodel_change", args=[max_users_row.pk])
    assert admin_client.post(url, {"raw_value": "12"}).status_code == 302
    assert_one_signal(signals, MaxUsers, max_users_row, 12)


def test_r_sig_4b_admin_changelist_form(signals, admin_client, max_users_row, settings):
    settings.DYNAMIC_PREFERENCES = {"ADMIN_ENABLE_CHANGELIST_FORM": True}
    response = admin_client.post(
        reverse("admin:preferences_globalpreferencemodel_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(max_users_row.pk),
            "form-0-raw_value": "12",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    assert_one_signal(signals, MaxUsers, max_users_row, 12)


def test_r_sig_4c_rest_detail_put(signals, api, max_users_row):
    url = reverse("preferences-api:global-detail", kwargs={"pk": "user__max_users"})
    assert api.put(url, {"value": 12}, format="json").status_code == 200
    assert_one_signal(signals, MaxUsers, max_users_row, 12)


def test_r_sig_4c_rest_patch(signals, api, max_users_row):
    url = reverse("preferences-api:global-detail", kwargs={"pk": "user__max_users"})
    assert api.patch(url, {"value": 12}, format="json").status_code == 200
    assert_one_signal(signals, MaxUsers, max_users_row, 12)


def test_r_sig_4c_rest_bulk(signals, api, max_users_row):
    url = reverse("preferences-api:global-bulk")
    assert api.post(url, {"user__max_users": 12}, format="json").status_code == 200
    assert_one_signal(signals, MaxUsers, max_users_row, 12)


def test_r_sig_4d_global_form_view(signals, admin_client):
    # The "type" section holds one preference, so the page writes exactly one.
    row = global_preferences_registry.manager().get_db_pref(section="type", name="cost")
    assert admin_client.post("/global/type", {"type__cost": "2.50"}).status_code == 302
    assert_one_signal(signals, BlogCost, row, Decimal("2.50"))


def test_r_sig_4d_user_form_view(signals, client, django_user_model):
    alice = django_user_model.objects.create_user(username="alice", password="pw")
    row = alice.preferences.get_db_pref(section="misc", name="favourite_colour")
    client.force_login(alice)
    response = client.post(
        "/user/misc", {"misc__favourite_colour": "Blue", "misc__is_zombie": "on"}
    )
    assert response.status_code == 302
    # The form writes its one changed field; is_zombie is already on and is not written.
    assert sorted(s["name"] for s in signals) == ["favourite_colour"]
    colour = [s for s in signals if s["name"] == "favourite_colour"]
    assert_one_signal(colour, FavouriteColour, row, "Blue")
    assert colour[0]["instance"].instance == alice
