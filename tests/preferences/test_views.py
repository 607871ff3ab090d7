"""Preference pages: views, URLs and templates (spec §13, R-VIEW-*, R-USER-5, R-FORM-7)."""

import datetime
import importlib

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import modify_settings
from django.urls import reverse

from preferences import urls as preferences_urls
from preferences.forms import GlobalPreferenceForm, global_preference_form_builder
from preferences.processors import global_preferences
from preferences.registries import global_preferences_registry
from preferences.users.forms import UserPreferenceForm, user_preference_form_builder
from preferences.users.registries import user_preferences_registry
from preferences.users.views import UserPreferenceFormView
from preferences.views import PreferenceFormView
from tests.testapp.models import BlogEntry
from tests.testapp.registries import site_preferences_registry

pytestmark = pytest.mark.django_db


def grant(user, *codenames: str) -> None:
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="preferences", codename__in=codenames)
    )


@pytest.fixture
def staff_client(client, django_user_model):
    """A staff user who may change global preferences, like an editor in the admin."""
    staff = django_user_model.objects.create_user(username="staff", password="pw", is_staff=True)
    grant(staff, "change_globalpreferencemodel")
    client.force_login(staff)
    return client


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="alice", password="pw")


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


def form_data(form) -> dict:
    """What a browser would post back for an unchanged form (booleans only when true)."""
    data = {}
    for name, field in form.fields.items():
        value = field.initial
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = (
                field.widget.format_value(value) if hasattr(field.widget, "format_value") else value
            )
    return data


# -- URLs and access (R-VIEW-6) ---------------------------------------------------------------


def test_r_view_6_url_names():
    assert reverse("preferences:global") == "/global/"
    assert reverse("preferences:global.section", kwargs={"section": "user"}) == "/global/user"
    assert reverse("preferences:user") == "/user/"
    assert reverse("preferences:user.section", kwargs={"section": "misc"}) == "/user/misc"


def test_r_view_6_non_staff_are_sent_to_the_admin_login(client, user):
    assert client.get("/global/").url == "/admin/login/?next=/global/"
    client.force_login(user)
    response = client.get("/global/")
    assert response.status_code == 302
    assert response.url == "/admin/login/?next=/global/"


def test_r_view_6_user_pages_need_a_login(client):
    response = client.get("/user/misc")
    assert response.status_code == 302
    assert response.url == "/login/?next=/user/misc"


# Every page, with one preference it posts a new value to (a factory: files are consumed).
GLOBAL_PAGES = {
    "/global/": ("test__TestGlobal1", lambda: "posted"),
    "/global/user": ("user__max_users", lambda: "12"),
    "/global/blog": ("blog__logo", lambda: SimpleUploadedFile("logo.txt", b"logo!")),
    "/global/type": ("type__cost", lambda: "3.5"),
    "/global/test": ("test__TestGlobal1", lambda: "posted"),
    "/global/exam": ("exam__duration", lambda: "01:30:00"),
    "/global/company": ("company__RegistrationDate", lambda: "2001-02-03"),
    "/global/child": ("child__BirthDateTime", lambda: "2001-02-03 04:05:06"),
}
USER_PAGES = {
    "/user/": ("misc__favourite_colour", lambda: "Purple"),
    "/user/misc": ("misc__favourite_colour", lambda: "Purple"),
    "/user/user": ("user__favorite_vegetable", lambda: "P"),
    "/user/test": ("test__TestUserPref1", lambda: "posted"),
}
ROLES = ["anonymous", "non-staff", "staff", "staff-view", "staff-change", "superuser"]
# What each role gets on the global pages: a redirect to the admin login, 403, read-only
# or read-write; everybody logged in reads and writes their own user preferences.
GLOBAL_ACCESS = {
    "anonymous": "login",
    "non-staff": "login",
    "staff": "forbidden",
    "staff-view": "read",
    "staff-change": "write",
    "superuser": "write",
}
USER_ACCESS = {role: "write" for role in ROLES} | {"anonymous": "login"}


def test_every_page_is_covered_by_the_access_matrix():
    assert {f"/global/{s}" for s in global_preferences_registry.sections() if s} | {
        "/global/"
    } == set(GLOBAL_PAGES)
    assert {f"/user/{s}" for s in user_preferences_registry.sections() if s} | {"/user/"} == set(
        USER_PAGES
    )


@pytest.fixture
def role_user(request, django_user_model):
    """The user of the test's ``role`` (None for anonymous), with those permissions only."""
    role = request.param
    if role == "anonymous":
        return None
    if role == "superuser":
        return django_user_model.objects.create_superuser(username="root", password="pw")
    user = django_user_model.objects.create_user(
        username=role, password="pw", is_staff=role != "non-staff"
    )
    if role == "staff-view":
        grant(user, "view_globalpreferencemodel", "view_userpreferencemodel")
    if role == "staff-change":
        grant(user, "change_globalpreferencemodel", "change_userpreferencemodel")
    return user


