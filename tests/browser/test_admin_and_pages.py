"""The admin and the preference pages in a real browser (issue 3, part 5).

Playwright's sync API drives Debian's Chromium against pytest-django's live server: a staff
user changes a boolean, a choice and a string preference in the admin; an invalid value on
the preference page shows its field error; a user changes their own preference; the
Swagger UI renders the API from local assets.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from preferences.registries import global_preferences_registry
from tests.support.browser import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path("/tmp/prefhub-preferences-page.png")


def open_change_form(page: Page, base_url: str, changelist: str, identifier: str) -> None:
    """Search the changelist and open the row whose verbose name is exactly ``identifier``."""
    page.goto(f"{base_url}/admin/{changelist}/?q={identifier.split('__')[-1]}")
    cell = page.locator("th, td", has_text=re.compile(f"^{identifier}$"))
    page.locator("#result_list tbody tr").filter(has=cell).locator("th a").click()
    expect(page.locator("#id_raw_value")).to_be_visible()


def save(page: Page) -> None:
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()


def test_admin_changes_a_boolean_a_choice_and_a_string(page, live_server, django_user_model):
    staff = django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    log_in(page, live_server.url, "admin", "/admin/")
    global_changelist = "preferences/globalpreferencemodel"

    open_change_form(page, live_server.url, global_changelist, "user__registration_allowed")
    page.check("#id_raw_value")
    save(page)

    open_change_form(page, live_server.url, global_changelist, "test__TestGlobal1")
    page.fill("#id_raw_value", "typed in a browser")
    save(page)

    open_change_form(
        page, live_server.url, "preferences_users/userpreferencemodel", "user__favorite_vegetable"
    )
    page.select_option("#id_raw_value", "P")
    save(page)

    manager = global_preferences_registry.manager()
    assert manager.get("user__registration_allowed", True) is True
    assert manager.get("test__TestGlobal1", True) == "typed in a browser"
    assert staff.preferences.get("user__favorite_vegetable", True) == "P"


def test_invalid_value_shows_the_field_error(page, live_server, django_user_model):
    staff = django_user_model.objects.create_user("staff", password=PASSWORD, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="change_globalpreferencemodel"))
    log_in(page, live_server.url, "staff", "/global/user")
    page.fill("#id_user__max_users", "1001")
    page.click("main button[type=submit]")
    error = page.locator("ul.errorlist")
    expect(error).to_have_text("Wrong value!")
    # The error sits right before its own field's row.
    expect(page.locator("ul.errorlist + p #id_user__max_users")).to_be_visible()
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert global_preferences_registry.manager().get("user__max_users", True) == 100


def test_user_changes_their_own_preference(page, live_server, django_user_model):
    alice = django_user_model.objects.create_user("alice", password=PASSWORD)
    log_in(page, live_server.url, "alice", "/user/misc")
    expect(page.locator("#id_misc__favourite_colour")).to_have_value("Green")
    page.fill("#id_misc__favourite_colour", "Teal")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/user/misc")
    expect(page.locator("#id_misc__favourite_colour")).to_have_value("Teal")
    assert alice.preferences.get("misc__favourite_colour", True) == "Teal"


def test_swagger_ui_renders_the_api_offline(page, live_server, django_user_model):
    django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    log_in(page, live_server.url, "admin", "/admin/")
    requested_hosts = set()
    page.on("request", lambda request: requested_hosts.add(request.url.split("/")[2]))
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.get_by_text("/api/preferences/global/bulk/").first).to_be_visible()
    assert requested_hosts == {live_server.url.split("/")[2]}
