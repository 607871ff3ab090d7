"""``sensitive = True``: sealed at rest, masked wherever a value is shown, still writable.

The marker value is searched for in the database row, the cache, the admin (list,
editable list, change page, search), the REST API (for a superuser) and the pages.
"""

import uuid

import pytest
from django.core.cache import caches
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from preferences.forms import SET_PLACEHOLDER
from preferences.models import GlobalPreferenceModel
from preferences.registries import global_preferences_registry
from preferences.sealing import SEALED_PREFIX, seal_sensitive_rows
from preferences.users.models import UserPreferenceModel
from preferences.users.registries import user_preferences_registry

pytestmark = pytest.mark.django_db

# The cache is written when the transaction commits: tests that look into it commit.
commits = pytest.mark.django_db(transaction=True)

IDENTIFIER = "test__TestGlobal1"
CHANGELIST = "admin:preferences_globalpreferencemodel_changelist"


@pytest.fixture
def sensitive(monkeypatch):
    """``test__TestGlobal1`` (a string) and the user's ``misc__favourite_colour``, sensitive."""
    for registry, identifier in [
        (global_preferences_registry, IDENTIFIER),
        (user_preferences_registry, "misc__favourite_colour"),
    ]:
        monkeypatch.setattr(type(registry.get(identifier)), "sensitive", True, raising=False)


@pytest.fixture
def secret(sensitive, manager):
    value = f"marker-{uuid.uuid4().hex}"
    manager[IDENTIFIER] = value
    return value


def _stored_raw(model, **lookup) -> str:
    """The raw value as the database holds it, read with SQL (no model code involved)."""
    row = model.objects.get(**lookup)
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute(f"SELECT raw_value FROM {table} WHERE id = %s", [row.pk])
        return cursor.fetchone()[0]


def _row():
    return GlobalPreferenceModel.objects.get(section="test", name="TestGlobal1")


# -- at rest ------------------------------------------------------------------------------


@commits
def test_sensitive_value_is_sealed_in_the_database_and_the_cache(secret, manager):
    raw = _stored_raw(GlobalPreferenceModel, section="test", name="TestGlobal1")
    assert raw.startswith(SEALED_PREFIX) and secret not in raw
    cached = caches["default"].get(manager.get_cache_key("test", "TestGlobal1"))
    assert cached.startswith(SEALED_PREFIX) and secret not in cached

    assert manager[IDENTIFIER] == secret  # from the cache
    assert manager.get(IDENTIFIER, no_cache=True) == secret
    assert manager.all()[IDENTIFIER] == secret
    assert _row().value == secret


def test_sensitive_default_is_sealed_when_its_row_is_created(sensitive, manager):
    assert manager[IDENTIFIER] == "default value"
    assert "default value" not in _stored_raw(
        GlobalPreferenceModel, section="test", name="TestGlobal1"
    )


def test_sensitive_user_preference_is_sealed(sensitive, django_user_model):
    alice = django_user_model.objects.create_user(username="alice", password="pw")
    alice.preferences["misc__favourite_colour"] = "marker-colour"

    raw = _stored_raw(UserPreferenceModel, instance=alice, name="favourite_colour")
    assert "marker-colour" not in raw
    assert alice.preferences.get("misc__favourite_colour", no_cache=True) == "marker-colour"


def test_legacy_plaintext_row_reads_and_the_data_migration_seals_it(sensitive, manager):
    GlobalPreferenceModel.objects.filter(pk=manager.get_db_pref("test", "TestGlobal1").pk).update(
        raw_value="legacy-plain"
    )
    manager.forget("test", "TestGlobal1")
    assert manager[IDENTIFIER] == "legacy-plain"

    assert seal_sensitive_rows(GlobalPreferenceModel, global_preferences_registry) == 1
    assert seal_sensitive_rows(GlobalPreferenceModel, global_preferences_registry) == 0
    assert "legacy-plain" not in _stored_raw(
        GlobalPreferenceModel, section="test", name="TestGlobal1"
    )
    assert manager.get(IDENTIFIER, no_cache=True) == "legacy-plain"


# -- admin --------------------------------------------------------------------------------


def test_admin_changelist_masks_sensitive_values(secret, admin_client):
    html = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert secret not in html and SET_PLACEHOLDER in html


def test_admin_editable_changelist_masks_and_keeps_a_blank_value(secret, admin_client, settings):
    settings.DYNAMIC_PREFERENCES = {"ADMIN_ENABLE_CHANGELIST_FORM": True}
    html = admin_client.get(reverse(CHANGELIST), {"section": "test"}).content.decode()
    assert secret not in html and 'type="password"' in html

    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(_row().pk),
        "form-0-raw_value": "",
        "_save": "Save",
    }
    assert admin_client.post(reverse(CHANGELIST) + "?section=test", data).status_code == 302
    assert global_preferences_registry.manager()[IDENTIFIER] == secret


