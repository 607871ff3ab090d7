"""R7: a 410 Gone answer disables the endpoint at once (F6, F9).

No further request reaches it, the admins get one mail, and one ``endpoint.disabled``
event is recorded, which other endpoints subscribed to it receive.
"""

import json
from pathlib import Path

import jsonschema
import pytest
from django.db import transaction
from standardwebhooks import Webhook

from hub.models import Event, Message, WebhookEndpoint
from preferences.registries import global_preferences_registry
from tests.support.polling import wait_until
from tests.support.receiver import Receiver, Reply
from tests.support.webhook_endpoints import add_endpoint

pytestmark = pytest.mark.django_db(transaction=True)
SCHEMA = json.loads((Path(__file__).parents[2] / "docs/webhook-payload.schema.json").read_text())


def change(value: int) -> None:
    with transaction.atomic():
        global_preferences_registry.manager()["user__max_users"] = value


def test_r7_gone_disables_endpoint_once(webhook_worker, smtp_server):
    with Receiver(default=Reply(status=410)) as gone, Receiver() as watcher:
        endpoint, _ = add_endpoint(gone.url, description="gone")
        _, watcher_secret = add_endpoint(watcher.url, event_types=["endpoint.disabled"])

        change(11)
        gone.wait_for_requests(1, timeout=20)
        endpoint = wait_until(
            lambda: WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=False).first()
        )
        assert endpoint.disabled_reason == "The endpoint answered 410 Gone."
        (notice,) = watcher.wait_for_requests(1, timeout=20)
        mail = wait_until(lambda: smtp_server.messages, timeout=20)

        change(12)  # a later change creates no message for the disabled endpoint
        wait_until(lambda: Event.objects.filter(kind="preference.updated").count() == 2)
        wait_until(lambda: Event.objects.filter(dispatched_at__isnull=False).count() == 3)

    assert len(gone.requests) == 1
    assert Message.objects.filter(endpoint=endpoint).count() == 1
    assert Message.objects.get(endpoint=endpoint).status == "failed"
    (disabled,) = Event.objects.filter(kind="endpoint.disabled")
    assert disabled.data["endpoint_id"] == str(endpoint.pk)
    assert len(mail) == 1
    assert gone.url in mail[0].subject
    assert "410 Gone" in mail[0].body
    payload = Webhook(watcher_secret).verify(notice.body, notice.headers)
    jsonschema.validate(payload, SCHEMA)
    assert payload["type"] == "endpoint.disabled"
    assert payload["data"]["reason"] == "The endpoint answered 410 Gone."
