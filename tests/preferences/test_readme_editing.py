"""The examples of the docs pages docs/editing/admin.md, pages.md and rest-api.md.

The examples use three preferences of the demo registry (``shop__items_per_page``,
``general__maintenance_mode`` and the user preference ``display__theme``); they are
registered here, with the demo's rules, for this module only. Python examples are copied
verbatim; each curl example is sent as the same HTTP request with httpx to a live server.
"""

import httpx
import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from preferences.admin import PerInstancePreferenceAdmin
from preferences.forms import SinglePerInstancePreferenceForm
from preferences.preferences import Section
from preferences.registries import global_preferences_registry
from preferences.types import BooleanPreference, ChoicePreference, IntegerPreference
from preferences.users.registries import user_preferences_registry
from tests.testapp.models import Site, SitePreferenceModel

PASSWORD = "secret"
THEMES = (("light", "Light"), ("dark", "Dark"), ("system", "Follow the system"))


class ItemsPerPage(IntegerPreference):
    section = Section("shop", verbose_name="Shop")
    name = "items_per_page"
    default = 25

    def validate(self, value: int) -> None:
        if not 5 <= value <= 200:
            raise ValidationError("Items per page must be between 5 and 200.")


class MaintenanceMode(BooleanPreference):
    section = Section("general", verbose_name="General")
    name = "maintenance_mode"
    default = False


class UserTheme(ChoicePreference):
    section = Section("display", verbose_name="Display")
    name = "theme"
    choices = THEMES
    default = "system"


@pytest.fixture(autouse=True)
def readme_registries():
    """Register the examples' preferences; restore both reference registries afterwards."""
    registries = (global_preferences_registry, user_preferences_registry)
    saved = [
        ({s: dict(by_name) for s, by_name in r.items()}, dict(r.section_objects))
        for r in registries
    ]
    global_preferences_registry.register(ItemsPerPage)
    global_preferences_registry.register(MaintenanceMode)
    user_preferences_registry.register(UserTheme)
    yield
    for registry, (sections, section_objects) in zip(registries, saved, strict=True):
        registry.clear()
        registry.update(sections)
        registry.section_objects.clear()
        registry.section_objects.update(section_objects)


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user(username="editor", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="change_globalpreferencemodel"))
    return user


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user(username="alice", password=PASSWORD)


@pytest.fixture
def http(live_server):
    """``curl -u editor:secret``: httpx with basic authentication against the live server."""
    with httpx.Client(base_url=live_server.url, auth=("editor", PASSWORD), timeout=10) as client:
        yield client


# -- "In the admin" ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_urls_and_changelist_form_setting(admin_client, settings):
    global_list = reverse("admin:preferences_globalpreferencemodel_changelist")
    user_list = reverse("admin:preferences_users_userpreferencemodel_changelist")
    assert global_list == "/admin/preferences/globalpreferencemodel/"
    assert user_list == "/admin/preferences_users/userpreferencemodel/"
    assert admin_client.get(global_list).context["cl"].formset is None
    settings.DYNAMIC_PREFERENCES = {"ADMIN_ENABLE_CHANGELIST_FORM": True}
    assert admin_client.get(global_list).context["cl"].formset is not None


@pytest.mark.django_db
def test_admin_of_a_per_instance_model(admin_user, signals):
    # docs/editing/admin.md registers on admin.site; a private AdminSite keeps this test
    # self-contained.
    site_admin = AdminSite(name="readme")

    class SiteSinglePreferenceForm(SinglePerInstancePreferenceForm):
        class Meta:
            model = SitePreferenceModel
            fields = SinglePerInstancePreferenceForm.Meta.fields

    @admin.register(SitePreferenceModel, site=site_admin)
    class SitePreferenceAdmin(PerInstancePreferenceAdmin):
        form = changelist_form = SiteSinglePreferenceForm

    site = Site.objects.create(domain="example.com")
    row = site.preferences.get_db_pref(section="access", name="max_visitors")
    model_admin = site_admin.get_model_admin(SitePreferenceModel)
    request = RequestFactory().post("/", {"raw_value": "75"})
    request.user = admin_user
    form = model_admin.get_form(request, row, change=True)(request.POST, instance=row)
    assert form.is_valid(), form.errors
    model_admin.save_model(request, model_admin.save_form(request, form, True), form, True)
    assert site.preferences["access__max_visitors"] == 75
    assert [s["instance"].instance for s in signals] == [site]


# -- "On the preference pages" --------------------------------------------------------------


def test_page_urls_in_the_project():
    names = {
        "preferences:global": "/preferences/global/",
        "preferences:user": "/preferences/user/",
        "preferences:login": "/preferences/login/",
        "preferences:logout": "/preferences/logout/",
    }
    for name, url in names.items():
        assert reverse(name, urlconf="config.urls") == url
    assert reverse(
        "preferences:global.section", urlconf="config.urls", kwargs={"section": "shop"}
    ) == ("/preferences/global/shop")


@pytest.mark.django_db
def test_page_logins(client, alice, settings):
    assert settings.LOGIN_URL == "preferences:login"
    assert client.get(reverse("preferences:global")).url.startswith("/admin/login/")
    response = client.get(reverse("preferences:user"))
    assert response.url == f"{reverse('preferences:login')}?next={reverse('preferences:user')}"


