"""The hub examples of the docs (docs/hub/*.md, and the README's handler), run as written."""

import logging

import environ
import pytest
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.template import Context, Template

import hub
from hub.handlers import HandlerEvent, matching_handlers
from hub.invalidation import declared_dependencies
from hub.models import Event
from preferences.preferences import Section
from preferences.registries import global_preferences_registry
from preferences.types import StringPreference

logger = logging.getLogger(__name__)
paged = []


def notify_on_call(message: str) -> None:
    paged.append(message)


# docs/hub/handlers.md and the README, verbatim (module name aside):
@hub.handler("general__*", registry="global", max_retries=5)
def announce_site_change(event):
    logger.info("%s is now %r (version %s)", event.identifier, event.new_value, event.version)


@hub.handler(kinds=["endpoint.disabled"])
def page_on_call(event):
    notify_on_call(f"Webhook endpoint {event.data['endpoint_id']} was disabled")


# docs/hub/cache-dependencies.md, without the registration: the test registry must stay
# the reference one (R-TEST-1); tests that need it registered use ``site_title``.
class SiteTitle(StringPreference):
    section = Section("general")
    name = "title"
    default = "Prefhub"
    cache_keys = ["homepage", "title:{name}"]
    cache_fragments = ["site_header", ("greeting", "{owner_id}")]


@pytest.mark.django_db
def test_readme_outbox_status():
    from hub.outbox import outbox_status

    assert repr(outbox_status()) == "OutboxStatus(pending=0, oldest_age=0.0)"


@pytest.fixture
def site_title():
    """``SiteTitle`` registered for one test; the reference registry is put back after."""
    registry = global_preferences_registry
    saved = {section: dict(by_name) for section, by_name in registry.items()}
    saved_sections = dict(registry.section_objects)
    registry.register(SiteTitle)
    yield
    registry.clear()
    registry.update(saved)
    registry.section_objects.clear()
    registry.section_objects.update(saved_sections)


@pytest.mark.django_db
@pytest.mark.usefixtures("site_title")
def test_readme_acting_as(django_user_model):
    request_user = django_user_model.objects.create_user("editor", password="pw")
    from hub.actor import acting_as

    with acting_as(request_user):
        global_preferences_registry.manager()["general__title"] = "Spring sale"

    assert Event.objects.get().actor == request_user


def test_f15_readme_handler_logs_the_change(caplog):
    event = Event(identifier="general__title", registry="global", new_value="Spring", version=4)
    assert announce_site_change in [h.function for h in matching_handlers(event)]

    with caplog.at_level(logging.INFO):
        announce_site_change(HandlerEvent.from_event(event))

    assert "general__title is now 'Spring' (version 4)" in caplog.text
    assert [
        h.task.max_retries for h in matching_handlers(event) if h.function is announce_site_change
    ] == [5]


def test_f15_readme_endpoint_disabled_handler():
    event = Event(kind="endpoint.disabled", data={"endpoint_id": "a1b2"})
    assert [h.function for h in matching_handlers(event) if h.function is page_on_call]

    page_on_call(HandlerEvent.from_event(event))

    assert paged[-1] == "Webhook endpoint a1b2 was disabled"


def test_f13_readme_class_declaration():
    event = Event(identifier="general__title", section="general", name="title", owner_id="7")

    keys = declared_dependencies(event, SiteTitle).cache_keys()

    assert keys == [
        "homepage",
        "title:title",
        make_template_fragment_key("site_header"),
        make_template_fragment_key("greeting", ["7"]),
    ]
    rendered = Template("{% load cache %}{% cache 600 greeting user_pk %}hi{% endcache %}")
    rendered.render(Context({"user_pk": 7}))

    assert caches["default"].get(keys[-1]) == "hi"  # the very key {% cache %} wrote


def test_f13_readme_settings_declaration(settings):
    settings.HUB = {
        "CACHE_DEPENDENCIES": {
            "general__*": {"keys": ["homepage"], "fragments": ["site_header"]},
        }
    }
    event = Event(identifier="general__logo", section="general", name="logo")

    keys = declared_dependencies(event, object()).cache_keys()

    assert keys == ["homepage", make_template_fragment_key("site_header")]


def test_readme_hub_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("HUB_SETTINGS", '{"OUTBOX_GRACE": 10}')

    assert environ.Env().json("HUB_SETTINGS", default={}) == {"OUTBOX_GRACE": 10}
