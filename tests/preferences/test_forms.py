"""Preference forms (spec §12, R-FORM-*, R-USER-4, R-INST-1 forms)."""

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from preferences.exceptions import NotFoundInRegistry
from preferences.forms import (
    AbstractSinglePreferenceForm,
    GlobalPreferenceForm,
    GlobalSinglePreferenceForm,
    PreferenceForm,
    SinglePerInstancePreferenceForm,
    clean_preference_value,
    global_preference_form_builder,
    preference_form_builder,
)
from preferences.models import GlobalPreferenceModel
from preferences.registries import global_preferences_registry
from preferences.signals import preference_updated
from preferences.users.forms import (
    UserPreferenceForm,
    UserSinglePreferenceForm,
    user_preference_form_builder,
)
from preferences.users.models import UserPreferenceModel
from preferences.users.registries import user_preferences_registry
from tests.testapp.models import Site, SitePreferenceModel
from tests.testapp.registries import site_preferences_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="alice", password="pw")


# -- single-preference forms (R-FORM-1, R-FORM-2) -------------------------------------------


def test_r_form_1_field_is_the_preferences_own_with_the_current_value(manager):
    manager["user__max_users"] = 7
    row = manager.get_db_pref(section="user", name="max_users")
    form = GlobalSinglePreferenceForm(instance=row)
    assert isinstance(form.fields["raw_value"], forms.IntegerField)
    assert form.fields["raw_value"].help_text == "Be careful with this setting"
    assert form.initial["raw_value"] == 7


def test_r_form_1_save_assigns_the_cleaned_value(manager):
    row = manager.get_db_pref(section="user", name="max_users")
    data = {"section": "user", "name": "max_users", "raw_value": "42"}
    form = GlobalSinglePreferenceForm(data, instance=row)
    assert form.is_valid(), form.errors
    form.save()
    assert GlobalPreferenceModel.objects.get(pk=row.pk).raw_value == "42"


def test_r_form_1_clean_copies_name_and_section_when_given():
    row = GlobalPreferenceModel()
    form = GlobalSinglePreferenceForm({"section": "test", "name": "TestGlobal1", "raw_value": "x"})
    form.instance = row
    assert form.is_valid(), form.errors
    assert (row.section, row.name) == ("test", "TestGlobal1")


def test_r_form_1_unresolvable_preference_is_a_form_error():
    class Unresolvable(GlobalPreferenceModel):
        class Meta:
            proxy = True
            app_label = "preferences"

        @property
        def preference(self):
            raise NotFoundInRegistry

    class UnresolvableForm(GlobalSinglePreferenceForm):
        class Meta:
            model = Unresolvable
            fields = GlobalSinglePreferenceForm.Meta.fields

    form = UnresolvableForm({"section": "", "name": "gone", "raw_value": "x"})
    assert not form.is_valid()
    assert form.non_field_errors() == [NotFoundInRegistry.detail_default]


def test_r_form_2_meta_fields():
    assert AbstractSinglePreferenceForm.Meta.fields == ("section", "name", "raw_value")
    assert SinglePerInstancePreferenceForm.Meta.fields == (
        "instance",
        "section",
        "name",
        "raw_value",
    )
    assert GlobalSinglePreferenceForm.Meta.model is GlobalPreferenceModel
    assert UserSinglePreferenceForm.Meta.model is UserPreferenceModel


def test_r_form_2_per_instance_form_assigns_the_cleaned_instance(user, django_user_model):
    other = django_user_model.objects.create_user(username="bob", password="pw")
    row = user.preferences.get_db_pref(section="misc", name="favourite_colour")
    data = {"instance": other.pk, "section": "misc", "name": "favourite_colour", "raw_value": "Red"}
    form = UserSinglePreferenceForm(data, instance=row)
    assert form.is_valid(), form.errors
    assert form.instance.instance == other


# -- builder (R-FORM-3, R-FORM-4, R-USER-4) ---------------------------------------------------


def test_r_form_3_builder_with_identifiers():
    form = global_preference_form_builder(
        preferences=["user__registration_allowed", "user__max_users"]
    )()
    assert list(form.fields) == ["user__registration_allowed", "user__max_users"]
    assert form.fields["user__registration_allowed"].initial is False


def test_r_form_3_builder_by_section_and_whole_registry():
    assert len(global_preference_form_builder(section="test")().fields) == 3
    form_class = global_preference_form_builder()
    assert len(form_class().fields) == 15
    assert form_class.__name__ == "CustomGlobalPreferenceForm"
    assert issubclass(form_class, GlobalPreferenceForm)
    assert [p.identifier() for p in form_class.preferences] == list(form_class.base_fields)
    assert len(form_class.instances) == 15
    assert GlobalPreferenceModel.objects.count() == 15
    assert form_class.manager.registry is global_preferences_registry


def test_r_form_3_tuples_are_section_then_name_with_the_old_order_accepted():
    documented = global_preference_form_builder(preferences=[("user", "max_users")])
    original = global_preference_form_builder(preferences=[("max_users", "user")])
    assert list(documented.base_fields) == list(original.base_fields) == ["user__max_users"]
    assert list(global_preference_form_builder(preferences=["no_section"]).base_fields) == [
        "no_section"
    ]
    with pytest.raises(NotFoundInRegistry):
        global_preference_form_builder(preferences=[("user", "nope")])
    with pytest.raises(NotImplementedError):
        global_preference_form_builder(preferences=[42])


