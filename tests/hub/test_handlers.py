"""The ``@hub.handler`` decorator, its registry, matching and dispatch (F15)."""

import dataclasses

import pytest

import hub
from hub.handlers import HandlerEvent, matching_handlers, registered_handlers, run_handler
from hub.models import Event, HandlerRun
from tasks.base import HubTask
from tasks.handlers import dispatch
from tests.support import namespaces
from tests.support.broker import queued_tasks
from tests.support.namespaces import PREFIX_ENV, publishing_in

calls = []


@hub.handler(
    "general__*",
    "blog__featured_*",
    registry="global",
    queue="slow-handlers",
    max_retries=5,
    retry_backoff=3,
    retry_backoff_max=30,
    time_limit=20,
)
def announce(event: HandlerEvent) -> None:
    calls.append(event)


@hub.handler(kinds=["endpoint.disabled"])
def endpoint_disabled(event: HandlerEvent) -> None:
    calls.append(event)


@hub.handler(registry=["user"])
def any_user_change(event: HandlerEvent) -> None:
    raise LookupError("handler bug")


ANNOUNCE = "hub.handlers.tests.hub.test_handlers.announce"
DISABLED = "hub.handlers.tests.hub.test_handlers.endpoint_disabled"
USER = "hub.handlers.tests.hub.test_handlers.any_user_change"
MINE = {ANNOUNCE, DISABLED, USER}


def _mine(event: Event) -> set[str]:
    return {handler.name for handler in matching_handlers(event)} & MINE


def test_f15_hub_handler_is_the_decorator():
    from hub.handlers import handler

    assert hub.handler is handler
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        hub.nothing  # noqa: B018


def test_f15_decorator_returns_the_function_and_registers_a_task():
    (registered,) = [h for h in registered_handlers() if h.name == ANNOUNCE]

    assert registered.function is announce
    assert isinstance(registered.task, HubTask)
    assert registered.task.acks_late and registered.task.reject_on_worker_lost
    assert (registered.task.max_retries, registered.task.retry_backoff) == (5, 3)
    assert registered.task.retry_backoff_max == 30
    assert (registered.task.soft_time_limit, registered.task.time_limit) == (20, 30)
    assert registered.patterns == ("general__*", "blog__featured_*")
    assert registered.registries == ("global",)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (Event(identifier="general__title", registry="global"), {ANNOUNCE}),
        (Event(identifier="blog__featured_entry", registry="global"), {ANNOUNCE}),
        (Event(identifier="general__title", registry="user"), {USER}),
        (Event(identifier="blog__logo", registry="global"), set()),
        (Event(kind="endpoint.disabled", data={"endpoint_id": "e"}), {DISABLED}),
        (Event(kind="preference.ping"), set()),
    ],
)
def test_f15_matching_by_glob_registry_and_kind(event, expected):
    assert _mine(event) == expected


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kinds": ["preference.deleted"]}, "unknown event kind 'preference.deleted'"),
        ({"kinds": []}, "kinds is empty"),
        ({"max_retries": -1}, "max_retries -1 is not a whole number"),
        ({"time_limit": 0}, "time_limit 0 is not a positive number"),
        ({"queue": ""}, "queue '' is not a queue name"),
        ({"registry": [1]}, "registry 1 is not a string"),
    ],
)
def test_f15_bad_arguments_fail_at_decoration(options, message):
    with pytest.raises(ValueError, match=message):
        hub.handler(**options)


def test_f15_bad_pattern_is_named():
    with pytest.raises(ValueError, match="pattern 3 is not a string"):
        hub.handler("general__*", 3)


def test_f17_handler_event_carries_no_sealed_values():
    event = Event(
        identifier="api__token", old_value="[redacted]", new_value="[redacted]",
        sensitive=True, sealed_values="gAAAA-sealed",
    )  # fmt: skip

    seen = HandlerEvent.from_event(event)

    assert "sealed_values" not in {field.name for field in dataclasses.fields(seen)}
    assert (seen.old_value, seen.new_value, seen.sensitive) == ("[redacted]", "[redacted]", True)


@pytest.fixture
def private_namespace():
    """A broker namespace nobody consumes: what dispatch publishes stays there to be read."""
    with namespaces.private_namespace("handlers-unit") as namespace:
        yield namespace


@pytest.mark.django_db
def test_f15_r11_dispatch_publishes_each_handler_once_on_its_queue(private_namespace):
    env, client = private_namespace
    event = Event.objects.create(identifier="general__title", registry="global")

    with publishing_in(env):
        dispatch(event)
        dispatch(event)

    prefix = env[PREFIX_ENV]
    assert queued_tasks(client, f"{prefix}slow-handlers") == [(ANNOUNCE, [str(event.pk)])]
    assert HandlerRun.objects.get(handler=ANNOUNCE).enqueued_at is not None
    default_queue = {name for name, _ in queued_tasks(client, f"{prefix}handlers")}
    assert not default_queue & MINE


@pytest.mark.django_db
def test_f15_run_records_attempts_success_and_failure():
    event = Event.objects.create(identifier="general__title", registry="user")
    HandlerRun.objects.create(event=event, handler=USER)
    HandlerRun.objects.create(event=event, handler=ANNOUNCE)

    with pytest.raises(LookupError):
        run_handler(USER, any_user_change, str(event.pk))
    run_handler(ANNOUNCE, announce, str(event.pk))

    failed = HandlerRun.objects.get(handler=USER)
    assert (failed.status, failed.attempts, failed.last_error) == ("retrying", 1, "LookupError")
    done = HandlerRun.objects.get(handler=ANNOUNCE)
    assert (done.status, done.attempts, done.finished_at is not None) == ("succeeded", 1, True)
    assert calls[-1].id == str(event.pk)
