"""R1: a change inside ``atomic()`` that then raises sends nothing: 0 events, 0 tasks, 0 requests.

A committed change made right after it serves as a barrier: once its fan-out, cache task
and webhook request are through, anything the rolled-back change had published would
have been processed too.
"""

import json

import pytest
from django.db import transaction
from django_celery_results.models import TaskResult

from hub.models import Event, HandlerRun, Message
from preferences.registries import global_preferences_registry
from tests.support.polling import wait_until
from tests.support.webhook_endpoints import add_endpoint

pytestmark = pytest.mark.django_db(transaction=True)


def test_r1_rolled_back_change_sends_nothing(webhook_worker, receiver):
    add_endpoint(receiver.url)
    manager = global_preferences_registry.manager()

    with pytest.raises(RuntimeError), transaction.atomic():
        manager["test__TestGlobal1"] = "rolled back"
        raise RuntimeError("the caller changed its mind")
    manager["user__max_users"] = 7  # the barrier

    (request,) = receiver.wait_for_requests(1, timeout=20)
    wait_until(lambda: Event.objects.filter(dispatched_at__isnull=False))
    wait_until(lambda: Message.objects.filter(status="succeeded"))

    (event,) = Event.objects.all()
    assert event.identifier == "user__max_users"
    assert json.loads(request.body)["data"]["identifier"] == "user__max_users"
    assert not HandlerRun.objects.exists()  # test__TestGlobal1 has handlers; none ran
    assert {
        (result.task_name, str(event.pk) in result.task_args)
        for result in TaskResult.objects.filter(task_name__startswith="hub.")
    } <= {
        ("hub.fanout.expand", True),
        ("hub.webhooks.deliver", False),
    }
    assert len(receiver.requests) == 1
    # The database kept nothing (the engine's own cache is out of scope, R-MGR-15).
    assert manager.get("test__TestGlobal1", no_cache=True) == "default value"
