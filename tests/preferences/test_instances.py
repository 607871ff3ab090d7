"""Per-instance preferences for any model: the R-INST-1 recipe of tests.testapp (R-INST-1/2)."""

import pytest

from preferences.forms import (
    PreferenceForm,
    SinglePerInstancePreferenceForm,
    preference_form_builder,
)
from preferences.managers import PreferencesManager
from preferences.registries import preference_models
from preferences.signals import preference_updated
from tests.testapp.dynamic_preferences_registry import IsPublic
from tests.testapp.models import Site, SitePreferenceModel
from tests.testapp.registries import site_preferences_registry

pytestmark = pytest.mark.django_db


class SitePreferenceForm(SinglePerInstancePreferenceForm):
    class Meta:
        model = SitePreferenceModel
        fields = ("instance", "section", "name", "raw_value")


class SitePreferencesForm(PreferenceForm):
    registry = site_preferences_registry


@pytest.fixture
def site():
    return Site.objects.create(domain="example.org")


def test_r_inst_1_site_preferences_read_and_write_per_site(site):
    other = Site.objects.create(domain="other.org")
    assert site.preferences["access__is_public"] is False
    site.preferences["access__is_public"] = True
    assert site.preferences["access__is_public"] is True
    assert other.preferences["access__is_public"] is False
    row = SitePreferenceModel.objects.get(instance=site, section="access", name="is_public")
    assert row.value is True
    assert row.registry.name == "site"
    assert site.preferences.all() == {"access__is_public": True, "access__max_visitors": 50}


def test_r_inst_1_ready_registers_the_site_model():
    assert preference_models[SitePreferenceModel] is site_preferences_registry
    assert site_preferences_registry.preference_model is SitePreferenceModel
    assert SitePreferenceModel.registry is site_preferences_registry


def test_r_inst_1_signal_carries_the_site(site):
    received = []

    def record(sender, instance, **kwargs):
        received.append((sender, instance.instance, kwargs["old_value"], kwargs["new_value"]))

    preference_updated.connect(record, sender=IsPublic)
    try:
        site.preferences["access__is_public"] = True
    finally:
        preference_updated.disconnect(record, sender=IsPublic)
    assert received == [(IsPublic, site, False, True)]


def test_r_inst_1_form_builder_for_a_site(site):
    site.preferences["access__max_visitors"] = 70
    form_class = preference_form_builder(SitePreferencesForm, instance=site, section="access")
    form = form_class({"access__is_public": "on", "access__max_visitors": "80"})
    assert set(form.fields) == {"access__is_public", "access__max_visitors"}
    assert form.fields["access__max_visitors"].initial == 70
    assert form.is_valid(), form.errors
    form.update_preferences()
    assert site.preferences.all() == {"access__is_public": True, "access__max_visitors": 80}


def test_r_inst_1_single_preference_form_for_a_site_row(site):
    row = site.preferences.get_db_pref("access", "max_visitors")
    form = SitePreferenceForm(
        {"instance": site.pk, "section": "access", "name": "max_visitors", "raw_value": "90"},
        instance=row,
    )
    assert form.is_valid(), form.errors
    form.save()
    assert site.preferences["access__max_visitors"] == 90


def test_r_inst_2_site_manager_property(site):
    manager = site.preferences
    assert isinstance(manager, PreferencesManager)
    assert manager.instance is site
    assert manager is not site.preferences
