"""Flower monitors the hub: its authenticated API lists the hub's tasks by name (F18)."""

import pytest

from hub.models import Event
from preferences.registries import global_preferences_registry
from tests.support.polling import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def _hub_tasks_when_done(flower, event_id: str) -> dict[str, dict] | None:
    """Flower's tasks for ``event_id`` by name, once the fan-out has succeeded."""
    response = flower.get("/api/tasks")
    response.raise_for_status()
    tasks = {
        task["name"]: task for task in response.json().values() if event_id in (task["args"] or "")
    }
    done = tasks.get("hub.fanout.expand", {}).get("state") == "SUCCESS"
    return tasks if done else None


def test_f18_flower_api_lists_the_hub_tasks_with_auth(flower):
    global_preferences_registry.manager()["user__max_users"] = 77
    event_id = str(Event.objects.get().pk)

    # Task events are off by default: they reach Flower because it turned them on.
    assert wait_until(lambda: _hub_tasks_when_done(flower, event_id))
    workers = flower.get("/api/workers?refresh=1").json()
    assert any(name.startswith("shared-") for name in workers)


def test_f18_flower_api_refuses_anonymous_requests(flower):
    assert flower.get("/api/tasks", authenticated=False).status_code == 401
    assert flower.get("/", authenticated=False).status_code == 401
