"""The hub REST API (hub/api/): endpoint CRUD, delivery log, actions, permissions (F7-F10, S9)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from hub.models import Attempt, Event, Message, WebhookEndpoint
from hub.webhooks.secrets import create_secret

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/hub/endpoints/"
URL = "https://example.com/hook"


@pytest.fixture
def endpoint(db):
    endpoint = WebhookEndpoint.objects.create(url=URL)
    create_secret(endpoint)
    return endpoint


@pytest.fixture
def message(endpoint):
    event = Event.objects.create(kind="preference.ping", data={"endpoint_id": str(endpoint.pk)})
    message = Message.objects.create(event=event, endpoint=endpoint, status="failed")
    Attempt.objects.create(
        message=message, number=1, trigger="scheduled", status="failure", status_code=500,
        webhook_timestamp=1, started_at=timezone.now(),
    )  # fmt: skip
    return message


def test_f10_create_returns_secret_once(superuser_api):
    response = superuser_api.post(
        ENDPOINTS,
        {"url": URL, "patterns": ["general__*"], "registries": ["global"],
         "headers": {"Authorization": "Bearer x"}, "payload_mode": "ids", "rate_limit": 5},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    secret = response.json()["secret"]
    assert secret.startswith("whsec_")
    endpoint_id = response.json()["id"]
    for path in (ENDPOINTS, f"{ENDPOINTS}{endpoint_id}/"):
        again = superuser_api.get(path)
        assert again.status_code == 200
        assert secret not in again.content.decode()
    stored = WebhookEndpoint.objects.get(pk=endpoint_id)
    assert (stored.patterns, stored.payload_mode, stored.rate_limit) == (["general__*"], "ids", 5)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://127.0.0.1/hook"}, "url"),
        ({"url": "http://[::ffff:0:a9fe:a9fe]/"}, "url"),  # IPv4-translated metadata
        ({"url": "ftp://example.com/hook"}, "url"),
        ({"url": URL, "headers": {"webhook-signature": "forged"}}, "headers"),
        ({"url": URL, "headers": {"X-Ok": "a\r\nInjected: 1"}}, "headers"),
        ({"url": URL, "headers": {f"X-H{n}": "v" * 4000 for n in range(300)}}, "headers"),
        ({"url": URL, "headers": {f"X-H{n}": "v" for n in range(21)}}, "headers"),
        ({"url": URL, "event_types": ["nope"]}, "event_types"),
        ({"url": URL, "patterns": [""]}, "patterns"),
        ({"url": URL, "rate_limit": 0}, "rate_limit"),
    ],
)
def test_s7_bad_input_is_400_naming_the_field_and_creates_nothing(superuser_api, body, field):
    response = superuser_api.post(ENDPOINTS, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"url": "https://example.com/\\ud800"}', "lone surrogate"),
        ('{"url": ' + "[" * 50_000 + "]" * 50_000 + "}", "nested too deeply"),
    ],
    ids=["lone-surrogate", "deep-nesting"],
)
def test_malformed_json_is_a_400_not_a_500(superuser_api, body, message):
    response = superuser_api.post(ENDPOINTS, body.encode(), content_type="application/json")
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not WebhookEndpoint.objects.exists()


def test_a_body_over_the_upload_limit_is_a_json_413(superuser_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = superuser_api.post(ENDPOINTS, {"url": URL + "x" * 2_000}, format="json")
    assert response.status_code == 413
    assert "over the limit of 1,000 bytes" in response.json()["detail"]
    assert not WebhookEndpoint.objects.exists()


def test_s9_non_staff_gets_403(endpoint):
    client = APIClient()
    client.force_authenticate(User.objects.create_user("plain", password="pw"))
    assert client.get(ENDPOINTS).status_code == 403
    assert client.post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret/").status_code == 403


def test_s9_anonymous_gets_403():
    assert APIClient().get(ENDPOINTS).status_code == 403


def test_s9_view_permission_only_cannot_act(webhook_viewer_api, endpoint, message):
    assert webhook_viewer_api.get(ENDPOINTS).status_code == 200
    assert webhook_viewer_api.get("/api/hub/messages/").status_code == 200
    refused = [
        webhook_viewer_api.post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret/"),
        webhook_viewer_api.post(f"{ENDPOINTS}{endpoint.pk}/test/"),
        webhook_viewer_api.post(f"{ENDPOINTS}{endpoint.pk}/recover/", {"since": timezone.now()}),
        webhook_viewer_api.post(f"/api/hub/messages/{message.pk}/resend/"),
        webhook_viewer_api.post(ENDPOINTS, {"url": URL}, format="json"),
        webhook_viewer_api.delete(f"{ENDPOINTS}{endpoint.pk}/"),
    ]
    assert [response.status_code for response in refused] == [403] * 6
    assert endpoint.secrets.count() == 1


def test_s9_session_post_without_csrf_token_refused(endpoint):
    User.objects.create_superuser("root", "root@example.com", "pw")
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="root", password="pw")
    response = client.post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret/")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert endpoint.secrets.count() == 1


def test_f4_rotate_returns_new_secret_never_shown_again(superuser_api, endpoint):
    response = superuser_api.post(
        f"{ENDPOINTS}{endpoint.pk}/rotate-secret/", {"grace_seconds": 60}, format="json"
    )
    assert response.status_code == 200
    secret = response.json()["secret"]
    assert endpoint.secrets.count() == 2
    assert secret not in superuser_api.get(f"{ENDPOINTS}{endpoint.pk}/").content.decode()


def test_f8_resend_schedules_manual_delivery(
    superuser_api, message, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = superuser_api.post(f"/api/hub/messages/{message.pk}/resend/")
    assert response.status_code == 202
    assert len(callbacks) == 1


def test_f8_recover_window_enforced(superuser_api, endpoint):
    too_old = timezone.now() - timedelta(days=15)
    response = superuser_api.post(
        f"{ENDPOINTS}{endpoint.pk}/recover/", {"since": too_old.isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert "14 days" in response.json()["since"][0]


def test_f8_disabled_endpoint_refuses_test_event(superuser_api, endpoint):
    assert superuser_api.post(f"{ENDPOINTS}{endpoint.pk}/disable/").json()["is_active"] is False
    response = superuser_api.post(f"{ENDPOINTS}{endpoint.pk}/test/")
    assert response.status_code == 400
    assert "disabled" in response.json()[0]
    assert superuser_api.post(f"{ENDPOINTS}{endpoint.pk}/enable/").json()["is_active"] is True


def test_f7_delivery_log_filters(superuser_api, message, endpoint):
    listed = superuser_api.get("/api/hub/messages/", {"status": "failed", "endpoint": endpoint.pk})
    assert [row["id"] for row in listed.json()] == [message.pk]
    assert superuser_api.get("/api/hub/messages/", {"status": "succeeded"}).json() == []
    attempts = superuser_api.get("/api/hub/attempts/", {"message": message.pk}).json()
    assert [(a["number"], a["status"], a["status_code"]) for a in attempts] == [(1, "failure", 500)]
    bad = superuser_api.get("/api/hub/messages/", {"status": "nonsense"})
    assert bad.status_code == 400 and "status" in bad.json()


def test_f10_endpoints_documented_in_openapi_schema(superuser_api):
    schema = superuser_api.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/hub/endpoints/",
        "/api/hub/endpoints/{id}/rotate-secret/",
        "/api/hub/endpoints/{id}/recover/",
        "/api/hub/endpoints/{id}/test/",
        "/api/hub/messages/{id}/resend/",
        "/api/hub/attempts/",
    ):
        assert path in paths, path
    parameters = {p["name"]: p for p in paths["/api/hub/messages/"]["get"]["parameters"]}
    assert parameters["status"]["schema"]["enum"] == ["pending", "succeeded", "failed"]