def page_manager(path: str, user):
    """The manager of the preferences a page edits: global, or the user's own."""
    if path.startswith("/global/"):
        return global_preferences_registry.manager()
    return user.preferences


def unchanged_page_data(path: str, user) -> dict:
    """What a browser posts back for ``path`` when nothing is edited."""
    section = path.split("/")[2] or None
    if path.startswith("/global/"):
        return form_data(global_preference_form_builder(section=section)())
    return form_data(user_preference_form_builder(instance=user, section=section)())


def access_case(pages: dict, access: dict) -> list:
    return [
        pytest.param(path, role, access[role], id=f"{path}-{role}")
        for path in pages
        for role in ROLES
    ]


@pytest.mark.parametrize(
    ("path", "role_user", "access"),
    access_case(GLOBAL_PAGES, GLOBAL_ACCESS) + access_case(USER_PAGES, USER_ACCESS),
    indirect=["role_user"],
)
def test_preference_pages_check_the_permissions_of_the_admin_and_api(
    client, django_user_model, path, role_user, access, signals
):
    if role_user is not None:
        client.force_login(role_user)
    login_url = "/admin/login/" if path.startswith("/global/") else "/login/"

    page = client.get(path)
    if access == "login":
        assert (page.status_code, page.url) == (302, f"{login_url}?next={path}")
    elif access == "forbidden":
        assert page.status_code == 403
        assert "form" not in (page.context or {})
    else:
        assert page.status_code == 200
        fields = page.context["form"].fields.values()
        html = page.content.decode()
        if access == "read":
            assert all(field.disabled for field in fields)
            assert '<button type="submit">' not in html
            assert "disabled" in html
        else:
            assert not any(field.disabled for field in fields)
            assert '<button type="submit">' in html

    identifier, new_value = GLOBAL_PAGES.get(path) or USER_PAGES[path]
    # An anonymous post to a user page is checked against somebody's preferences.
    owner = role_user or django_user_model.objects.create_user(username="bob", password="pw")
    before = page_manager(path, owner)[identifier]
    response = client.post(path, unchanged_page_data(path, owner) | {identifier: new_value()})
    after = page_manager(path, owner)[identifier]
    if access == "write":
        assert (response.status_code, response.url) == (302, path)
        assert after != before
    else:
        assert response.status_code == (302 if access == "login" else 403)
        assert signals == []
        assert after == before


def test_users_log_in_and_out_on_the_preferences_login_page(client, user):
    page = client.get("/login/?next=/user/misc")
    assert page.status_code == 200
    assert 'name="next" value="/user/misc"' in page.content.decode()
    response = client.post(
        "/login/", {"username": "alice", "password": "pw", "next": "/user/misc"}, follow=True
    )
    assert response.redirect_chain == [("/user/misc", 302)]
    assert response.context["user"] == user
    assert "Log out" in response.content.decode()
    response = client.post("/logout/")
    assert response.url == "/login/"
    assert client.get("/user/").status_code == 302


