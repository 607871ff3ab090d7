"""``hub.fanout.expand``: one event expanded into every concern's tasks (design.md step 4)."""

import pytest
from django.core.cache import caches
from django_celery_results.models import TaskResult

from hub.models import Event, HandlerRun
from preferences.registries import global_preferences_registry
from tasks import fanout
from tests.support.handlers import handled_key
from tests.support.polling import wait_until

TEST_HANDLERS = {
    "hub.handlers.tests.support.handlers.record_change",
    "hub.handlers.tests.support.handlers.fail_on_request",
    "hub.handlers.tests.support.handlers.sleep_on_request",
}


def _succeeded(task_name: str) -> list[TaskResult]:
    return list(TaskResult.objects.filter(task_name=task_name, status="SUCCESS"))


@pytest.mark.django_db(transaction=True)
def test_fanout_runs_the_handler_tasks_on_a_worker_and_keeps_no_result_row(celery_worker):
    global_preferences_registry.manager()["test__TestGlobal1"] = "fanned out"
    event = Event.objects.get()

    wait_until(lambda: HandlerRun.objects.filter(status="succeeded").count() == 3)

    assert set(HandlerRun.objects.values_list("handler", flat=True)) == TEST_HANDLERS
    assert caches["redis"].get(handled_key(str(event.pk))) == {"version": 1, "value": "fanned out"}
    assert Event.objects.get().dispatched_at is not None
    # The event's dispatched_at is the fan-out's record; the handler runs keep theirs.
    assert _succeeded("hub.fanout.expand") == []
    assert len(_succeeded("hub.handlers.tests.support.handlers.record_change")) == 1


@pytest.mark.django_db(transaction=True)
def test_r11_fanout_twice_runs_each_handler_once(celery_worker):
    global_preferences_registry.manager()["test__TestGlobal1"] = "twice"
    event = Event.objects.get()
    wait_until(lambda: HandlerRun.objects.filter(status="succeeded").count() == 3)

    again = fanout.expand.apply_async((str(event.pk),), ignore_result=False).get(timeout=20)

    assert again == {"event": str(event.pk), "kind": "preference.updated", "dispatched": 4}
    assert list(HandlerRun.objects.values_list("attempts", flat=True)) == [1, 1, 1]


@pytest.mark.django_db(transaction=True)
def test_fanout_of_a_missing_event_does_nothing(celery_worker):
    missing = "01a21793-0000-7000-8000-000000000000"

    result = fanout.expand.apply_async((missing,), ignore_result=False).get(timeout=20)

    assert result == {"event": missing, "dispatched": 0}


@pytest.mark.django_db
def test_failed_dispatcher_does_not_stop_the_others(monkeypatch):
    event = Event.objects.create(identifier="x")
    seen = []

    def broken(event):
        raise RuntimeError("dispatcher bug")

    monkeypatch.setattr(fanout, "DISPATCHERS", [seen.append, broken, seen.append])

    with pytest.raises(fanout.FanoutIncomplete, match=r"<locals>\.broken"):
        fanout.expand.run(str(event.pk))

    assert seen == [event, event]
    # Unfinished: the event stays pending, for the retry or the outbox sweeper.
    assert Event.objects.get(pk=event.pk).dispatched_at is None


def test_dispatchers_are_named_functions_cache_invalidation_first():
    names = [name for name, _ in fanout.dispatchers()]

    assert names == [
        "tasks.fanout.invalidate_cache",
        "tasks.handlers.dispatch",
        "tasks.webhooks.dispatch",
        "tasks.emails.dispatch",
    ]


@pytest.mark.django_db
def test_invalidation_that_cannot_succeed_is_logged_and_the_fanout_goes_on(monkeypatch, caplog):
    event = Event.objects.create(identifier="x")

    def misdeclared(event):
        raise LookupError("no registry 'gone'")

    monkeypatch.setattr(fanout, "invalidate_event", misdeclared)
    fanout.expand.run(str(event.pk))

    assert f"Cache invalidation of event {event.pk} cannot succeed" in caplog.text
    assert Event.objects.get(pk=event.pk).dispatched_at is not None


@pytest.mark.django_db
def test_invalidation_failing_on_an_unreachable_cache_retries_the_fanout(monkeypatch):
    event = Event.objects.create(identifier="x")

    def unreachable(event):
        raise ConnectionError("cache down")

    monkeypatch.setattr(fanout, "invalidate_event", unreachable)
    with pytest.raises(fanout.FanoutIncomplete, match="invalidate_cache"):
        fanout.expand.run(str(event.pk))

    assert Event.objects.get(pk=event.pk).dispatched_at is None


def test_hub_task_refuses_non_id_arguments():
    with pytest.raises(TypeError, match=r"hub\.fanout\.expand: argument 0 is a dict"):
        fanout.expand.delay({"new_value": "secret"})
