"""The beat task ``hub.retention.prune`` prunes on a real worker and reports its counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from celery_app import app
from hub.models import Event, Message, WebhookEndpoint

pytestmark = pytest.mark.django_db(transaction=True)


def test_prune_task_deletes_old_finished_messages_on_a_worker(celery_worker):
    endpoint = WebhookEndpoint.objects.create(url="https://example.com/hook")
    old, recent = (
        Message.objects.create(event=Event.objects.create(kind="preference.ping"),
                               endpoint=endpoint, status="succeeded")
        for _ in range(2)
    )  # fmt: skip
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))

    result = app.send_task("hub.retention.prune").get(timeout=30)

    assert result["deleted"]["messages"] == 1
    assert list(Message.objects.values_list("pk", flat=True)) == [recent.pk]