def test_login_page_refuses_wrong_passwords(client, user):
    response = client.post("/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


# -- global pages (R-VIEW-1..4, R-VIEW-7) -----------------------------------------------------


def test_r_view_1_view_configuration():
    assert PreferenceFormView.template_name == "preferences/form.html"
    assert PreferenceFormView.registry is None
    assert UserPreferenceFormView.registry is user_preferences_registry
    assert UserPreferenceFormView.form_class is UserPreferenceForm


def test_r_view_7_global_page_has_every_preference(staff_client):
    response = staff_client.get("/global/")
    assert response.status_code == 200
    assert len(response.context["form"].fields) == 15
    assert response.context["registry"] is global_preferences_registry
    assert response.context["section"] is None
    assert isinstance(response.context["form"], GlobalPreferenceForm)


def test_r_view_3_section_page(staff_client):
    response = staff_client.get("/global/user")
    assert response.status_code == 200
    assert response.context["section"] is global_preferences_registry.section_objects["user"]
    assert list(response.context["form"].fields) == [
        "user__registration_allowed",
        "user__max_users",
        "user__items_per_page",
    ]


def test_r_view_2_unknown_section_is_404(staff_client):
    assert staff_client.get("/global/nope").status_code == 404


def test_r_view_4_valid_post_writes_and_redirects_to_the_same_page(staff_client, manager):
    response = staff_client.post(
        "/global/user",
        {"user__registration_allowed": "on", "user__max_users": "12", "user__items_per_page": "5"},
    )
    assert response.status_code == 302
    assert response.url == "/global/user"
    assert manager["user__registration_allowed"] is True
    assert manager["user__max_users"] == 12
    assert manager["user__items_per_page"] == 5


def test_r_view_7_posting_every_field_stores_each_value(staff_client, manager):
    entry = BlogEntry.objects.create(title="first", content="c")
    data = form_data(staff_client.get("/global/").context["form"])
    data.update(
        {
            "blog__featured_entry": str(entry.pk),
            "child__BirthDateTime": "2001-02-03 04:05:06",
            "test__TestGlobal1": "posted",
            "exam__duration": "01:30:00",
        }
    )
    response = staff_client.post("/global/", data)
    assert response.status_code == 302, response.context["form"].errors
    assert manager["blog__featured_entry"] == entry
    # A naive datetime is made aware in the current time zone (America/Chicago in tests).
    stored = manager["child__BirthDateTime"]
    assert stored.tzinfo is not None
    assert stored.astimezone(datetime.UTC) == datetime.datetime(
        2001, 2, 3, 10, 5, 6, tzinfo=datetime.UTC
    )
    assert manager["test__TestGlobal1"] == "posted"
    assert manager["exam__duration"] == datetime.timedelta(minutes=90)
    assert manager["user__max_users"] == 100


def test_r_view_7_posting_a_file_and_a_pk_to_the_blog_section(staff_client, manager):
    entry = BlogEntry.objects.create(title="first", content="c")
    response = staff_client.post(
        "/global/blog",
        {
            "blog__featured_entry": str(entry.pk),
            "blog__logo": SimpleUploadedFile("a.txt", b"logo!"),
        },
    )
    assert response.status_code == 302
    assert manager["blog__featured_entry"] == entry
    assert manager["blog__logo"].read() == b"logo!"
    assert manager["blog__logo2"] is None


def test_r_form_6_invalid_value_shows_the_field_error(staff_client, manager):
    response = staff_client.post(
        "/global/user", {"user__max_users": "1001", "user__items_per_page": "25"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"user__max_users": ["Wrong value!"]}
    assert "Wrong value!" in response.content.decode()
    assert manager["user__max_users"] == 100


def test_r_form_7_empty_integer_is_a_field_error_not_a_crash(staff_client, manager):
    manager["user__max_users"] = 3
    response = staff_client.post(
        "/global/user", {"user__max_users": "", "user__items_per_page": "25"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"user__max_users": ["This field is required."]}
    assert manager["user__max_users"] == 3


# -- user pages (R-USER-5, R-VIEW-7) -----------------------------------------------------------


def test_r_user_5_user_page_edits_only_the_logged_in_user(user_client, user, django_user_model):
    other = django_user_model.objects.create_user(username="bob", password="pw")
    response = user_client.get("/user/misc")
    assert response.status_code == 200
    assert response.context["registry"] is user_preferences_registry
    assert list(response.context["form"].fields) == ["misc__favourite_colour", "misc__is_zombie"]
    response = user_client.post("/user/misc", {"misc__favourite_colour": "Purple"})
    assert response.status_code == 302
    assert response.url == "/user/misc"
    assert user.preferences["misc__favourite_colour"] == "Purple"
    assert user.preferences["misc__is_zombie"] is False
    assert other.preferences["misc__favourite_colour"] == "Green"
    assert other.preferences["misc__is_zombie"] is True


def test_r_user_5_whole_user_page(user_client):
    response = user_client.get("/user/")
    assert response.status_code == 200
    assert len(response.context["form"].fields) == 8


# -- templates (R-VIEW-5, R-VIEW-8) --------------------------------------------------------


def test_r_view_8_form_page_markup(staff_client):
    html = staff_client.get("/global/").content.decode()
    assert '<form method="post" action="" enctype="multipart/form-data">' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<button type="submit">Submit</button>' in html
    assert '<ul class="sections">' in html
    assert '<a href="/global/user"' in html
    assert "Child Section Verbose Name</a>" in html
    assert "<title>Preferences</title>" in html


def test_r_view_8_section_less_entry_is_not_a_link(staff_client):
    html = staff_client.get("/global/").content.decode()
    assert "None</a>" not in html
    assert 'href="/global/None"' not in html
    assert (
        html.count("<li><a ") == len([s for s in global_preferences_registry.sections() if s]) + 1
    )


def test_r_view_8_sections_without_a_namespace_link_relatively():
    html = render_to_string(
        "preferences/sections.html",
        {"registry": site_preferences_registry, "sections": site_preferences_registry.sections()},
    )
    assert '<a href="./access"' in html


def test_r_view_8_current_section_is_marked(staff_client):
    html = staff_client.get("/global/company").content.decode()
    assert '<a href="/global/company" class="current">company</a>' in html
    assert "<title>Preferences · company</title>" in html


def test_r_view_5_regular_template_view_exposes_the_context_processor(client, manager):
    manager["test__TestGlobal1"] = "seen"
    response = client.get("/testcontext/")
    assert response.status_code == 200
    assert response.templates[0].name == "preferences/testcontext.html"
    assert response.context["global_preferences"] == manager.all()
    assert response.context["global_preferences"] == global_preferences(None)["global_preferences"]


def test_r_view_6_user_pages_only_with_the_users_app():
    def patterns() -> list[str]:
        return [str(p.pattern) for p in importlib.reload(preferences_urls).urlpatterns]

    assert "^user/" in patterns()
    try:
        with modify_settings(INSTALLED_APPS={"remove": ["preferences.users"]}):
            assert "^user/" not in patterns()
    finally:
        patterns()
