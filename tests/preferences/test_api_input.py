"""Bad input to the preferences API is a JSON 4xx that names what was wrong; nothing is written.

Each case was a 200 that stored a coerced value, or a 500, before: a JSON object stored as
its Python repr, ``5`` taken as True, a misspelt field ignored, ``1e400`` stored and then
breaking every list, a lone surrogate or a deep document answering 500.
"""

import json
from decimal import Decimal

import pytest

from preferences.models import GlobalPreferenceModel
from preferences.registries import global_preferences_registry

pytestmark = pytest.mark.django_db

LIST = "/api/preferences/global/"
BULK = "/api/preferences/global/bulk/"


def detail(identifier: str) -> str:
    return f"/api/preferences/global/{identifier}/"


@pytest.fixture
def stored(manager):
    """The stored values of the preferences the tests write, read past every cache."""

    def read(identifier: str):
        return manager.get(identifier, no_cache=True)

    return read


def send_raw(preference_editor_api, method: str, url: str, body: str):
    """Send ``body`` as it is: some cases cannot be spelt through ``format="json"``."""
    return getattr(preference_editor_api, method)(
        url, body.encode("utf-8"), content_type="application/json"
    )


WRONG_TYPES = [
    ("test__TestGlobal1", {"a": 1}, "Expected a JSON string, got object."),
    ("test__TestGlobal1", 123, "Expected a JSON string, got integer."),
    ("test__TestGlobal1", ["x"], "Expected a JSON string, got array."),
    ("test__TestGlobal2", 5, "Expected a JSON boolean, got integer."),
    ("test__TestGlobal2", "yes", "Expected a JSON boolean, got string."),
    ("user__max_users", "12", "Expected a JSON integer, got string."),
    ("user__max_users", True, "Expected a JSON integer, got boolean."),
    ("user__max_users", 12.5, "Expected a JSON integer, got number."),
    ("type__cost", True, "Expected a JSON integer or number or string, got boolean."),
    ("exam__duration", 3600, "Expected a JSON string, got integer."),
]


@pytest.mark.parametrize(("identifier", "value", "message"), WRONG_TYPES)
def test_a_value_of_the_wrong_json_type_is_refused(
    preference_editor_api, stored, signals, identifier, value, message
):
    before = stored(identifier)
    response = preference_editor_api.patch(detail(identifier), {"value": value}, format="json")
    assert response.status_code == 400
    assert response.json() == {"value": [message]}
    bulk = preference_editor_api.post(BULK, {identifier: value}, format="json")
    assert bulk.status_code == 400 and bulk.json() == {identifier: {"value": [message]}}
    assert stored(identifier) == before
    assert signals == []


@pytest.mark.parametrize(
    ("identifier", "value", "expected"),
    [
        ("test__TestGlobal1", "text", "text"),
        ("test__TestGlobal2", True, True),
        ("user__max_users", 12, 12),
        ("type__cost", "10.25", Decimal("10.25")),  # a numeric string keeps every digit
        ("type__cost", 3, Decimal(3)),
    ],
)
def test_a_value_of_the_right_json_type_is_written(
    preference_editor_api, stored, identifier, value, expected
):
    response = preference_editor_api.patch(detail(identifier), {"value": value}, format="json")
    assert response.status_code == 200, response.json()
    assert stored(identifier) == expected


def test_an_unknown_field_is_refused_by_name(preference_editor_api, stored, signals):
    response = preference_editor_api.patch(detail("user__max_users"), {"valu": 10}, format="json")
    assert response.status_code == 400
    assert response.json() == {"valu": ["Unknown field: only `value` can be written."]}
    assert stored("user__max_users") == 100 and signals == []


def test_read_only_fields_sent_back_with_the_value_are_accepted(preference_editor_api, stored):
    row = preference_editor_api.get(detail("user__max_users")).json()
    response = preference_editor_api.put(
        detail("user__max_users"), {**row, "value": 7}, format="json"
    )
    assert response.status_code == 200
    assert stored("user__max_users") == 7


