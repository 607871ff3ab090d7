"""The webhook admin (hub/admin/endpoints.py, deliveries.py): as a new user would (F4, F7,
F8, F10, S9). The end-to-end test adds an endpoint through the admin, changes a
preference and finds the signed request at a real receiver and the attempt in the admin.
"""

import re

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from standardwebhooks import Webhook

from hub.models import Message, WebhookEndpoint
from hub.webhooks.secrets import create_secret
from preferences.registries import global_preferences_registry
from tests.support.polling import wait_until
from tests.support.receiver import Receiver

ADD_URL = "/admin/hub/webhookendpoint/add/"
SECRET = re.compile(r'value="(whsec_[A-Za-z0-9+/=]+)"')


def form_data(url: str, **fields) -> dict:
    return {"url": url, "description": "", "patterns": "", "registries": "", "headers": "{}",
            "payload_mode": "full", "rate_limit": "", **fields}  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_f10_endpoint_added_in_admin_receives_signed_request(superuser_browser, webhook_worker):
    with Receiver() as receiver:
        response = superuser_browser.post(ADD_URL, form_data(receiver.url, patterns="user__*"))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        secret = SECRET.search(response.content.decode()).group(1)
        with transaction.atomic():
            global_preferences_registry.manager()["user__max_users"] = 50
        (request,) = receiver.wait_for_requests(1, timeout=20)
        message = wait_until(lambda: Message.objects.filter(status="succeeded").first())

    assert Webhook(secret).verify(request.body, request.headers)["data"]["new_value"] == "50"
    endpoint = WebhookEndpoint.objects.get()
    change_page = superuser_browser.get(f"/admin/hub/webhookendpoint/{endpoint.pk}/change/")
    assert secret not in change_page.content.decode()
    log = superuser_browser.get("/admin/hub/message/", {"endpoint__id__exact": endpoint.pk})
    assert message.pk in log.content.decode()
    detail = superuser_browser.get(f"/admin/hub/message/{message.pk}/change/").content.decode()
    assert "Success" in detail and "Scheduled" in detail


@pytest.mark.django_db
def test_s7_admin_refuses_bad_url_and_reserved_header(superuser_browser):
    for url in ("http://10.0.0.1/hook", "http://[::ffff:0:7f00:1]/"):
        response = superuser_browser.post(ADD_URL, form_data(url))
        assert response.status_code == 200 and "not allowed" in response.content.decode()
    response = superuser_browser.post(
        ADD_URL, form_data("https://example.com/hook", headers='{"Webhook-Id": "x"}')
    )
    assert "is set by the hub" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_f4_rotate_in_admin_shows_new_secret_once(superuser_browser):
    endpoint = WebhookEndpoint.objects.create(url="https://example.com/hook")
    create_secret(endpoint)
    rotate_url = f"/admin/hub/webhookendpoint/{endpoint.pk}/rotate-secret/"
    assert "Rotate secret" in superuser_browser.get(rotate_url).content.decode()
    response = superuser_browser.post(rotate_url)
    secret = SECRET.search(response.content.decode()).group(1)
    assert endpoint.secrets.count() == 2
    again = superuser_browser.get(f"/admin/hub/webhookendpoint/{endpoint.pk}/change/")
    assert secret not in again.content.decode()


@pytest.mark.django_db
def test_s9_admin_operations_need_their_permission(webhook_viewer_browser):
    endpoint = WebhookEndpoint.objects.create(url="https://example.com/hook")
    create_secret(endpoint)
    base = f"/admin/hub/webhookendpoint/{endpoint.pk}"
    assert webhook_viewer_browser.get(f"{base}/change/").status_code == 200
    assert webhook_viewer_browser.post(f"{base}/rotate-secret/").status_code == 403
    assert webhook_viewer_browser.get(f"{base}/recover/").status_code == 403
    assert webhook_viewer_browser.post(f"{base}/send-test/").status_code == 403
    assert endpoint.secrets.count() == 1


@pytest.mark.django_db
def test_s9_admin_post_without_csrf_token_refused(db):
    endpoint = WebhookEndpoint.objects.create(url="https://example.com/hook")
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    response = client.post(f"/admin/hub/webhookendpoint/{endpoint.pk}/rotate-secret/")
    assert response.status_code == 403
    assert not endpoint.secrets.exists()


@pytest.mark.django_db
def test_f8_recover_form_validates_window(superuser_browser):
    endpoint = WebhookEndpoint.objects.create(url="https://example.com/hook")
    response = superuser_browser.post(
        f"/admin/hub/webhookendpoint/{endpoint.pk}/recover/", {"since": "2000-01-01 00:00"}
    )
    assert response.status_code == 200
    assert "at most 14 days" in response.content.decode()
