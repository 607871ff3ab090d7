"""A handler run that failed is retried through the API and succeeds on a real worker (F15)."""

import pytest
from django.core.cache import caches
from django.db import transaction

from hub.models import HandlerRun
from preferences.models import GlobalPreferenceModel
from preferences.registries import global_preferences_registry
from tests.support.handlers import allowed_key
from tests.support.polling import wait_until
from tests.support.users import api_for, staff

pytestmark = pytest.mark.django_db(transaction=True)
FLAKY = "hub.handlers.tests.support.handlers.flaky_until_allowed"


def test_a_failed_handler_run_retried_through_the_api_succeeds(celery_worker):
    with transaction.atomic():
        global_preferences_registry.manager()["test__TestGlobal1"] = "flaky"
    with transaction.atomic():  # the reset is what the flaky handler hears
        GlobalPreferenceModel.objects.filter(section="test", name="TestGlobal1").delete()
    failed = wait_until(
        lambda: HandlerRun.objects.filter(handler=FLAKY, status="failed").first(), timeout=30
    )
    assert (failed.attempts, failed.last_error) == (1, "tests.support.handlers.RequestedFailure")
    retrier = api_for(staff("retrier", permissions=("view_handlerrun", "retry_handlerrun")))
    caches["redis"].set(allowed_key(str(failed.event_id)), True, 600)

    response = retrier.post(f"/api/hub/handler-runs/{failed.pk}/retry/")

    assert response.status_code == 202
    succeeded = wait_until(
        lambda: HandlerRun.objects.filter(pk=failed.pk, status="succeeded").first(), timeout=30
    )
    assert (succeeded.attempts, succeeded.last_error) == (2, "")
    assert succeeded.duration is not None
    row = retrier.get(f"/api/hub/handler-runs/{failed.pk}/").json()
    assert (row["status"], row["attempts"]) == ("succeeded", 2)
    assert row["duration_seconds"] >= 0
