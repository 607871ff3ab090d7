"""Fuzz the whole REST API (preferences and hub) against its live OpenAPI schema (issue 3).

schemathesis generates requests, valid and invalid, from the schema served by the running
server and checks every response: no 5xx, only documented status codes and content types,
and bodies that match the documented schemas. Once as a staff user holding the global
preferences' change permission and every hub permission, once as a plain user (refused the
global API and the hub API, sees only their own preferences). Bounded (a few derandomized
examples per operation) to keep the suite fast.

The operations are driven with Hypothesis directly rather than through schemathesis'
pytest plugin, whose lazy fixture loading does not support pytest 9.
"""

import pytest
import schemathesis
from django.contrib.auth.models import Permission
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.django_db(transaction=True)]

PASSWORD = "fuzzing-password"
API_PATHS = r"^/api/"
# endpoints: list, create, retrieve, update, partial_update, destroy and five actions;
# messages: list, retrieve, resend; attempts: list, retrieve; handler runs: list, retrieve,
# retry.
HUB_OPERATIONS = 19
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ_SETTINGS = settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def fuzz(schema_url: str, auth: tuple[str, str]) -> list[str]:
    """Run every operation under /api/; return the ones that were exercised."""
    schema = schemathesis.openapi.from_url(schema_url, auth=auth).include(path_regex=API_PATHS)
    exercised = []
    for result in schema.get_all_operations():
        operation = result.ok()
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @FUZZ_SETTINGS
        @given(case=cases)
        def call(case):
            case.call_and_validate(auth=auth, checks=CHECKS, timeout=10)

        call()
        exercised.append(f"{operation.method.upper()} {operation.path}")
    return exercised


@pytest.fixture
def schema_url(live_server) -> str:
    return f"{live_server.url}/api/schema/"


def test_fuzz_api_as_staff_user(schema_url, django_user_model):
    staff = django_user_model.objects.create_user("staff", password=PASSWORD, is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(codename="change_globalpreferencemodel"),
        *Permission.objects.filter(content_type__app_label="hub"),
    )
    exercised = fuzz(schema_url, (staff.username, PASSWORD))
    assert len(exercised) == 10 + HUB_OPERATIONS
    assert "POST /api/preferences/global/bulk/" in exercised
    assert "GET /api/hub/attempts/" in exercised


def test_fuzz_api_as_plain_user(schema_url, django_user_model):
    plain = django_user_model.objects.create_user(username="plain", password=PASSWORD)
    exercised = fuzz(schema_url, (plain.username, PASSWORD))
    assert "PATCH /api/preferences/user/{id}/" in exercised
    assert "POST /api/hub/messages/{id}/resend/" in exercised
