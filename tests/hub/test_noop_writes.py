"""A write that stores the value a preference already has is no change: no event, no fan-out.

The engine's ``preference_updated`` still fires for the manager's write of an unchanged
value, as upstream does; the hub ignores it. Pages and forms do not even write the
fields that did not change.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from hub.models import Event
from preferences.pending import Flush
from preferences.registries import global_preferences_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored_max_users(manager):
    """``user__max_users`` saved as 12 (one event), then the event log emptied."""
    manager["user__max_users"] = 12
    Event.objects.all().delete()
    return manager.get_db_pref(section="user", name="max_users")


def _no_event_and_no_fanout(callbacks) -> None:
    assert not Event.objects.exists()
    # Nothing of the hub's was scheduled to run after the commit; a row the manager saved
    # still has its cache write waiting for the commit.
    assert [c for c in callbacks if not isinstance(c, Flush)] == []


def test_manager_noop_still_sends_the_signal_but_records_no_event(
    stored_max_users, manager, signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        manager["user__max_users"] = 12

    assert [(s["old_value"], s["new_value"]) for s in signals] == [(12, 12)]
    _no_event_and_no_fanout(callbacks)


def test_first_write_of_the_default_is_no_change(manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        manager["user__max_users"] = 100  # the declared default; no row existed

    _no_event_and_no_fanout(callbacks)


def test_a_real_change_after_a_noop_is_recorded(stored_max_users, manager):
    manager["user__max_users"] = 12
    manager["user__max_users"] = 13

    assert list(Event.objects.values_list("old_value", "new_value")) == [("12", "13")]


def test_page_writes_only_the_changed_field_and_says_saved(admin_client, stored_max_users):
    page = reverse("preferences:global.section", kwargs={"section": "user"})
    form = admin_client.get(page).context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data["user__registration_allowed"] = "on"
    data = {name: value for name, value in data.items() if value is not False}

    response = admin_client.post(page, data, follow=True)

    assert [e.identifier for e in Event.objects.all()] == ["user__registration_allowed"]
    assert [str(m) for m in response.context["messages"]] == ["Saved"]
    assert "Saved" in response.content.decode()


def test_admin_change_form_noop_records_no_event(
    admin_client, stored_max_users, django_capture_on_commit_callbacks
):
    url = reverse("admin:preferences_globalpreferencemodel_change", args=[stored_max_users.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        assert admin_client.post(url, {"raw_value": "12"}).status_code == 302

    _no_event_and_no_fanout(callbacks)


def test_admin_changelist_form_noop_records_no_event(
    admin_client, stored_max_users, settings, django_capture_on_commit_callbacks
):
    settings.DYNAMIC_PREFERENCES = {"ADMIN_ENABLE_CHANGELIST_FORM": True}
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(stored_max_users.pk),
        "form-0-raw_value": "12",
        "_save": "Save",
    }
    url = reverse("admin:preferences_globalpreferencemodel_changelist") + "?section=user"
    with django_capture_on_commit_callbacks() as callbacks:
        assert admin_client.post(url, data).status_code == 302

    _no_event_and_no_fanout(callbacks)


def test_api_patch_and_bulk_noops_record_no_event(
    admin_user, stored_max_users, django_capture_on_commit_callbacks
):
    api = APIClient()
    api.force_authenticate(admin_user)
    with django_capture_on_commit_callbacks() as callbacks:
        detail = "/api/preferences/global/user__max_users/"
        assert api.patch(detail, {"value": 12}, format="json").status_code == 200
        bulk = "/api/preferences/global/bulk/"
        assert api.post(bulk, {"user__max_users": 12}, format="json").status_code == 200

    _no_event_and_no_fanout(callbacks)
    assert global_preferences_registry.manager()["user__max_users"] == 12
