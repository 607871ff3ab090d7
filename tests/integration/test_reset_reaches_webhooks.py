"""A deleted model instance resets the preference that pointed to it; a receiver hears it."""

import json
from pathlib import Path

import jsonschema
import pytest
from django.db import transaction
from standardwebhooks import Webhook

from hub.models import Event
from preferences.registries import global_preferences_registry
from tests.support.polling import wait_until
from tests.support.receiver import Receiver
from tests.support.webhook_endpoints import add_endpoint
from tests.testapp.models import BlogEntry

pytestmark = pytest.mark.django_db(transaction=True)
SCHEMA = json.loads((Path(__file__).parents[2] / "docs/webhook-payload.schema.json").read_text())


def test_deleted_model_instance_reset_reaches_a_webhook_receiver(webhook_worker):
    manager = global_preferences_registry.manager()
    default_entry = BlogEntry.objects.create(title="first", content="")
    featured = BlogEntry.objects.create(title="featured", content="")
    with Receiver() as receiver:
        _, secret = add_endpoint(
            receiver.url, event_types=["preference.reset"], patterns=["blog__*"]
        )
        with transaction.atomic():
            manager["blog__featured_entry"] = featured
        featured_pk = featured.pk

        with transaction.atomic():
            featured.delete()

        (request,) = receiver.wait_for_requests(1, timeout=30)
        wait_until(lambda: Event.objects.filter(dispatched_at__isnull=True).count() == 0)

    payload = Webhook(secret).verify(request.body, request.headers)
    jsonschema.validate(payload, SCHEMA)
    assert payload["type"] == "preference.reset"
    data = payload["data"]
    assert (data["identifier"], data["old_value"], data["new_value"]) == (
        "blog__featured_entry",
        str(featured_pk),
        str(default_entry.pk),
    )
    assert data["version"] == 2
