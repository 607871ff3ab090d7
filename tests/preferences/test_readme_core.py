"""The code examples of docs/preferences/reading-writing.md, per-instance.md, caching.md,
declaring.md ("checkpreferences") and signals.md, copied verbatim.

The examples use a few preferences (``general__title``, ``general__page_size``,
``general__maintenance_mode``, ``display__theme``) registered for this module only; a
fixture puts the reference registries back afterwards. The signals page examples
(shared/seed/signals.md) are kept verbatim, unformatted, which also proves R-SIG-7.
"""

import io
import weakref

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.dispatch import receiver
from django.test import RequestFactory

from preferences.exceptions import NotFoundInRegistry
from preferences.models import GlobalPreferenceModel
from preferences.preferences import Section
from preferences.registries import global_preferences_registry
from preferences.signals import preference_updated
from preferences.types import BooleanPreference, IntegerPreference, StringPreference
from preferences.users.registries import user_preferences_registry
from tests.testapp.models import Site, SitePreferenceModel
from tests.testapp.registries import site_preferences_registry

pytestmark = pytest.mark.django_db

# The cache is written when the transaction commits: tests that look into it commit.
commits = pytest.mark.django_db(transaction=True)

general = Section("general", verbose_name="General settings")


class SiteTitle(StringPreference):
    section = general
    name = "title"
    default = "Prefhub"


class PageSize(IntegerPreference):
    section = general
    name = "page_size"
    default = 25


class MaintenanceMode(BooleanPreference):
    section = general
    name = "maintenance_mode"
    default = False


@pytest.fixture(autouse=True)
def readme_registries():
    """Register the examples' preferences; restore both reference registries afterwards."""
    registries = (global_preferences_registry, user_preferences_registry)
    saved = [
        ({s: dict(by_name) for s, by_name in r.items()}, dict(r.section_objects))
        for r in registries
    ]
    for preference_class in (SiteTitle, PageSize, MaintenanceMode):
        global_preferences_registry.register(preference_class)
    yield
    for registry, (by_section, section_objects) in zip(registries, saved, strict=True):
        registry.clear()
        registry.update(by_section)
        registry.section_objects.clear()
        registry.section_objects.update(section_objects)


@pytest.fixture
def connected():
    """Disconnect the receivers an example connected, whatever happens."""
    before = list(preference_updated.receivers)
    yield
    preference_updated.receivers[:] = before
    preference_updated.sender_receivers_cache.clear()


def connected_receivers() -> list:
    """The functions currently connected to preference_updated (weak references resolved)."""
    references = [entry[1] for entry in preference_updated.receivers]
    return [ref() if isinstance(ref, weakref.ref) else ref for ref in references]


def test_readme_reading_and_writing():
    from preferences.registries import global_preferences_registry

    global_preferences = global_preferences_registry.manager()

    title = global_preferences["general__title"]  # "Prefhub": the default, until changed
    global_preferences["general__title"] = "My site"  # validated, saved, cached, signalled
    values = global_preferences.all()  # {"general__title": "My site", ...}
    fresh = global_preferences.get("general__title", no_cache=True)  # straight from the database
    known = "general__nope" in global_preferences  # False: unknown keys raise NotFoundInRegistry

    assert title == "Prefhub"
    assert values["general__title"] == "My site"
    assert values["general__page_size"] == 25
    assert fresh == "My site"
    assert known is False


def test_readme_validation_error(capsys):
    global_preferences = global_preferences_registry.manager()

    from django.core.exceptions import ValidationError

    try:
        global_preferences["general__page_size"] = "fifty"
    except ValidationError as error:
        print(error.messages)  # ["Invalid value for preference general__page_size: ..."]

    assert "Invalid value for preference general__page_size: " in capsys.readouterr().out
    assert global_preferences["general__page_size"] == 25


def test_readme_get_second_argument_is_no_cache():
    manager = global_preferences_registry.manager()
    manager["general__title"] = "cached"
    GlobalPreferenceModel.objects.filter(name="title").update(raw_value="in the database")
    assert manager.get("general__title", "fallback") == "in the database"
    with pytest.raises(NotFoundInRegistry):
        manager.get("general__unknown", "fallback")


