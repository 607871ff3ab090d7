"""Shared fixtures only: settings guards, Redis, users and the Celery worker."""

import pytest
from django.conf import settings


def pytest_configure(config: pytest.Config) -> None:
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        raise pytest.UsageError("The test suite refuses Celery eager mode (spec hub.md).")
