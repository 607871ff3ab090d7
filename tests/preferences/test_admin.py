"""Admin of global and user preferences (spec §11, R-ADM-*, R-USER-6)."""

from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from preferences.admin import (
    DynamicPreferenceAdmin,
    GlobalPreferenceAdmin,
    PerInstancePreferenceAdmin,
    SectionFilter,
)
from preferences.forms import GlobalSinglePreferenceForm, SinglePerInstancePreferenceForm
from preferences.models import GlobalPreferenceModel
from preferences.users.admin import UserPreferenceAdmin
from preferences.users.forms import UserSinglePreferenceForm
from preferences.users.models import UserPreferenceModel

pytestmark = pytest.mark.django_db

# The cache is written when the transaction commits: tests that look into it commit.
commits = pytest.mark.django_db(transaction=True)

GLOBAL_CHANGELIST = "admin:preferences_globalpreferencemodel_changelist"
USER_CHANGELIST = "admin:preferences_users_userpreferencemodel_changelist"


def change_url(row) -> str:
    opts = row._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])


# -- configuration (R-ADM-1, R-ADM-6, R-ADM-7, R-USER-6) --------------------------------------


def test_r_adm_1_admin_configuration():
    assert DynamicPreferenceAdmin.list_display == (
        "verbose_name",
        "name",
        "section_name",
        "help_text",
        "raw_value",
        "default_value",
    )
    assert DynamicPreferenceAdmin.fields == ("raw_value", "default_value", "name", "section_name")
    assert DynamicPreferenceAdmin.readonly_fields == ("name", "section_name", "default_value")
    assert DynamicPreferenceAdmin.search_fields == ["name", "section", "raw_value"]
    assert DynamicPreferenceAdmin.list_filter == (("section", SectionFilter),)


def test_r_adm_6_global_admin_is_registered():
    model_admin = admin.site.get_model_admin(GlobalPreferenceModel)
    assert isinstance(model_admin, GlobalPreferenceAdmin)
    assert model_admin.form is model_admin.changelist_form is GlobalSinglePreferenceForm


def test_r_adm_7_per_instance_admin_configuration():
    assert PerInstancePreferenceAdmin.list_display[0] == "instance"
    assert PerInstancePreferenceAdmin.fields[0] == "instance"
    assert PerInstancePreferenceAdmin.raw_id_fields == ("instance",)
    assert PerInstancePreferenceAdmin.form is SinglePerInstancePreferenceForm
    assert PerInstancePreferenceAdmin.changelist_form is SinglePerInstancePreferenceForm
    # The spec's `True` is deprecated in Django 6.1; naming the one relation joins the same.
    assert PerInstancePreferenceAdmin.list_select_related == ("instance",)


def test_r_user_6_user_admin_is_registered():
    model_admin = admin.site.get_model_admin(UserPreferenceModel)
    assert isinstance(model_admin, UserPreferenceAdmin)
    assert model_admin.form is model_admin.changelist_form is UserSinglePreferenceForm


# -- changelist (R-ADM-1..3, R-ADM-6) ------------------------------------------------------


def test_r_adm_6_changelist_lists_every_registered_preference(admin_client):
    assert GlobalPreferenceModel.objects.count() == 0
    response = admin_client.get(reverse(GLOBAL_CHANGELIST))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 15


def test_r_adm_2_default_and_section_columns(manager):
    model_admin = admin.site.get_model_admin(GlobalPreferenceModel)
    child = manager.get_db_pref(section="child", name="BirthDateTime")
    assert model_admin.section_name(child) == "Child Section Verbose Name"
    assert model_admin.default_value(manager.get_db_pref(section="user", name="max_users")) == 100
    assert model_admin.section_name(manager.get_db_pref(section=None, name="no_section")) is None
    orphan = GlobalPreferenceModel.objects.create(section="gone", name="old", raw_value="x")
    assert model_admin.section_name(orphan) == "gone"


def test_r_adm_3_section_verbose_name_in_cells_and_filter(admin_client):
    html = admin_client.get(reverse(GLOBAL_CHANGELIST)).content.decode()
    assert '<td class="field-section_name">Child Section Verbose Name</td>' in html
    assert "?section=child" in html
    filter_link = html[html.index("?section=child") :]
    assert filter_link[: filter_link.index("</a>")].endswith("Child Section Verbose Name")


def test_r_adm_3_filter_keeps_facet_counts(admin_client):
    html = admin_client.get(reverse(GLOBAL_CHANGELIST) + "?_facets=True").content.decode()
    assert "Child Section Verbose Name (1)" in html
    assert "user (3)" in html


def test_r_adm_3_filtering_by_section(admin_client):
    response = admin_client.get(reverse(GLOBAL_CHANGELIST), {"section": "user"})
    assert response.context["cl"].result_count == 3


def test_r_adm_1_search(admin_client, manager):
    manager["test__TestGlobal1"] = "needle"
    response = admin_client.get(reverse(GLOBAL_CHANGELIST), {"q": "needle"})
    assert [row.name for row in response.context["cl"].result_list] == ["TestGlobal1"]


