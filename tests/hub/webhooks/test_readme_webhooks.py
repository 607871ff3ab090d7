"""The examples of docs/webhooks/endpoints.md and payloads.md, and the README's
``webhooks add``, run as written (F4, F8, F10).

The curl request goes through the test client with the same basic auth and JSON body;
the management command lines run through ``call_command`` with the same arguments; the
example payload is validated against the published schema.
"""

import base64
import json
import re
import shlex
from io import StringIO
from pathlib import Path

import jsonschema
import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from hub.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).parents[3] / "docs/webhook-payload.schema.json").read_text())

CURL_BODY = """{"url": "https://crm.example.com/hooks/prefhub",
       "description": "CRM",
       "patterns": ["general__*", "user__registration_allowed"],
       "registries": ["global"],
       "headers": {"Authorization": "Bearer crm-token"},
       "payload_mode": "full",
       "rate_limit": 5}"""

COMMAND_ADD = """webhooks add https://crm.example.com/hooks/prefhub --description CRM \
    --pattern 'general__*' --registry global --header 'Authorization: Bearer crm-token' \
    --payload-mode full --rate-limit 5"""

PAYLOAD = """{"type": "preference.updated", "timestamp": "2025-01-31T12:00:00.123456Z",
 "data": {"event_id": "01948a3c-0000-7000-8000-000000000000", "registry": "global",
          "section": "general", "name": "title", "identifier": "general__title",
          "version": 4, "owner": null, "actor_id": "1", "sensitive": false,
          "old_value": "Old", "new_value": "New"}}"""


def manage(command_line: str) -> str:
    out = StringIO()
    call_command(*shlex.split(command_line), stdout=out)
    return out.getvalue()


def test_f10_readme_curl_create_endpoint():
    User.objects.create_superuser("admin", "admin@example.com", "password")
    credentials = base64.b64encode(b"admin:password").decode()
    response = Client().post(
        "/api/hub/endpoints/", CURL_BODY, content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {credentials}",
    )  # fmt: skip
    assert response.status_code == 201
    assert response.json()["secret"].startswith("whsec_")
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.patterns == ["general__*", "user__registration_allowed"]
    assert endpoint.rate_limit == 5


def test_f10_readme_management_commands():
    output = manage(COMMAND_ADD)
    endpoint_id = re.search(r"Created endpoint (\S+) for https://crm.example.com", output)[1]
    assert re.search(r"Secret \(shown once\): whsec_", output)
    for line in (
        "webhooks list",
        f"webhooks test {endpoint_id}",
        f"webhooks rotate {endpoint_id} --grace 3600",
        f"webhooks remove {endpoint_id}",
    ):
        assert manage(line)
    assert not WebhookEndpoint.objects.exists()


def test_readme_webhooks_add_in_brief():
    readme = (Path(__file__).parents[3] / "README.md").read_text()
    (line,) = [line for line in readme.splitlines() if line.startswith("python manage.py webhooks")]
    output = manage(line.removeprefix("python manage.py "))

    assert re.search(r"Secret \(shown once\): whsec_", output)
    assert WebhookEndpoint.objects.get().patterns == ["general__*"]


def test_s7_readme_error_messages():
    with pytest.raises(CommandError) as refused:
        manage("webhooks add http://169.254.169.254/latest")
    assert str(refused.value) == (
        "url: The URL's host is not allowed: 169.254.169.254 is not a global address "
        "and not in OUTBOUND_ALLOWLIST."
    )
    with pytest.raises(CommandError) as refused:
        manage("webhooks add https://example.com/hook --header 'Host: evil'")
    assert "headers: Header 'Host' is set by the hub and cannot be overridden." in str(
        refused.value
    )


def test_f3_readme_payload_matches_schema():
    jsonschema.validate(json.loads(PAYLOAD), SCHEMA)
