"""S5: a sensitive preference's value never shows up where the hub carries its events.

``test__TestGlobal1`` is declared ``sensitive = True`` for the test. Its new value is
then searched for in everything the change went through: broker traffic (task messages,
with bodies decoded, and task events), task arguments and results stored by
django-celery-results, Flower's task API, the worker's, Flower's and this process's
logs, and what a handler received. Every search also finds the event id, so each
source demonstrably saw the change. The preferences cache, on the same Redis, is
searched too: like the database row it holds the value sealed only. Admin pages, the
API and the preference pages are searched by ``test_s5_screens.py``.
"""

import uuid

import pytest
from django.conf import settings
from django.core.cache import caches
from django_celery_results.models import TaskResult

from hub.models import Event, HandlerRun
from hub.redaction import PLACEHOLDER
from preferences.registries import global_preferences_registry
from tests.support.broker import RedisMonitor
from tests.support.handlers import handled_key
from tests.support.polling import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

PREFERENCES_CACHE_KEY = "dynamic_preferences_"


@pytest.fixture
def sensitive_title(monkeypatch):
    preference_class = type(global_preferences_registry.get("test__TestGlobal1"))
    monkeypatch.setattr(preference_class, "sensitive", True, raising=False)


def _all_done(flower, event_id: str) -> bool:
    handlers_done = HandlerRun.objects.filter(status="succeeded").count() == 3
    flower_tasks = flower.get("/api/tasks").json().values()
    seen = {
        t["name"] for t in flower_tasks if event_id in (t["args"] or "") and t["state"] == "SUCCESS"
    }
    return handlers_done and "hub.fanout.expand" in seen


def test_s5_sensitive_value_stays_out_of_broker_results_flower_and_logs(
    celery_worker, flower, sensitive_title, caplog
):
    secret = f"s5-secret-{uuid.uuid4().hex}"
    with RedisMonitor(settings.TEST_REDIS_URL) as broker:
        global_preferences_registry.manager()["test__TestGlobal1"] = secret
        event = Event.objects.get()
        event_id = str(event.pk)
        wait_until(lambda: _all_done(flower, event_id), timeout=30)
        flower_tasks = flower.get("/api/tasks").text

    traffic = broker.texts()
    assert any(event_id in text for text in traffic)
    assert any(PREFERENCES_CACHE_KEY in text for text in traffic)  # the cache write was seen
    assert not [text for text in traffic if secret in text]

    results = TaskResult.objects.filter(task_args__contains=event_id)
    assert results.count() >= 3  # the three handlers
    for result in results:
        stored = (
            result.task_args,
            result.task_kwargs,
            result.result,
            result.traceback,
            result.meta,
        )
        assert secret not in " ".join(str(field) for field in stored)

    assert event_id in flower_tasks and secret not in flower_tasks
    assert event_id in celery_worker.log() and secret not in celery_worker.log()
    assert secret not in flower.log() and secret not in caplog.text
    assert caches["redis"].get(handled_key(event_id)) == {"version": 1, "value": PLACEHOLDER}
    assert (event.old_value, event.new_value) == (PLACEHOLDER, PLACEHOLDER)
    assert secret not in event.sealed_values