def test_readme_user_preferences(django_user_model):
    from preferences.preferences import Section
    from preferences.types import ChoicePreference
    from preferences.users.registries import user_preferences_registry

    @user_preferences_registry.register
    class Theme(ChoicePreference):
        section = Section("display")
        name = "theme"
        choices = [("light", "Light"), ("dark", "Dark")]
        default = "light"

    def dashboard(request):
        theme = request.user.preferences["display__theme"]  # this user's value, or the default  # noqa: F841
        request.user.preferences["display__theme"] = "dark"  # changes this user's value only
        ...

    alice = django_user_model.objects.create_user(username="alice", password="x")
    bob = django_user_model.objects.create_user(username="bob", password="x")
    request = RequestFactory().get("/")
    request.user = alice
    dashboard(request)
    assert alice.preferences["display__theme"] == "dark"
    assert bob.preferences["display__theme"] == "light"
    with pytest.raises(TypeError):
        user_preferences_registry.manager()["display__theme"]


def test_readme_site_recipe_usage():
    Site.objects.create(domain="example.org")
    Site.objects.create(domain="other.org")

    site = Site.objects.get(domain="example.org")
    site.preferences["access__is_public"] = True
    is_public = site.preferences["access__is_public"]  # True for this site only

    assert is_public is True
    assert Site.objects.get(domain="other.org").preferences["access__is_public"] is False


def test_readme_site_recipe_forms():
    site = Site.objects.create(domain="example.org")

    from preferences.forms import (
        PreferenceForm,
        SinglePerInstancePreferenceForm,
        preference_form_builder,
    )

    class SitePreferenceForm(SinglePerInstancePreferenceForm):
        class Meta:
            model = SitePreferenceModel
            fields = ("instance", "section", "name", "raw_value")

    class SitePreferencesForm(PreferenceForm):
        registry = site_preferences_registry

    form_class = preference_form_builder(SitePreferencesForm, instance=site, section="access")

    form = form_class({"access__is_public": "on", "access__max_visitors": "5"})
    assert form.is_valid(), form.errors
    form.update_preferences()
    assert site.preferences.all() == {"access__is_public": True, "access__max_visitors": 5}
    single = SitePreferenceForm(instance=site.preferences.get_db_pref("access", "max_visitors"))
    assert single.initial["raw_value"] == 5


@commits
def test_readme_cache_settings(settings, django_assert_num_queries):
    DYNAMIC_PREFERENCES = {
        "CACHE_NAME": "default",  # any alias of settings.CACHES
        "ENABLE_CACHE": True,  # False: every read is one database query
    }

    settings.DYNAMIC_PREFERENCES = DYNAMIC_PREFERENCES
    manager = global_preferences_registry.manager()
    manager["general__title"] = "Cached"
    assert caches["default"].get("dynamic_preferences_GlobalPreferenceModel_general_title") == (
        "Cached"
    )
    with django_assert_num_queries(0):
        assert manager["general__title"] == "Cached"
    settings.DYNAMIC_PREFERENCES = {**DYNAMIC_PREFERENCES, "ENABLE_CACHE": False}
    with django_assert_num_queries(1):
        assert manager["general__title"] == "Cached"


@commits
def test_readme_cache_key_of_user_preferences(django_user_model):
    user = django_user_model.objects.create_user(username="k", password="x")
    user.preferences["misc__favourite_colour"] = "Red"
    key = f"dynamic_preferences_UserPreferenceModel_{user.pk}_misc_favourite_colour"
    assert caches["default"].get(key) == "Red"


def test_readme_checkpreferences():
    manager = global_preferences_registry.manager()
    manager.all()
    GlobalPreferenceModel.objects.create(section="general", name="removed", raw_value="x")

    call_command("checkpreferences", "--skip_create", stdout=io.StringIO())
    assert not GlobalPreferenceModel.objects.filter(name="removed").exists()

    GlobalPreferenceModel.objects.all().delete()
    call_command("checkpreferences", stdout=io.StringIO())
    assert GlobalPreferenceModel.objects.count() == len(global_preferences_registry.preferences())