@pytest.mark.parametrize(
    ("identifier", "body"),
    [
        ("type__cost", '{"value": "1e400"}'),
        ("type__cost", '{"value": 1e400}'),
        ("type__cost", '{"value": "' + "9" * 500 + '"}'),
        ("type__cost", '{"value": ' + "9" * 500 + "}"),
        ("type__cost", '{"value": "NaN"}'),
        ("type__cost", '{"value": "Infinity"}'),
    ],
    ids=["string-1e400", "number-1e400", "string-500-digits", "number-500-digits", "nan", "inf"],
)
def test_numbers_that_cannot_round_trip_are_refused_before_anything_is_written(
    preference_editor_api, stored, signals, identifier, body
):
    response = send_raw(preference_editor_api, "patch", detail(identifier), body)
    assert response.status_code == 400, response.content
    assert "value" in response.json()
    assert stored(identifier) == Decimal("0")
    assert signals == []
    assert preference_editor_api.get(LIST).status_code == 200


@pytest.mark.parametrize("raw_value", ["Infinity", "1E+400", "not a number"])
def test_a_stored_value_that_cannot_be_shown_never_takes_the_list_down(
    preference_editor_api, manager, raw_value
):
    """A row written straight to the database (or before these checks) reads as null."""
    row = manager.get_db_pref("type", "cost")
    GlobalPreferenceModel.objects.filter(pk=row.pk).update(raw_value=raw_value)
    manager.forget("type", "cost")

    for url in (LIST, LIST + "?section=type", detail("type__cost")):
        response = preference_editor_api.get(url)
        assert response.status_code == 200, url
    (shown,) = [
        item
        for item in preference_editor_api.get(LIST).json()
        if item["identifier"] == "type__cost"
    ]
    assert shown["value"] is None


@pytest.mark.parametrize(
    "body",
    [
        r'{"value": "lone \ud800 surrogate"}',
        r'{"test__TestGlobal1": "lone \udfff surrogate"}',
        r'{"test__TestGlobal1\ud800": "x"}',
    ],
    ids=["detail-value", "bulk-value", "bulk-key"],
)
def test_a_lone_surrogate_is_a_400(preference_editor_api, stored, signals, body):
    url = detail("test__TestGlobal1") if body.startswith('{"value"') else BULK
    response = send_raw(preference_editor_api, "patch" if url != BULK else "post", url, body)
    assert response.status_code == 400
    assert "lone surrogate" in response.json()["detail"]
    assert stored("test__TestGlobal1") == "default value" and signals == []


def test_a_deeply_nested_document_is_a_400(preference_editor_api, stored):
    body = '{"value": ' + "[" * 50_000 + "]" * 50_000 + "}"
    response = send_raw(preference_editor_api, "patch", detail("test__TestGlobal1"), body)
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert stored("test__TestGlobal1") == "default value"


def test_a_nul_character_is_a_400_naming_the_field(preference_editor_api, stored):
    response = preference_editor_api.patch(
        detail("test__TestGlobal1"), {"value": "a\x00b"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"value": ["Null characters are not allowed."]}
    assert stored("test__TestGlobal1") == "default value"


def test_a_value_over_the_length_limit_is_a_400_naming_the_limit(
    preference_editor_api, stored, settings
):
    settings.DYNAMIC_PREFERENCES = {"MAX_VALUE_LENGTH": 1000}
    response = preference_editor_api.patch(
        detail("test__TestGlobal1"), {"value": "x" * 1001}, format="json"
    )
    assert response.status_code == 400
    assert "over the limit of 1,000" in response.json()["value"][0]
    assert stored("test__TestGlobal1") == "default value"


def test_a_body_over_the_upload_limit_is_a_json_413(preference_editor_api, stored, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"value": "x" * 20_000})
    response = send_raw(preference_editor_api, "patch", detail("test__TestGlobal1"), body)
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is over the limit of 10,000 bytes."}
    assert stored("test__TestGlobal1") == "default value"


def test_the_default_value_limit_is_64_kib(preference_editor_api, stored):
    limit = 64 * 1024
    identifier = "test__TestGlobal1"
    assert (
        preference_editor_api.patch(
            detail(identifier), {"value": "x" * limit}, format="json"
        ).status_code
        == 200
    )
    too_long = preference_editor_api.patch(
        detail(identifier), {"value": "x" * (limit + 1)}, format="json"
    )
    assert too_long.status_code == 400
    assert len(stored(identifier)) == limit
    assert global_preferences_registry.get(identifier).get("max_stored_length") is None
