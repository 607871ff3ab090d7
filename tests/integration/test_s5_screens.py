"""S5 on screen: no admin page, API answer or preference page shows a secret.

A sensitive global preference, a sensitive user preference, a webhook signing secret
and a credential in an endpoint's custom header each hold a unique marker. Every page
of every registered admin (index, app pages, lists, add, change, history and delete
pages of every object, custom endpoint views), every parameterless API route plus the
detail routes of those objects, and every preference page are fetched as a superuser
and searched for the markers. The admin search box must not find a row by a marker.
The database rows hold the sensitive values sealed only.
"""

import uuid

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from hub.models import Attempt, Event, Message, WebhookEndpoint
from hub.webhooks.secrets import create_secret
from preferences.models import GlobalPreferenceModel
from preferences.registries import global_preferences_registry
from preferences.users.models import UserPreferenceModel
from preferences.users.registries import user_preferences_registry

pytestmark = pytest.mark.django_db

GLOBAL_SENSITIVE = "test__TestGlobal1"
USER_SENSITIVE = "misc__favourite_colour"
OBJECTS_PER_MODEL = 25


@pytest.fixture
def markers(monkeypatch, admin_user):
    """Store one unique marker in each kind of secret; return them."""
    for registry, identifier in [
        (global_preferences_registry, GLOBAL_SENSITIVE),
        (user_preferences_registry, USER_SENSITIVE),
    ]:
        monkeypatch.setattr(type(registry.get(identifier)), "sensitive", True, raising=False)
    token = uuid.uuid4().hex
    values = {
        "global preference": f"s5-global-{token}",
        "user preference": f"s5-user-{token}",
        "header credential": f"Bearer s5-header-{token}",
    }
    global_preferences_registry.manager()[GLOBAL_SENSITIVE] = values["global preference"]
    admin_user.preferences[USER_SENSITIVE] = values["user preference"]
    endpoint = WebhookEndpoint.objects.create(
        url="https://example.com/s5", headers={"Authorization": values["header credential"]}
    )
    values["webhook secret"] = create_secret(endpoint)
    _delivery_rows(endpoint)
    return values


def _delivery_rows(endpoint: WebhookEndpoint) -> None:
    """A message and an attempt for the sensitive event, so their admin pages have rows."""
    event = Event.objects.get(identifier=GLOBAL_SENSITIVE)
    message = Message.objects.create(event=event, endpoint=endpoint, status="failed")
    Attempt.objects.create(
        message=message, number=1, trigger="scheduled", status="failure", status_code=500,
        webhook_timestamp=1, started_at=timezone.now(),
    )  # fmt: skip


def _admin_pages() -> list[str]:
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages += [reverse("admin:app_list", args=[model._meta.app_label])]
        pages += [reverse(f"{info}_changelist"), reverse(f"{info}_add")]
        for pk in model._default_manager.values_list("pk", flat=True)[:OBJECTS_PER_MODEL]:
            pages += [reverse(f"{info}_{view}", args=[pk]) for view in ("change", "history")]
            pages += [reverse(f"{info}_delete", args=[pk])]
    for endpoint in WebhookEndpoint.objects.all():
        pages += [
            reverse(f"admin:hub_{name}", args=[endpoint.pk])
            for name in ("rotate_secret", "recover")
        ]
    return list(dict.fromkeys(pages))


def _parameterless_api_routes(resolver: URLResolver, prefix: str = "") -> list[str]:
    """Every route under ``/api/`` that takes no argument (lists, schema, docs)."""
    routes = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            routes += _parameterless_api_routes(pattern, route)
        elif isinstance(pattern, URLPattern) and _is_plain_api_route(route):
            routes.append("/" + route)
    return routes


def _is_plain_api_route(route: str) -> bool:
    return route.startswith("api/") and not any(char in route for char in "<(\\")


def _api_answers(client: APIClient) -> dict[str, str]:
    paths = _parameterless_api_routes(get_resolver())
    paths += [
        f"/api/preferences/global/{GLOBAL_SENSITIVE}/",
        "/api/preferences/global/?section=test",
        f"/api/preferences/user/{USER_SENSITIVE}/",
        *(
            f"/api/hub/endpoints/{pk}/"
            for pk in WebhookEndpoint.objects.values_list("pk", flat=True)
        ),
        *(f"/api/hub/messages/{pk}/" for pk in Message.objects.values_list("pk", flat=True)),
        *(f"/api/hub/attempts/{pk}/" for pk in Attempt.objects.values_list("pk", flat=True)),
    ]
    answers = {path: client.get(path) for path in paths}
    assert {path for path, answer in answers.items() if answer.status_code != 200} <= {
        "/api/preferences/global/bulk/",  # POST only
        "/api/preferences/user/bulk/",
    }
    return {path: answer.content.decode() for path, answer in answers.items()}


def _preference_pages() -> list[str]:
    pages = [reverse("preferences:global"), reverse("preferences:user")]
    pages += [reverse("preferences:global.section", args=[s]) for s in
              global_preferences_registry.section_objects if s]  # fmt: skip
    pages += [reverse("preferences:user.section", args=[s]) for s in
              user_preferences_registry.section_objects if s]  # fmt: skip
    return pages


def _found(markers: dict[str, str], texts: dict[str, str]) -> list[tuple[str, str]]:
    return [(kind, where) for where, text in texts.items() for kind, m in markers.items()
            if m in text]  # fmt: skip


def test_s5_no_admin_page_shows_a_secret(markers, admin_client):
    pages = {}
    for page in _admin_pages():
        response = admin_client.get(page)
        assert response.status_code in (200, 403), page  # 403: add disabled by design
        pages[page] = response.content.decode()

    assert _found(markers, pages) == []
    # The pages did show the rows that hold the secrets, masked.
    changelist = pages[reverse("admin:preferences_globalpreferencemodel_changelist")]
    assert "•••• set" in changelist and "TestGlobal1" in changelist
    assert len(pages) > 40


def test_s5_admin_search_finds_no_row_by_a_secret(markers, admin_client):
    for model, model_admin in admin.site._registry.items():
        if not model_admin.search_fields:
            continue
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for marker in markers.values():
            response = admin_client.get(reverse(info), {"q": marker[-20:]})
            assert response.context["cl"].result_count == 0, (model.__name__, marker)


def test_s5_no_api_answer_shows_a_secret(markers, admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)  # a superuser: masking holds for every caller

    answers = _api_answers(client)

    assert _found(markers, answers) == []
    assert "TestGlobal1" in answers["/api/preferences/global/"]
    assert "Authorization" in answers["/api/hub/endpoints/"]


def test_s5_no_preference_page_shows_a_secret(markers, admin_client):
    pages = {page: admin_client.get(page) for page in _preference_pages()}

    assert {page for page, response in pages.items() if response.status_code != 200} == set()
    assert _found(markers, {p: r.content.decode() for p, r in pages.items()}) == []
    assert (
        "•••• set" in pages[reverse("preferences:global.section", args=["test"])].content.decode()
    )


def test_s5_database_rows_hold_sensitive_values_sealed(markers):
    rows = [
        *GlobalPreferenceModel.objects.values_list("raw_value", flat=True),
        *UserPreferenceModel.objects.values_list("raw_value", flat=True),
        *Event.objects.values_list("old_value", "new_value", "sealed_values"),
    ]
    text = repr(rows)
    assert markers["global preference"] not in text
    assert markers["user preference"] not in text