# -- change form (R-ADM-4, R-ADM-5) ---------------------------------------------------------


def test_r_adm_4_change_form_uses_the_preference_field(admin_client, manager):
    row = manager.get_db_pref(section="user", name="max_users")
    response = admin_client.get(change_url(row))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="number" name="raw_value" value="100"' in html
    assert "Be careful with this setting" in html


@commits
def test_r_adm_4_posting_a_value_stores_and_caches_it(admin_client, manager):
    row = manager.get_db_pref(section="test", name="TestGlobal1")
    response = admin_client.post(change_url(row), {"raw_value": "reset1"})
    assert response.status_code == 302
    assert GlobalPreferenceModel.objects.get(pk=row.pk).raw_value == "reset1"
    assert caches["default"].get(manager.get_cache_key("test", "TestGlobal1")) == "reset1"
    assert manager.all()["test__TestGlobal1"] == "reset1"
    response = admin_client.post(change_url(row), {"raw_value": "reset2"}, follow=True)
    assert response.status_code == 200
    assert manager["test__TestGlobal1"] == "reset2"


def test_r_adm_4_invalid_value_is_shown_and_not_saved(admin_client, manager):
    row = manager.get_db_pref(section="user", name="max_users")
    response = admin_client.post(change_url(row), {"raw_value": "1001"})
    assert response.status_code == 200
    assert "Wrong value!" in response.content.decode()
    assert manager["user__max_users"] == 100


def test_r_form_7_admin_empty_integer_is_a_field_error(admin_client, manager):
    row = manager.get_db_pref(section="user", name="max_users")
    response = admin_client.post(change_url(row), {"raw_value": ""})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"raw_value": ["This field is required."]}


def test_r_adm_5_save_goes_through_the_manager_once(admin_client, manager, signals):
    row = manager.get_db_pref(section="user", name="registration_allowed")
    admin_client.post(change_url(row), {"raw_value": "on"})
    assert manager["user__registration_allowed"] is True
    assert len(signals) == 1
    assert signals[0]["old_value"] is False
    assert signals[0]["new_value"] is True


def test_r_adm_5_uploaded_file_is_stored_once(admin_client, manager, settings):
    row = manager.get_db_pref(section="blog", name="logo")
    response = admin_client.post(
        change_url(row), {"raw_value": SimpleUploadedFile("logo.txt", b"L")}
    )
    assert response.status_code == 302
    stored = list((Path(settings.MEDIA_ROOT) / "dynamic_preferences" / "blog__logo").iterdir())
    assert [path.read_bytes() for path in stored] == [b"L"]
    assert manager["blog__logo"].read() == b"L"


def test_r_adm_5_user_row_is_written_for_its_own_user(admin_client, django_user_model, signals):
    alice = django_user_model.objects.create_user(username="alice", password="pw")
    bob = django_user_model.objects.create_user(username="bob", password="pw")
    bob.preferences.all()
    row = alice.preferences.get_db_pref(section="misc", name="favourite_colour")
    response = admin_client.post(change_url(row), {"raw_value": "Orange"})
    assert response.status_code == 302
    assert alice.preferences["misc__favourite_colour"] == "Orange"
    assert bob.preferences["misc__favourite_colour"] == "Green"
    assert [s["instance"].pk for s in signals] == [row.pk]


def test_r_adm_5_choice_preference_in_the_user_admin(admin_client, django_user_model):
    alice = django_user_model.objects.create_user(username="alice", password="pw")
    row = alice.preferences.get_db_pref(section="user", name="favorite_vegetable")
    html = admin_client.get(change_url(row)).content.decode()
    assert '<select name="raw_value"' in html
    admin_client.post(change_url(row), {"raw_value": "T"})
    assert alice.preferences["user__favorite_vegetable"] == "T"
    response = admin_client.post(change_url(row), {"raw_value": "X"})
    assert "Select a valid choice" in response.content.decode()
    assert alice.preferences["user__favorite_vegetable"] == "T"


def test_rows_of_unregistered_preferences_are_read_only(admin_client):
    orphan = GlobalPreferenceModel.objects.create(section="gone", name="old", raw_value="x")
    with pytest.warns(UserWarning, match="checkpreferences"):
        page = admin_client.get(change_url(orphan))
    assert page.status_code == 200
    assert 'name="raw_value"' not in page.content.decode()
    with pytest.warns(UserWarning):
        assert admin_client.post(change_url(orphan), {"raw_value": "y"}).status_code == 403
    assert GlobalPreferenceModel.objects.get(pk=orphan.pk).raw_value == "x"


# -- add (R-ADM-8) ----------------------------------------------------------------------------


