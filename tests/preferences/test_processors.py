"""The global_preferences context processor (R-DJ-4)."""

import pytest
from django.template import RequestContext, Template
from django.test import RequestFactory

from preferences.processors import global_preferences
from preferences.registries import global_preferences_registry

pytestmark = pytest.mark.django_db


def test_r_dj_4_processor_returns_all_global_preferences():
    request = RequestFactory().get("/")
    context = global_preferences(request)
    assert context == {"global_preferences": global_preferences_registry.manager().all()}
    assert len(context["global_preferences"]) == 15


def test_r_dj_4_templates_read_flat_identifiers():
    global_preferences_registry.manager()["user__max_users"] = 64
    request = RequestFactory().get("/")
    template = Template(
        "{{ global_preferences.user__max_users }}|{{ global_preferences.no_section }}|"
        "{{ global_preferences.test__TestGlobal1 }}"
    )
    assert template.render(RequestContext(request)) == "64|False|default value"


def test_r_dj_4_rendered_context_equals_manager_all():
    request = RequestFactory().get("/")
    template = Template("")
    context = RequestContext(request)
    with context.bind_template(template):
        assert context["global_preferences"] == global_preferences_registry.manager().all()