def test_r_form_3_builder_accepts_the_legacy_model_kwarg(user):
    form_class = preference_form_builder(
        UserPreferenceForm, ["misc__favourite_colour"], model={"instance": user}
    )
    assert form_class.manager.instance == user


def test_r_user_4_user_builder_is_bound_to_the_user(user, django_user_model):
    user.preferences["test__TestUserPref1"] = "mine"
    form_class = user_preference_form_builder(instance=user, section="test")
    assert len(form_class().fields) == 4
    assert form_class().fields["test__TestUserPref1"].initial == "mine"
    assert {row.instance for row in form_class.instances} == {user}
    assert issubclass(form_class, UserPreferenceForm)
    assert UserPreferenceForm.registry is user_preferences_registry


# -- update_preferences (R-FORM-5, R-FORM-6, R-FORM-7) --------------------------------------


def test_r_form_5_update_preferences_writes_only_changed_fields(manager, signals):
    form_class = global_preference_form_builder(section="user")
    form = form_class(
        {"user__registration_allowed": "on", "user__max_users": "12", "user__items_per_page": "25"}
    )
    assert form.is_valid(), form.errors
    assert not hasattr(form, "save")
    written = form.update_preferences()
    assert manager["user__registration_allowed"] is True
    assert manager["user__max_users"] == 12
    # One signal per changed field; items_per_page keeps its stored 25 and is not written.
    assert sorted(s["name"] for s in signals) == ["max_users", "registration_allowed"]
    assert sorted(p.name for p in written) == ["max_users", "registration_allowed"]


def test_r_form_6_preference_validation_runs_in_forms():
    form = global_preference_form_builder(preferences=["user__max_users"])(
        {"user__max_users": "1001"}
    )
    assert not form.is_valid()
    assert form.errors == {"user__max_users": ["Wrong value!"]}


@pytest.mark.parametrize(
    "identifier", ["user__max_users", "type__cost", "company__RegistrationDate", "exam__duration"]
)
def test_r_form_7_empty_value_is_a_field_error(manager, identifier):
    form = global_preference_form_builder(preferences=[identifier])({identifier: ""})
    assert not form.is_valid()
    assert form.errors == {identifier: ["This field is required."]}


def test_r_form_7_empty_string_and_file_preferences_accept_empty_values(manager):
    form = global_preference_form_builder(preferences=["test__TestGlobal1", "blog__logo"])(
        {"test__TestGlobal1": ""}
    )
    assert form.is_valid(), form.errors
    form.update_preferences()
    assert manager["test__TestGlobal1"] == ""
    assert manager["blog__logo"] is None


def test_r_form_7_admin_single_form_reports_unstorable_values(manager):
    row = manager.get_db_pref(section="user", name="max_users")
    data = {"section": "user", "name": "max_users", "raw_value": ""}
    form = GlobalSinglePreferenceForm(data, instance=row)
    assert not form.is_valid()
    assert form.errors == {"raw_value": ["This field is required."]}


def test_update_preferences_is_all_or_nothing(manager):
    def explode(sender, name, **kwargs):
        if name == "max_users":
            raise RuntimeError("receiver failed")

    form = global_preference_form_builder(section="user")(
        {"user__registration_allowed": "on", "user__max_users": "12", "user__items_per_page": "3"}
    )
    assert form.is_valid()
    preference_updated.connect(explode)
    try:
        with pytest.raises(RuntimeError):
            form.update_preferences()
    finally:
        preference_updated.disconnect(explode)
    assert manager.get("user__registration_allowed", True) is False


def test_clean_preference_value_matches_the_form_field():
    preference = global_preferences_registry.get("company__RegistrationDate")
    assert str(clean_preference_value(preference, "2001-02-03")) == "2001-02-03"
    with pytest.raises(forms.ValidationError):
        clean_preference_value(preference, 12)


def test_files_are_stored_by_the_builder_form(manager, settings):
    upload = SimpleUploadedFile("logo.txt", b"hello")
    form = global_preference_form_builder(preferences=["blog__logo"])({}, {"blog__logo": upload})
    assert form.is_valid(), form.errors
    form.update_preferences()
    assert manager["blog__logo"].read() == b"hello"


# -- per-instance forms, the R-INST-1 recipe ------------------------------------------------


class SiteSinglePreferenceForm(SinglePerInstancePreferenceForm):
    class Meta:
        model = SitePreferenceModel
        fields = SinglePerInstancePreferenceForm.Meta.fields


class SitePreferenceForm(PreferenceForm):
    registry = site_preferences_registry


def test_r_inst_1_per_instance_builder_and_single_form(signals):
    site = Site.objects.create(domain="example.com")
    other = Site.objects.create(domain="example.org")
    form = preference_form_builder(SitePreferenceForm, instance=site)(
        {"access__is_public": "on", "access__max_visitors": "9"}
    )
    assert form.is_valid(), form.errors
    form.update_preferences()
    assert site.preferences["access__is_public"] is True
    assert site.preferences["access__max_visitors"] == 9
    assert other.preferences["access__max_visitors"] == 50
    assert {s["instance"].instance for s in signals} == {site}

    row = site.preferences.get_db_pref(section="access", name="max_visitors")
    single = SiteSinglePreferenceForm(instance=row)
    assert isinstance(single.fields["raw_value"], forms.IntegerField)
    assert single.initial["raw_value"] == 9
