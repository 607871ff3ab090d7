"""Custom endpoint headers hold credentials: write-only after creation, masked, replaceable."""

import json

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from hub.models import WebhookEndpoint
from hub.models.endpoints import HEADER_MASK
from tests.support.users import browser_for

pytestmark = pytest.mark.django_db

CREDENTIAL = "Bearer marker-credential-3f9a"
ENDPOINTS = "/api/hub/endpoints/"


@pytest.fixture
def endpoint(db):
    return WebhookEndpoint.objects.create(
        url="https://example.com/hook", headers={"Authorization": CREDENTIAL, "X-Team": "ops"}
    )


def _change_url(endpoint) -> str:
    return reverse("admin:hub_webhookendpoint_change", args=[endpoint.pk])


def test_api_masks_header_values_in_list_detail_and_create(superuser_api, endpoint):
    listing = superuser_api.get(ENDPOINTS)
    detail = superuser_api.get(f"{ENDPOINTS}{endpoint.pk}/")
    created = superuser_api.post(
        ENDPOINTS,
        {"url": "https://example.com/other", "headers": {"X-Key": "marker-new-key"}},
        format="json",
    )

    assert CREDENTIAL not in listing.content.decode() + detail.content.decode()
    assert detail.json()["headers"] == {"Authorization": HEADER_MASK, "X-Team": HEADER_MASK}
    assert created.status_code == 201 and "marker-new-key" not in created.content.decode()
    assert WebhookEndpoint.objects.get(pk=created.json()["id"]).headers == {
        "X-Key": "marker-new-key"
    }


def test_api_keeps_masked_values_replaces_typed_ones_and_drops_left_out(superuser_api, endpoint):
    headers = {"Authorization": HEADER_MASK, "X-New": "fresh"}
    response = superuser_api.patch(
        f"{ENDPOINTS}{endpoint.pk}/", {"headers": headers}, format="json"
    )

    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.headers == {"Authorization": CREDENTIAL, "X-New": "fresh"}

    replaced = {"Authorization": "Bearer replaced"}
    superuser_api.patch(f"{ENDPOINTS}{endpoint.pk}/", {"headers": replaced}, format="json")
    endpoint.refresh_from_db()
    assert endpoint.headers == {"Authorization": "Bearer replaced"}


def test_api_mask_for_an_unknown_header_is_a_400(superuser_api, endpoint):
    body = {"headers": {"X-Unknown": HEADER_MASK}}
    response = superuser_api.patch(f"{ENDPOINTS}{endpoint.pk}/", body, format="json")

    assert response.status_code == 400 and "headers" in response.json()
    endpoint.refresh_from_db()
    assert endpoint.headers["Authorization"] == CREDENTIAL


def test_admin_change_page_masks_values_and_keeps_them_on_save(root, endpoint):
    client = browser_for(root)
    page = client.get(_change_url(endpoint))
    assert page.status_code == 200 and CREDENTIAL not in page.content.decode()

    shown = json.loads(page.context["adminform"].form["headers"].value())
    assert shown == {"Authorization": HEADER_MASK, "X-Team": HEADER_MASK}
    data = {
        "url": endpoint.url, "description": "", "patterns": "", "registries": "",
        "headers": json.dumps({**shown, "X-Team": "dev"}), "payload_mode": "full",
        "rate_limit": "",
    }  # fmt: skip
    assert client.post(_change_url(endpoint), data).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.headers == {"Authorization": CREDENTIAL, "X-Team": "dev"}


def test_admin_read_only_change_page_masks_values(endpoint):
    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookendpoint"))
    client = Client()
    client.force_login(viewer)
    page = client.get(_change_url(endpoint))

    assert page.status_code == 200
    html = page.content.decode()
    assert CREDENTIAL not in html and "Authorization" in html
