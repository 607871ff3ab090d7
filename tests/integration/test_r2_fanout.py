"""R2: one change, three matching endpoints -> one event, three messages, one request each.

A real worker (loopback allow-listed) runs the fan-out and the deliveries; three real
HTTP receivers record what arrives, and each request verifies with its endpoint's secret.
"""

import pytest
from django.db import transaction
from standardwebhooks import Webhook

from hub.models import Event, Message
from preferences.registries import global_preferences_registry
from tests.support.polling import wait_until
from tests.support.receiver import Receiver
from tests.support.webhook_endpoints import add_endpoint

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receivers():
    started = [Receiver().start() for _ in range(3)]
    yield started
    for receiver in started:
        receiver.stop()


def test_r2_one_change_three_endpoints_one_request_each(webhook_worker, receivers):
    secrets = {receiver.url: add_endpoint(receiver.url)[1] for receiver in receivers}
    other = receivers[0].url.replace("/hook", "/blog-only")
    add_endpoint(other, patterns=["blog__*"])  # does not match: no message, no request

    with transaction.atomic():
        global_preferences_registry.manager()["user__max_users"] = 7

    for receiver in receivers:
        receiver.wait_for_requests(1, timeout=20)
    wait_until(lambda: Message.objects.filter(status="succeeded").count() == 3)
    (event,) = Event.objects.all()
    messages = {m.endpoint.url: m for m in Message.objects.select_related("endpoint")}
    assert set(messages) == set(secrets)
    for receiver in receivers:
        (request,) = receiver.requests  # exactly one request per receiver
        message = messages[receiver.url]
        assert message.event_id == event.pk
        assert request.headers["webhook-id"] == message.pk
        payload = Webhook(secrets[receiver.url]).verify(request.body, request.headers)
        assert payload["type"] == "preference.updated"
        assert payload["data"]["event_id"] == str(event.pk)
        assert payload["data"]["identifier"] == "user__max_users"
        assert payload["data"]["new_value"] == "7"
    assert all(request.path == "/hook" for receiver in receivers for request in receiver.requests)
