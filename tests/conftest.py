"""Shared fixtures only: settings guards, Redis, users and the Celery worker."""

import pytest
from django.conf import settings


def pytest_configure(config: pytest.Config) -> None:
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        raise pytest.UsageError("The test suite refuses Celery eager mode (spec hub.md).")


@pytest.fixture(autouse=True)
def _fresh_local_cache() -> None:
    """Empty the per-process LocMem ``default`` cache before each test.

    The database is rolled back after every test but a process-wide cache is not; a
    preference value cached by one test would otherwise leak into the next. (The shared
    Redis cache is never flushed: other runs use it.)
    """
    from django.core.cache import caches

    caches["default"].clear()


@pytest.fixture(scope="session")
def smtp_session_server():
    """One real SMTP server (aiosmtpd on loopback) for the whole run; see ``smtp_server``.

    Session-scoped so that the shared Celery worker can be started with
    ``EMAIL_URL=smtp_session_server.url`` and mail through it.
    """
    from tests.support.smtp import SMTPServer

    with SMTPServer() as server:
        yield server


@pytest.fixture
def smtp_server(smtp_session_server, settings):
    """The SMTP server, emptied, with this process's Django mail pointed at it."""
    smtp_session_server.clear()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp_session_server.port, "timeout": 10},
        }
    }
    yield smtp_session_server
    smtp_session_server.clear()


@pytest.fixture
def receiver():
    """A real HTTP receiver on 127.0.0.1 and a free port (tests/support/receiver.py)."""
    from tests.support.receiver import Receiver

    with Receiver() as started:
        yield started


@pytest.fixture
def allow_loopback(settings):
    """Open the outbound guard for loopback in this process, for this test only (F11)."""
    settings.HUB = {**getattr(settings, "HUB", {}), "OUTBOUND_ALLOWLIST": ["127.0.0.0/8", "::1"]}


@pytest.fixture(autouse=True)
def _refuse_eager_mode():
    """Fail any test during which Celery runs eagerly: tasks go through a real worker.

    Checked before and after each test, since a test (or a fixture) could switch the
    Celery app to eager mode at run time, which the settings check above cannot see.
    """
    from celery_app import app

    if app.conf.task_always_eager:
        pytest.fail("Celery eager mode is on; the suite refuses it (spec hub.md).")
    yield
    if app.conf.task_always_eager:
        pytest.fail("Celery eager mode was switched on; the suite refuses it (spec hub.md).")


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, smtp_session_server):
    """One real Celery worker on every hub queue, shared by the whole run.

    Started once the test database exists; it connects to that database, so tests using
    it need ``@pytest.mark.django_db(transaction=True)`` (their writes must commit). It
    mails through the run's SMTP server and imports tests/support/handlers.py.
    """
    from celery_app import app
    from tests.support.worker import ALL_QUEUES, WorkerProcess

    if app.conf.task_always_eager:
        raise pytest.UsageError("Celery eager mode is on; the worker fixture refuses it.")
    worker = WorkerProcess(
        queues=ALL_QUEUES,
        concurrency=3,
        name="shared",
        extra_env={"EMAIL_URL": smtp_session_server.url},
    )
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def webhook_worker_session(django_db_setup, django_db_blocker, smtp_session_server):
    """One worker for webhook tests in its own broker namespace (tests/support/webhooks.py).

    Loopback allow-listed and a scaled-down retry schedule; its mail goes to the
    session's SMTP server. Tests reach it through the ``webhook_worker`` fixture.
    """
    from tests.support.webhooks import QUICK_SCHEDULE, start_webhook_worker

    worker = start_webhook_worker(
        "webhooks",
        hub={"WEBHOOK_RETRY_SCHEDULE": QUICK_SCHEDULE},
        env={"EMAIL_URL": smtp_session_server.url},
    )
    yield worker
    worker.stop()


@pytest.fixture
def webhook_worker(webhook_worker_session, allow_loopback):
    """The webhook worker, with this test's tasks published to it (needs transaction=True)."""
    from tests.support.namespaces import publishing_in

    with publishing_in(webhook_worker_session.namespace):
        yield webhook_worker_session


@pytest.fixture(scope="session")
def flower(celery_worker):
    """A real Flower with basic auth, watching the shared worker (tests/support/flower.py)."""
    from tests.support.flower import FlowerProcess

    process = FlowerProcess().start()
    process.wait_for_events()
    yield process
    process.stop()


@pytest.fixture
def root(db):
    """The superuser of the admin, API and page tests."""
    from tests.support.users import superuser

    return superuser()


@pytest.fixture
def superuser_browser(root):
    """Django's test client logged in as ``root`` (admin and pages)."""
    from tests.support.users import browser_for

    return browser_for(root)


@pytest.fixture
def superuser_api(root):
    """DRF's test client authenticated as ``root``."""
    from tests.support.users import api_for

    return api_for(root)


@pytest.fixture
def webhook_viewer_browser(db):
    """The admin as staff holding only the webhook models' view permissions."""
    from tests.support.users import WEBHOOK_VIEW_PERMISSIONS, browser_for, staff

    return browser_for(staff("viewer", permissions=WEBHOOK_VIEW_PERMISSIONS))


@pytest.fixture
def webhook_viewer_api(db):
    """The API as staff holding only the webhook models' view permissions."""
    from tests.support.users import WEBHOOK_VIEW_PERMISSIONS, api_for, staff

    return api_for(staff("viewer", permissions=WEBHOOK_VIEW_PERMISSIONS))


@pytest.fixture
def preference_editor_api(db):
    """The API as a user who may change global preferences and nothing else."""
    from tests.support.users import api_for, preference_editor

    return api_for(preference_editor())


@pytest.fixture
def manager():
    """The global preferences manager of the reference registry (tests/testapp)."""
    from preferences.registries import global_preferences_registry

    return global_preferences_registry.manager()


@pytest.fixture
def signals():
    """Every ``preference_updated`` sent during the test, as dicts with the sender."""
    from preferences.signals import preference_updated

    received = []

    def record(sender, **kwargs):
        received.append({"sender": sender, **kwargs})

    preference_updated.connect(record)
    yield received
    preference_updated.disconnect(record)
