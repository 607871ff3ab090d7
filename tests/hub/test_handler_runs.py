"""Handler runs in the admin and the API, and "retry" for failed ones (F15)."""

from datetime import timedelta
from itertools import count

import pytest
from django.urls import reverse
from django.utils import timezone

import hub
from hub.models import Event, HandlerRun
from tests.support import namespaces
from tests.support.broker import queued_tasks
from tests.support.namespaces import PREFIX_ENV, publishing_in
from tests.support.users import api_for, browser_for, staff, superuser

pytestmark = pytest.mark.django_db

RUNS = "/api/hub/handler-runs/"


@hub.handler("nothing__matches_this", queue="retry-handlers")
def on_its_own_queue(event) -> None:
    """Never runs here: the tests only look at what a retry publishes."""


ANNOUNCE = "hub.handlers.tests.hub.test_handler_runs.on_its_own_queue"
UNREGISTERED = "hub.handlers.somewhere.else.gone"
# Each run's event is a new version of the same key (one event per version).
VERSIONS = count(1)


@pytest.fixture
def private_namespace():
    with namespaces.private_namespace("handler-runs-unit") as namespace:
        yield namespace


def make_run(handler: str = ANNOUNCE, status: str = "failed", **fields) -> HandlerRun:
    event = Event.objects.create(
        identifier="general__title", registry="global", version=next(VERSIONS)
    )
    started = timezone.now() - timedelta(seconds=2)
    defaults = {"attempts": 3, "last_error": "builtins.LookupError", "enqueued_at": started,
                "started_at": started, "finished_at": started + timedelta(seconds=1.5)}  # fmt: skip
    return HandlerRun.objects.create(event=event, handler=handler, status=status,
                                     **{**defaults, **fields})  # fmt: skip


def test_api_lists_runs_with_duration_and_filters_by_status():
    failed = make_run()
    make_run(status="succeeded", last_error="")
    api = api_for(superuser())

    listed = api.get(RUNS, {"status": "failed"}).json()

    assert [row["id"] for row in listed] == [failed.pk]
    row = listed[0]
    assert (row["handler"], row["event"], row["status"], row["attempts"]) == (
        ANNOUNCE, str(failed.event_id), "failed", 3,
    )  # fmt: skip
    assert (row["last_error"], row["duration_seconds"]) == ("builtins.LookupError", 1.5)
    assert row["event_type"] == "preference.updated"
    assert api.get(RUNS, {"status": "nonsense"}).status_code == 400


def test_api_needs_staff_with_view_and_retry_needs_its_own_permission():
    run = make_run()
    viewer = api_for(staff("viewer", permissions=("view_handlerrun",)))
    outsider = api_for(staff("outsider"))

    assert outsider.get(RUNS).status_code == 403
    assert viewer.get(RUNS).status_code == 200
    assert viewer.post(f"{RUNS}{run.pk}/retry/").status_code == 403
    run.refresh_from_db()
    assert run.status == "failed"


def test_retry_reopens_the_run_and_publishes_on_the_handlers_own_queue(
    private_namespace, django_capture_on_commit_callbacks
):
    env, client = private_namespace
    run = make_run()
    retrier = api_for(staff("retrier", permissions=("view_handlerrun", "retry_handlerrun")))

    with publishing_in(env), django_capture_on_commit_callbacks(execute=True):
        response = retrier.post(f"{RUNS}{run.pk}/retry/")

    assert response.status_code == 202
    run.refresh_from_db()
    assert (run.status, run.finished_at, run.attempts) == ("pending", None, 3)
    prefix = env[PREFIX_ENV]
    assert queued_tasks(client, f"{prefix}retry-handlers") == [(ANNOUNCE, [str(run.event_id)])]


def test_retry_of_a_handler_this_process_does_not_know_goes_to_the_handlers_queue(
    private_namespace, django_capture_on_commit_callbacks
):
    env, client = private_namespace
    run = make_run(handler=UNREGISTERED)

    with publishing_in(env), django_capture_on_commit_callbacks(execute=True):
        assert api_for(superuser()).post(f"{RUNS}{run.pk}/retry/").status_code == 202

    prefix = env[PREFIX_ENV]
    assert queued_tasks(client, f"{prefix}handlers") == [(UNREGISTERED, [str(run.event_id)])]


@pytest.mark.parametrize("status", ["pending", "running", "retrying", "succeeded"])
def test_only_failed_runs_can_be_retried(
    status, private_namespace, django_capture_on_commit_callbacks
):
    env, client = private_namespace
    run = make_run(status=status)

    with publishing_in(env), django_capture_on_commit_callbacks(execute=True):
        response = api_for(superuser()).post(f"{RUNS}{run.pk}/retry/")

    assert response.status_code == 400
    assert response.json() == [f"Only failed handler runs can be retried; this one is {status}."]
    assert client.keys(f"{env[PREFIX_ENV]}*") == []


def test_handler_runs_are_in_the_openapi_schema():
    schema = api_for(superuser()).get("/api/schema/", {"format": "json"}).json()
    assert "/api/hub/handler-runs/" in schema["paths"]
    retry = schema["paths"]["/api/hub/handler-runs/{id}/retry/"]["post"]
    assert {"202", "400", "403", "404"} <= set(retry["responses"])


def test_admin_lists_runs_and_retries_only_with_the_permission(
    private_namespace, django_capture_on_commit_callbacks
):
    env, client = private_namespace
    run = make_run()
    url = reverse("admin:hub_handlerrun_changelist")
    viewer = browser_for(staff("viewer", permissions=("view_handlerrun", "view_event")))

    page = viewer.get(url).content.decode()
    assert ANNOUNCE in page and "builtins.LookupError" in page and "1.500 s" in page
    assert 'value="retry"' not in page

    admin = browser_for(superuser())
    assert 'value="retry"' in admin.get(url).content.decode()
    with publishing_in(env), django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url, {"action": "retry", "_selected_action": [run.pk]}, follow=True)
    assert "Retrying 1 handler run(s)." in response.content.decode()
    run.refresh_from_db()
    assert run.status == "pending"
    queued = queued_tasks(client, f"{env[PREFIX_ENV]}retry-handlers")
    assert queued == [(ANNOUNCE, [str(run.event_id)])]


# docs/hub/handlers.md, "Why handlers share a queue by default", verbatim:
@hub.handler("reports__*", queue="slow-handlers", time_limit=900)
def rebuild_report(event): ...


def test_readme_a_slow_handler_gets_its_own_queue_and_time_limit():
    from hub.handlers import registered_handler

    handler = registered_handler("hub.handlers.tests.hub.test_handler_runs.rebuild_report")
    assert handler.queue == "slow-handlers"
    assert (handler.task.soft_time_limit, handler.task.time_limit) == (900, 910)
    assert "queue" not in type(handler.task).__dict__  # Celery's deprecated attribute