def test_admin_change_page_masks_keeps_blank_and_replaces(secret, admin_client, manager):
    url = reverse("admin:preferences_globalpreferencemodel_change", args=[_row().pk])
    html = admin_client.get(url).content.decode()
    assert secret not in html
    assert 'type="password"' in html and f'placeholder="{SET_PLACEHOLDER}"' in html

    assert admin_client.post(url, {"raw_value": ""}).status_code == 302
    assert manager[IDENTIFIER] == secret
    assert admin_client.post(url, {"raw_value": "replaced"}).status_code == 302
    assert manager[IDENTIFIER] == "replaced"


def test_admin_read_only_change_page_masks_the_value(secret, client, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_globalpreferencemodel"))
    client.force_login(viewer)
    url = reverse("admin:preferences_globalpreferencemodel_change", args=[_row().pk])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert secret not in html and SET_PLACEHOLDER in html


def test_admin_search_does_not_find_rows_by_a_sensitive_value(secret, admin_client):
    response = admin_client.get(reverse(CHANGELIST), {"q": secret})
    assert list(response.context["cl"].result_list) == []
    response = admin_client.get(reverse(CHANGELIST), {"q": secret[:12]})
    assert _row() not in list(response.context["cl"].result_list)


# -- REST API -----------------------------------------------------------------------------


@pytest.fixture
def api(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def test_api_list_and_detail_mask_for_a_superuser(secret, api):
    listing = api.get("/api/preferences/global/")
    detail = api.get(f"/api/preferences/global/{IDENTIFIER}/")

    assert secret not in listing.content.decode() and secret not in detail.content.decode()
    assert detail.json()["value"] == SET_PLACEHOLDER
    assert detail.json()["default"] == SET_PLACEHOLDER


def test_api_writes_a_sensitive_value_and_answers_with_the_mask(secret, api, manager):
    response = api.patch(f"/api/preferences/global/{IDENTIFIER}/", {"value": "new"}, format="json")
    assert response.status_code == 200 and response.json()["value"] == SET_PLACEHOLDER
    bulk = api.post("/api/preferences/global/bulk/", {IDENTIFIER: "newer"}, format="json")
    assert bulk.status_code == 200 and "newer" not in bulk.content.decode()
    assert manager[IDENTIFIER] == "newer"


def test_api_mask_sent_back_keeps_the_value(secret, api, manager, signals):
    """A client that PUTs back what it read (the mask) does not overwrite the secret."""
    detail = api.get(f"/api/preferences/global/{IDENTIFIER}/").json()
    response = api.put(f"/api/preferences/global/{IDENTIFIER}/", detail, format="json")
    assert response.status_code == 200 and response.json()["value"] == SET_PLACEHOLDER
    bulk = api.post("/api/preferences/global/bulk/", {IDENTIFIER: SET_PLACEHOLDER}, format="json")
    assert bulk.status_code == 200
    assert manager.get(IDENTIFIER, no_cache=True) == secret
    assert signals == []


# -- pages --------------------------------------------------------------------------------


def test_page_masks_keeps_blank_and_replaces(secret, admin_client, manager):
    page = reverse("preferences:global.section", kwargs={"section": "test"})
    html = admin_client.get(page).content.decode()
    assert secret not in html
    assert 'type="password"' in html and f'placeholder="{SET_PLACEHOLDER}"' in html

    form = admin_client.get(page).context["form"]
    data = {
        name: field.initial
        for name, field in form.fields.items()
        if name != IDENTIFIER and field.initial not in (False, None)
    }
    assert admin_client.post(page, {**data, IDENTIFIER: ""}).status_code == 302
    assert manager[IDENTIFIER] == secret
    assert admin_client.post(page, {**data, IDENTIFIER: "typed"}).status_code == 302
    assert manager[IDENTIFIER] == "typed"
    after = admin_client.post(page, {**data, IDENTIFIER: "x" * 3}, follow=True)
    assert "typed" not in after.content.decode() and "xxx" not in after.content.decode()


def test_user_page_masks_the_users_sensitive_value(sensitive, client, django_user_model):
    alice = django_user_model.objects.create_user(username="alice", password="pw")
    alice.preferences["misc__favourite_colour"] = "marker-colour"
    client.force_login(alice)
    html = client.get("/user/misc").content.decode()
    assert "marker-colour" not in html and SET_PLACEHOLDER in html