@pytest.mark.django_db
def test_forms_in_code(alice, signals):
    user = alice
    global_preferences = global_preferences_registry.manager()
    # -- verbatim from docs/editing/pages.md --
    from preferences.forms import global_preference_form_builder
    from preferences.users.forms import user_preference_form_builder

    ShopForm = global_preference_form_builder(preferences=["shop__items_per_page"])
    form = ShopForm(data={"shop__items_per_page": "50"})
    if form.is_valid():
        form.update_preferences()  # one preference_updated per changed field

    ThemeForm = user_preference_form_builder(instance=user, preferences=["display__theme"])
    form = ThemeForm(data={"display__theme": "dark"})
    if form.is_valid():
        form.update_preferences()  # writes this user's preference only
    # -- end --
    assert global_preferences["shop__items_per_page"] == 50
    assert user.preferences["display__theme"] == "dark"
    assert [s["sender"] for s in signals] == [ItemsPerPage, UserTheme]
    assert len(global_preference_form_builder(section="shop").base_fields) == 1


# -- "Over the REST API" (the curl examples) ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_curl_list_section_and_detail(http, editor):
    listing = http.get("/api/preferences/global/")
    assert listing.status_code == 200
    assert {"shop__items_per_page", "general__maintenance_mode"} <= {
        item["identifier"] for item in listing.json()
    }
    shop = http.get("/api/preferences/global/?section=shop")
    assert [item["identifier"] for item in shop.json()] == ["shop__items_per_page"]
    detail = http.get("/api/preferences/global/shop__items_per_page/").json()
    assert set(detail) == {
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
    assert detail["value"] == 25


@pytest.mark.django_db(transaction=True)
def test_curl_patch_and_bulk(http, editor):
    json_headers = {"Content-Type": "application/json"}
    response = http.patch(
        "/api/preferences/global/shop__items_per_page/",
        content=b'{"value": 50}',
        headers=json_headers,
    )
    assert response.status_code == 200
    assert response.json()["value"] == 50
    response = http.post(
        "/api/preferences/global/bulk/",
        content=b'{"shop__items_per_page": 40, "general__maintenance_mode": true}',
        headers=json_headers,
    )
    assert response.status_code == 200
    manager = global_preferences_registry.manager()
    assert manager["shop__items_per_page"] == 40
    assert manager["general__maintenance_mode"] is True


@pytest.mark.django_db(transaction=True)
def test_curl_users_own_preference(live_server, alice):
    with httpx.Client(base_url=live_server.url, auth=("alice", PASSWORD), timeout=10) as http:
        response = http.patch(
            "/api/preferences/user/display__theme/",
            content=b'{"value": "dark"}',
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 200
    assert alice.preferences["display__theme"] == "dark"


@pytest.mark.django_db(transaction=True)
def test_session_authentication_needs_the_csrf_header(live_server, alice):
    with httpx.Client(base_url=live_server.url, timeout=10) as browser:
        browser.get("/login/")
        token = browser.cookies["csrftoken"]
        login = browser.post(
            "/login/",
            data={"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{live_server.url}/login/"},
        )
        assert login.status_code == 302
        url = "/api/preferences/user/display__theme/"
        assert browser.get(url).json()["value"] == "system"
        assert browser.patch(url, json={"value": "dark"}).status_code == 403
        token = browser.cookies["csrftoken"]
        response = browser.patch(url, json={"value": "dark"}, headers={"X-CSRFToken": token})
        assert response.status_code == 200
    assert alice.preferences["display__theme"] == "dark"


@pytest.mark.django_db(transaction=True)
def test_documented_errors(http, editor, django_user_model):
    detail = "/api/preferences/global/shop__items_per_page/"
    message = ["Items per page must be between 5 and 200."]
    assert http.patch(detail, json={"value": 1000}).json() == {"value": message}
    response = http.patch(detail, json={"value": None})
    assert (response.status_code, response.json()) == (400, {"value": ["This field is required."]})
    bulk = "/api/preferences/global/bulk/"
    response = http.post(
        bulk, json={"shop__items_per_page": 1000, "general__maintenance_mode": True}
    )
    assert (response.status_code, response.json()) == (
        400,
        {"shop__items_per_page": {"value": message}},
    )
    assert global_preferences_registry.manager()["general__maintenance_mode"] is False
    assert http.post(bulk, json={"shop__nope": 1}).json() == {"shop__nope": "invalid preference"}
    assert http.post(bulk, json=[1, 2]).json() == "invalid payload"
    assert http.post(bulk, json={}).json() == "empty payload"
    assert http.get("/api/preferences/global/shop__nope/").status_code == 404
    django_user_model.objects.create_user(username="nobody", password=PASSWORD)
    response = http.get("/api/preferences/global/", auth=("nobody", PASSWORD))
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
    assert httpx.get(f"{http.base_url}/api/preferences/global/").status_code == 403


# -- "OpenAPI schema and fuzzing" --------------------------------------------------------------


@pytest.mark.django_db
def test_schema_and_docs_urls(client, django_user_model):
    assert client.get("/api/schema/").status_code == 403  # signed-in users only
    client.force_login(django_user_model.objects.create_user("reader"))
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    path = schema["paths"]["/api/preferences/global/"]["get"]
    (section,) = [p for p in path["parameters"] if p["name"] == "section"]
    assert "shop" in section["schema"]["enum"]
    assert client.get("/api/docs/").status_code == 200