def test_r_adm_8_no_add(admin_client):
    assert (
        admin_client.get(reverse("admin:preferences_globalpreferencemodel_add")).status_code == 403
    )
    assert (
        admin_client.get(reverse("admin:preferences_users_userpreferencemodel_add")).status_code
        == 403
    )
    html = admin_client.get(reverse(GLOBAL_CHANGELIST)).content.decode()
    assert reverse("admin:preferences_globalpreferencemodel_add") not in html


# -- changelist editing (ADMIN_ENABLE_CHANGELIST_FORM) ---------------------------------------


def changelist_post(row, value) -> dict:
    return {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(row.pk),
        "form-0-raw_value": value,
        "_save": "Save",
    }


def test_r_adm_1_changelist_is_read_only_by_default(admin_client):
    response = admin_client.get(reverse(GLOBAL_CHANGELIST))
    assert response.context["cl"].formset is None


def test_r_adm_1_changelist_form_edits_through_the_manager(
    admin_client, manager, settings, signals
):
    settings.DYNAMIC_PREFERENCES = {"ADMIN_ENABLE_CHANGELIST_FORM": True}
    response = admin_client.get(reverse(GLOBAL_CHANGELIST), {"section": "user"})
    formset = response.context["cl"].formset
    assert formset is not None
    assert {type(form.fields["raw_value"]).__name__ for form in formset} == {
        "BooleanField",
        "IntegerField",
    }
    row = manager.get_db_pref(section="user", name="max_users")
    response = admin_client.post(
        reverse(GLOBAL_CHANGELIST) + "?section=user", changelist_post(row, "77")
    )
    assert response.status_code == 302
    assert manager["user__max_users"] == 77
    assert [(s["name"], s["new_value"]) for s in signals] == [("max_users", 77)]


def test_r_adm_1_changelist_form_rejects_invalid_values(admin_client, manager, settings, signals):
    settings.DYNAMIC_PREFERENCES = {"ADMIN_ENABLE_CHANGELIST_FORM": True}
    row = manager.get_db_pref(section="user", name="max_users")
    response = admin_client.post(reverse(GLOBAL_CHANGELIST), changelist_post(row, "1001"))
    assert response.status_code == 200
    assert response.context["cl"].formset.errors[0] == {"raw_value": ["Wrong value!"]}
    assert manager["user__max_users"] == 100
    assert signals == []


# -- user admin (R-USER-6) ------------------------------------------------------------------------


def test_r_user_6_changelist_materialises_the_requesting_users_rows(admin_client, admin_user):
    response = admin_client.get(reverse(USER_CHANGELIST))
    assert response.status_code == 200
    assert UserPreferenceModel.objects.filter(instance=admin_user).count() == 8


def test_r_user_6_search_by_the_user_models_login_field(
    admin_client, django_user_model, monkeypatch
):
    alice = django_user_model.objects.create_user(
        username="alice", email="alice@example.com", password="pw"
    )
    alice.preferences.all()
    response = admin_client.get(reverse(USER_CHANGELIST), {"q": "alice"})
    assert {row.instance for row in response.context["cl"].result_list} == {alice}
    # A custom user model logging in by e-mail is searched by e-mail instead.
    monkeypatch.setattr(get_user_model(), "USERNAME_FIELD", "email")
    request = RequestFactory().get("/")
    fields = admin.site.get_model_admin(UserPreferenceModel).get_search_fields(request)
    assert fields == ["instance__email", "name", "section", "raw_value"]
    response = admin_client.get(reverse(USER_CHANGELIST), {"q": "alice@example.com"})
    assert {row.instance for row in response.context["cl"].result_list} == {alice}


@pytest.mark.parametrize(
    ("button", "ending", "redirect_to"),
    [
        ({}, "was changed successfully.", "changelist"),
        ({"_continue": "1"}, "You may edit it again below.", "change"),
    ],
)
def test_admin_confirmation_names_the_preference_identifier(
    admin_client, manager, button, ending, redirect_to
):
    row = manager.get_db_pref(section="test", name="TestGlobal1")
    response = admin_client.post(change_url(row), {"raw_value": "new", **button})

    expected = reverse(GLOBAL_CHANGELIST) if redirect_to == "changelist" else change_url(row)
    assert response.status_code == 302
    assert response.url == expected
    (message,) = [str(message) for message in response.wsgi_request._messages]
    assert f'“<a href="{change_url(row)}">test__TestGlobal1</a>”' in message
    assert message.startswith("The Global preference “") and message.endswith(ending)
    assert "GlobalPreferenceModel" not in message
    assert str(row) == "GlobalPreferenceModel - test/TestGlobal1", "R-MOD-6 keeps upstream's str"


def test_user_admin_confirmation_names_the_preference_identifier(admin_client, django_user_model):
    alice = django_user_model.objects.create_user(username="alice", password="pw")
    row = alice.preferences.get_db_pref(section="misc", name="favourite_colour")
    response = admin_client.post(change_url(row), {"raw_value": "Orange"}, follow=True)

    (message,) = [str(message) for message in response.context["messages"]]
    assert "“<a" in message and ">misc__favourite_colour</a>”" in message
