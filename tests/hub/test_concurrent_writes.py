"""Concurrent writers of one key: each event's old value is the previous event's new value.

Two threads, each with its own database connection, write the same preference at once.
Only PostgreSQL runs them truly in parallel (SQLite serializes whole transactions), so
that test runs there only.
"""

import threading
from itertools import pairwise

import pytest
from django.conf import settings
from django.db import IntegrityError, connection

from hub.models import Event
from preferences.registries import global_preferences_registry

pytestmark = pytest.mark.django_db(transaction=True)

WRITES_PER_THREAD = 25


def _writer(start: threading.Barrier, offset: int, errors: list[BaseException]) -> None:
    try:
        manager = global_preferences_registry.manager()
        start.wait()
        for i in range(WRITES_PER_THREAD):
            manager["user__max_users"] = offset + i
    except BaseException as exc:  # reported by the test, not lost in the thread
        errors.append(exc)
    finally:
        connection.close()


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs concurrent writers: PostgreSQL",
)
def test_old_values_chain_from_version_to_version():
    global_preferences_registry.manager()["user__max_users"] = 10
    start, errors = threading.Barrier(2), []
    threads = [
        threading.Thread(target=_writer, args=(start, offset, errors)) for offset in (100, 200)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []

    events = list(
        Event.objects.order_by("version").values_list("version", "old_value", "new_value")
    )
    assert [version for version, _, _ in events] == list(range(1, 2 * WRITES_PER_THREAD + 2))
    for (_, _, previous_new), (version, old, _) in pairwise(events):
        assert old == previous_new, (
            f"v{version} recorded {old} -> ..., v{version - 1} wrote {previous_new}"
        )


def test_a_duplicate_version_is_refused():
    global_preferences_registry.manager()["user__max_users"] = 10
    event = Event.objects.get()
    with pytest.raises(IntegrityError):
        Event.objects.create(
            registry=event.registry, identifier=event.identifier, version=event.version
        )