def test_r_sig_7_signals_page_receivers_work_unchanged(capsys, connected):
    # fmt: off
    from preferences.signals import preference_updated  # noqa: I001
    from django.dispatch import receiver

    @receiver(preference_updated)
    def handle_preference_change(sender, section, name, old_value, new_value, instance, **kwargs):
        """Handle preference updates for logging or cache invalidation."""
        print(f"Preference {section}__{name} changed from {old_value} to {new_value}")

        # Example: Clear cache when maintenance mode changes
        if section == 'general' and name == 'maintenance_mode':
            from django.core.cache import cache
            cache.clear()

    # Alternative connection method
    def notify_on_preference_update(sender, section, name, old_value, new_value, instance, **kwargs):  # noqa: E501
        """Send notification when important preferences change."""
        if section in ['email', 'notifications']:
            # Send notification to administrators
            pass

    preference_updated.connect(notify_on_preference_update)
    # fmt: on

    manager = global_preferences_registry.manager()
    manager["general__title"] = "New"
    caches["default"].set("unrelated", "kept until maintenance mode changes")
    manager["general__maintenance_mode"] = True
    assert caches["default"].get("unrelated") is None
    assert capsys.readouterr().out.splitlines() == [
        "Preference general__title changed from Prefhub to New",
        "Preference general__maintenance_mode changed from False to True",
    ]
    live = connected_receivers()
    assert notify_on_preference_update in live


def test_r_sig_7_app_config_ready_connects_a_method(connected):
    # fmt: off
    # apps.py
    from django.apps import AppConfig  # noqa: I001
    from preferences.signals import preference_updated

    class MyAppConfig(AppConfig):
        default_auto_field = 'django.db.models.BigAutoField'
        name = 'myapp'

        def ready(self):
            preference_updated.connect(self.handle_preference_update)

        def handle_preference_update(self, sender, section, name, old_value, new_value, instance, **kwargs):  # noqa: E501
            # Custom handling logic
            pass
    # fmt: on

    import tests.testapp as some_package

    config = MyAppConfig("myapp", some_package)
    config.ready()
    assert config.handle_preference_update in connected_receivers()
    global_preferences_registry.manager()["general__page_size"] = 30
    assert isinstance(config, AppConfig)


def test_r_sig_7_filtering_by_section(connected):
    seen = []

    # fmt: off
    @receiver(preference_updated)
    def handle_site_preferences(sender, section, name, old_value, new_value, instance, **kwargs):
        """Only handle site-wide configuration changes."""
        if section == 'site_config':
            # Rebuild static files, clear CDN cache, etc.
            pass
    # fmt: on

    @receiver(preference_updated)
    def record(sender, section, **kwargs):
        seen.append(section)

    global_preferences_registry.manager()["general__page_size"] = 31
    assert handle_site_preferences in connected_receivers()
    assert seen == ["general"]


def test_readme_filtering_by_preference_with_on_commit(
    connected, django_capture_on_commit_callbacks, mailoutbox
):
    from django.core.mail import mail_admins
    from django.db import transaction

    @receiver(preference_updated, sender=MaintenanceMode)
    def announce_maintenance(sender, new_value, **kwargs):
        transaction.on_commit(
            lambda: mail_admins("Maintenance mode", f"Maintenance mode is now {new_value}.")
        )

    manager = global_preferences_registry.manager()
    with django_capture_on_commit_callbacks(execute=True):
        manager["general__title"] = "Not maintenance"
        manager["general__maintenance_mode"] = True
    with (
        pytest.raises(RuntimeError),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        manager["general__maintenance_mode"] = False
        raise RuntimeError("rolled back: no mail")
    assert [message.body for message in mailoutbox] == ["Maintenance mode is now True."]


def test_readme_receiver_exception_rolls_back(connected):
    @receiver(preference_updated)
    def refuse(sender, **kwargs):
        raise RuntimeError("no")

    manager = global_preferences_registry.manager()
    with pytest.raises(RuntimeError):
        manager["general__title"] = "Refused"
    preference_updated.disconnect(refuse)
    assert manager["general__title"] == "Prefhub"
