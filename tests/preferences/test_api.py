"""REST API of preferences (spec §14, R-API-*, R-USER-7), through DRF's test client."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from preferences.api.serializers import GlobalPreferenceSerializer, PreferenceValueField
from preferences.api.viewsets import (
    GlobalPreferencePermission,
    GlobalPreferencesViewSet,
    PerInstancePreferenceViewSet,
)
from preferences.models import GlobalPreferenceModel
from preferences.registries import global_preferences_registry
from preferences.signals import preference_updated
from preferences.users.models import UserPreferenceModel
from preferences.users.registries import user_preferences_registry
from preferences.users.serializers import UserPreferenceSerializer
from preferences.users.viewsets import UserPreferencesViewSet
from tests.testapp.models import BlogEntry

pytestmark = pytest.mark.django_db

SERIALIZER_KEYS = {
    "section",
    "name",
    "identifier",
    "default",
    "value",
    "verbose_name",
    "help_text",
    "additional_data",
    "field",
}


def detail_url(identifier: str, registry: str = "global") -> str:
    return reverse(f"preferences-api:{registry}-detail", kwargs={"pk": identifier})


GLOBAL_LIST = "/api/preferences/global/"
GLOBAL_BULK = "/api/preferences/global/bulk/"
USER_LIST = "/api/preferences/user/"


@pytest.fixture
def editor(django_user_model):
    """A user holding exactly the permission the global API requires (R-API-7)."""
    user = django_user_model.objects.create_user(username="editor", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="change_globalpreferencemodel"))
    return user


@pytest.fixture
def client_for():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def api(client_for, editor):
    return client_for(editor)


# -- serializers (R-API-1..3) ----------------------------------------------------------------


def test_r_api_2_serializer_output_keys_and_field_data(manager):
    row = manager.get_db_pref(section="user", name="max_users")
    data = GlobalPreferenceSerializer(row).data
    assert set(data) == SERIALIZER_KEYS
    assert data["section"] == "user"
    assert data["name"] == "max_users"
    assert data["identifier"] == "user__max_users"
    assert data["default"] == 100
    assert data["value"] == 100
    assert data["verbose_name"] == "Maximum user count"
    assert data["help_text"] == "Be careful with this setting"
    assert data["additional_data"] == {}
    assert data["field"] == {
        "class": "IntegerField",
        "widget": {"class": "NumberInput"},
        "input_type": "number",
    }


def test_r_api_2_unset_verbose_name_and_help_text_are_null(manager):
    data = GlobalPreferenceSerializer(manager.get_db_pref(section=None, name="no_section")).data
    assert data["section"] is None
    assert data["identifier"] == "no_section"
    assert data["verbose_name"] is None
    assert data["help_text"] is None


@pytest.mark.parametrize(
    ("section", "name", "expected"),
    [
        ("exam", "duration", "03:00:00"),
        ("company", "RegistrationDate", "1998-09-04"),
        ("child", "BirthDateTime", "1992-05-04T03:04:10.000150+00:00"),
        ("company", "OpenningTime", "08:00:00"),
    ],
)
def test_r_api_2_values_use_the_api_representation(manager, section, name, expected):
    row = manager.get_db_pref(section=section, name=name)
    assert GlobalPreferenceSerializer(row).data["value"] == expected


def test_r_api_1_value_field_reads_the_whole_row(manager):
    row = manager.get_db_pref(section="type", name="cost")
    field = PreferenceValueField()
    assert field.get_attribute(row) is row
    assert field.to_representation(row) == Decimal(0)
    assert field.to_internal_value("anything") == "anything"


def test_r_user_7_user_serializer_includes_choices(django_user_model):
    user = django_user_model.objects.create_user(username="u", password="pw")
    row = user_preferences_registry.manager(instance=user).get_db_pref(
        section="user", name="favorite_vegetable"
    )
    data = UserPreferenceSerializer(row).data
    assert data["additional_data"]["choices"] == row.preference.choices
    assert data["value"] == "C"


def test_r_api_3_serializer_rejects_with_the_preference_message(manager):
    row = manager.get_db_pref(section="user", name="max_users")
    serializer = GlobalPreferenceSerializer(row, data={"value": 1001})
    assert not serializer.is_valid()
    assert serializer.errors == {"value": ["Wrong value!"]}


def test_r_api_3_serializer_saves_the_cleaned_value(manager):
    row = manager.get_db_pref(section="type", name="cost")
    serializer = GlobalPreferenceSerializer(row, data={"value": "111.11"})
    assert serializer.is_valid(), serializer.errors
    serializer.save()
    assert manager.get_db_pref(section="type", name="cost").value == Decimal("111.11")


# -- list, retrieve, update (R-API-4, R-API-5, R-API-10) ----------------------------------


def test_r_api_10_route_names():
    assert reverse("preferences-api:global-list") == GLOBAL_LIST
    assert reverse("preferences-api:global-bulk") == GLOBAL_BULK
    assert detail_url("user__max_users") == "/api/preferences/global/user__max_users/"
    assert reverse("preferences-api:user-list") == USER_LIST
    assert reverse("preferences-api:user-bulk") == "/api/preferences/user/bulk/"
    assert detail_url("misc__is_zombie", "user") == "/api/preferences/user/misc__is_zombie/"


def test_r_api_5_list_materialises_every_preference(api):
    assert GlobalPreferenceModel.objects.count() == 0
    response = api.get(GLOBAL_LIST)
    assert response.status_code == 200
    identifiers = {item["identifier"] for item in response.json()}
    assert identifiers == {p.identifier() for p in global_preferences_registry.preferences()}
    assert GlobalPreferenceModel.objects.count() == 15


def test_r_api_5_list_filters_by_section(api):
    response = api.get(GLOBAL_LIST, {"section": "user"})
    assert response.status_code == 200
    assert sorted(item["name"] for item in response.json()) == [
        "items_per_page",
        "max_users",
        "registration_allowed",
    ]


@pytest.mark.parametrize("section", ["nope", "nope\x00"])
def test_r_api_5_unknown_section_is_a_400_naming_it(api, section):
    response = api.get(GLOBAL_LIST, {"section": section})
    assert response.status_code == 400
    message = response.json()["section"][0]
    assert message.startswith(f"Unknown section {section!r}.")
    assert "user" in message  # the known sections are listed


def test_r_api_5_retrieve_by_identifier(api, manager):
    manager["user__max_users"] = 42
    response = api.get(detail_url("user__max_users"))
    assert response.status_code == 200
    assert response.json()["identifier"] == "user__max_users"
    assert response.json()["value"] == 42
    section_less = api.get(detail_url("no_section"))
    assert section_less.status_code == 200
    assert section_less.json()["value"] is False


@pytest.mark.parametrize("identifier", ["user__nope", "nope__max_users", "nope", "a__b__c"])
def test_r_api_5_unknown_identifier_is_404(api, identifier):
    assert api.get(detail_url(identifier)).status_code == 404
    assert api.patch(detail_url(identifier), {"value": 1}, format="json").status_code == 404


def test_r_api_5_no_create_no_delete(api):
    assert api.post(GLOBAL_LIST, {"value": 1}, format="json").status_code == 405
    assert api.delete(detail_url("user__max_users")).status_code == 405


def test_r_api_4_patch_writes_through_the_manager(api, manager, signals):
    manager["user__max_users"] = 20
    signals.clear()
    response = api.patch(detail_url("user__max_users"), {"value": 16}, format="json")
    assert response.status_code == 200
    assert response.json()["value"] == 16
    assert manager["user__max_users"] == 16
    assert GlobalPreferenceModel.objects.get(section="user", name="max_users").raw_value == "16"
    assert len(signals) == 1
    assert signals[0]["old_value"] == 20
    assert signals[0]["new_value"] == 16


def test_r_api_4_put_stores_a_decimal(api, manager):
    response = api.put(detail_url("type__cost"), {"value": "111.11"}, format="json")
    assert response.status_code == 200
    assert manager["type__cost"] == Decimal("111.11")


def test_r_api_4_patch_model_choice_and_datetime(api, manager):
    entry = BlogEntry.objects.create(title="t", content="c")
    assert (
        api.patch(detail_url("blog__featured_entry"), {"value": entry.pk}, format="json").json()[
            "value"
        ]
        == entry.pk
    )
    assert manager["blog__featured_entry"] == entry
    response = api.patch(
        detail_url("child__BirthDateTime"), {"value": "2020-01-02T03:04:05+00:00"}, format="json"
    )
    assert response.status_code == 200
    assert manager["child__BirthDateTime"] == datetime.datetime(
        2020, 1, 2, 3, 4, 5, tzinfo=datetime.UTC
    )


def test_r_api_4_patch_without_value_changes_nothing(api, manager, signals):
    response = api.patch(detail_url("user__max_users"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["value"] == 100
    assert signals == []


def test_r_api_3_patch_rejected_value_is_400(api, manager):
    response = api.patch(detail_url("user__max_users"), {"value": 1001}, format="json")
    assert response.status_code == 400
    assert response.json() == {"value": ["Wrong value!"]}
    assert manager["user__max_users"] == 100


def test_r_api_3_bad_choice_names_a_valid_choice(client_for, django_user_model):
    user = django_user_model.objects.create_user(username="u", password="pw")
    response = client_for(user).patch(
        detail_url("user__favorite_vegetable", "user"), {"value": "Nope"}, format="json"
    )
    assert response.status_code == 400
    assert "valid choice" in response.json()["value"][0]


@pytest.mark.parametrize(
    ("identifier", "value"),
    [
        ("user__max_users", None),
        ("user__max_users", ""),
        ("user__max_users", "many"),
        ("company__RegistrationDate", 5),
        ("company__RegistrationDate", None),
        ("exam__duration", {"hours": 3}),
        ("type__cost", [1]),
        ("blog__featured_entry", 999),
        ("blog__logo", "not a file"),
    ],
)
def test_r_api_11_unstorable_values_are_400_not_500(api, manager, signals, identifier, value):
    before = manager.get_db_pref(*manager.parse_lookup(identifier)).raw_value
    response = api.patch(detail_url(identifier), {"value": value}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["value"]
    assert manager.get_db_pref(*manager.parse_lookup(identifier)).raw_value == before
    assert signals == []


def test_r_api_5_malformed_json_is_400(api):
    response = api.generic(
        "PATCH", detail_url("user__max_users"), "{not json", content_type="application/json"
    )
    assert response.status_code == 400


# -- bulk (R-API-6, R-API-11) ---------------------------------------------------------------


def test_r_api_6_bulk_writes_every_item_with_one_signal_each(api, manager, signals):
    response = api.post(
        GLOBAL_BULK, {"user__max_users": 16, "user__registration_allowed": True}, format="json"
    )
    assert response.status_code == 200
    assert {item["identifier"]: item["value"] for item in response.json()} == {
        "user__max_users": 16,
        "user__registration_allowed": True,
    }
    assert manager["user__max_users"] == 16
    assert manager["user__registration_allowed"] is True
    assert sorted(s["name"] for s in signals) == ["max_users", "registration_allowed"]


def test_r_api_6_bulk_validation_error_writes_nothing(api, manager, signals):
    response = api.post(
        GLOBAL_BULK, {"user__max_users": 1001, "user__registration_allowed": True}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"user__max_users": {"value": ["Wrong value!"]}}
    assert manager["user__max_users"] == 100
    assert manager["user__registration_allowed"] is False
    assert signals == []


def test_r_api_11_bulk_unstorable_value_is_reported_per_identifier(api, manager, signals):
    response = api.post(
        GLOBAL_BULK, {"user__max_users": None, "test__TestGlobal1": "kept?"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["user__max_users"]
    assert manager["test__TestGlobal1"] == "default value"
    assert signals == []


@pytest.mark.parametrize("payload", [[1, 2], "text", 3])
def test_r_api_6_bulk_payload_must_be_an_object(api, payload):
    response = api.post(GLOBAL_BULK, payload, format="json")
    assert response.status_code == 400
    assert response.json() == "invalid payload"


def test_r_api_6_bulk_empty_payload(api):
    response = api.post(GLOBAL_BULK, {}, format="json")
    assert response.status_code == 400
    assert response.json() == "empty payload"


def test_r_api_6_bulk_unknown_identifiers_are_named(api, manager, signals):
    payload = {
        "user__max_users": 5,
        "user__unknown": 1,
        "unknownsection__name": 1,
        "nothing_here": 1,
    }
    response = api.post(GLOBAL_BULK, payload, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "user__unknown": "invalid preference",
        "unknownsection__name": "invalid preference",
        "nothing_here": "invalid preference",
    }
    assert manager["user__max_users"] == 100
    assert signals == []


def test_r_api_6_bulk_rolls_back_when_a_receiver_fails(api, manager):
    def explode(sender, name, **kwargs):
        if name == "registration_allowed":
            raise RuntimeError("receiver failed")

    preference_updated.connect(explode)
    try:
        with pytest.raises(RuntimeError):
            api.post(
                GLOBAL_BULK,
                {"user__max_users": 16, "user__registration_allowed": True},
                format="json",
            )
    finally:
        preference_updated.disconnect(explode)
    assert manager.get("user__max_users", True) == 100
    assert manager.get("user__registration_allowed", True) is False


# -- permissions (R-API-7, R-API-8, R-API-9) ------------------------------------------------


def test_r_api_8_global_viewset_configuration():
    assert GlobalPreferencesViewSet.serializer_class is GlobalPreferenceSerializer
    assert GlobalPreferencesViewSet.permission_classes == [GlobalPreferencePermission]
    assert GlobalPreferencesViewSet.queryset.model is GlobalPreferenceModel
    assert set(GlobalPreferencePermission.perms_map) == {
        "GET",
        "OPTIONS",
        "HEAD",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
    }


def test_r_api_7_anonymous_is_forbidden():
    client = APIClient()
    assert client.get(GLOBAL_LIST).status_code == 403
    assert client.get(detail_url("user__max_users")).status_code == 403
    assert client.post(GLOBAL_BULK, {"user__max_users": 5}, format="json").status_code == 403
    assert client.get(USER_LIST).status_code == 403


def test_r_api_7_change_permission_is_needed_even_to_read(client_for, django_user_model, manager):
    staff = django_user_model.objects.create_user(username="staff", password="pw", is_staff=True)
    client = client_for(staff)
    assert client.get(GLOBAL_LIST).status_code == 403
    assert client.options(GLOBAL_LIST).status_code == 403
    assert client.get(detail_url("user__max_users")).status_code == 403
    assert (
        client.patch(detail_url("user__max_users"), {"value": 5}, format="json").status_code == 403
    )
    assert client.post(GLOBAL_BULK, {"user__max_users": 5}, format="json").status_code == 403
    assert manager["user__max_users"] == 100


def test_r_api_7_session_login_with_the_permission(editor):
    client = APIClient()
    assert client.login(username="editor", password="pw")
    assert client.get(GLOBAL_LIST).status_code == 200


def test_r_api_9_user_sees_only_their_own_preferences(client_for, django_user_model):
    alice = django_user_model.objects.create_user(username="alice", password="pw")
    bob = django_user_model.objects.create_user(username="bob", password="pw")
    bob.preferences["misc__favourite_colour"] = "Blue"
    response = client_for(alice).get(USER_LIST)
    assert response.status_code == 200
    assert len(response.json()) == len(user_preferences_registry.preferences()) == 8
    values = {item["identifier"]: item["value"] for item in response.json()}
    assert values["misc__favourite_colour"] == "Green"
    assert UserPreferenceModel.objects.filter(instance=alice).count() == 8


def test_r_api_9_user_updates_only_their_own_rows(client_for, django_user_model, signals):
    alice = django_user_model.objects.create_user(username="alice", password="pw")
    bob = django_user_model.objects.create_user(username="bob", password="pw")
    assert bob.preferences["misc__favourite_colour"] == "Green"
    response = client_for(alice).patch(
        detail_url("misc__favourite_colour", "user"), {"value": "Purple"}, format="json"
    )
    assert response.status_code == 200
    assert alice.preferences["misc__favourite_colour"] == "Purple"
    assert bob.preferences["misc__favourite_colour"] == "Green"
    assert [s["instance"].instance for s in signals] == [alice]


def test_r_api_9_another_users_row_is_404(client_for, django_user_model):
    alice = django_user_model.objects.create_user(username="alice", password="pw")
    bob = django_user_model.objects.create_user(username="bob", password="pw")
    bob.preferences.all()
    bobs_row = UserPreferenceModel.objects.filter(instance=bob).first()
    client = client_for(alice)
    assert client.get(detail_url(str(bobs_row.pk), "user")).status_code == 404
    assert (
        client.patch(
            detail_url(str(bobs_row.pk), "user"), {"value": "x"}, format="json"
        ).status_code
        == 404
    )


def test_r_api_9_user_bulk(client_for, django_user_model):
    alice = django_user_model.objects.create_user(username="alice", password="pw")
    response = client_for(alice).post(
        "/api/preferences/user/bulk/",
        {"misc__is_zombie": False, "user__favorite_vegetables": ["T"]},
        format="json",
    )
    assert response.status_code == 200
    assert alice.preferences["misc__is_zombie"] is False
    assert alice.preferences["user__favorite_vegetables"] == ["T"]


def test_r_api_9_per_instance_viewset_needs_a_related_instance():
    assert UserPreferencesViewSet.queryset.model is UserPreferenceModel
    with pytest.raises(NotImplementedError):
        PerInstancePreferenceViewSet().get_related_instance()


# -- OpenAPI schema ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_schema_and_swagger_ui_are_refused_to_anonymous_visitors(client, url):
    """The schema enumerates every identifier and section; only signed-in users see it."""
    response = client.get(url)
    assert response.status_code == 403
    assert b"user__max_users" not in response.content


def test_openapi_schema_is_valid_and_lists_identifiers(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader"))
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    detail = schema["paths"]["/api/preferences/global/{id}/"]["patch"]
    (path_parameter,) = [p for p in detail["parameters"] if p["in"] == "path"]
    assert "user__max_users" in path_parameter["schema"]["enum"]
    assert set(detail["responses"]) == {"200", "400", "403", "404", "413"}
    bulk = schema["paths"]["/api/preferences/user/bulk/"]["post"]
    body = bulk["requestBody"]["content"]["application/json"]["schema"]
    assert body["type"] == "object"
    assert "misc__is_zombie" in body["properties"]


def test_openapi_docs_page_renders(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader"))
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
