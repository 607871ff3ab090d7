"""hub/webhooks/payloads.py: Standard Webhooks bodies, modes, redaction (F3, F10, F17).

Every body built here is validated against the published JSON Schema
(docs/webhook-payload.schema.json).
"""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from hub.models import Event
from hub.redaction import PLACEHOLDER
from hub.webhooks.payloads import build_payload, encode_payload
from preferences.sealing import seal

SCHEMA = json.loads((Path(__file__).parents[3] / "docs/webhook-payload.schema.json").read_text())
OCCURRED = datetime(2025, 1, 31, 12, 0, 0, 123456, tzinfo=UTC)


def preference_event(**fields) -> Event:
    values = {
        "id": uuid.UUID("01900000-0000-7000-8000-000000000001"),
        "kind": "preference.updated",
        "registry": "user",
        "section": "misc",
        "name": "favourite_colour",
        "identifier": "misc__favourite_colour",
        "old_value": "Green",
        "new_value": "Blue",
        "version": 3,
        "owner_type": "auth.user",
        "owner_id": "42",
        "actor_id": 7,
        "occurred_at": OCCURRED,
        **fields,
    }
    return Event(**values)


def test_f3_full_mode_body():
    payload = build_payload(preference_event(), mode="full", include_sensitive=False)
    assert payload == {
        "type": "preference.updated",
        "timestamp": "2025-01-31T12:00:00.123456Z",
        "data": {
            "event_id": "01900000-0000-7000-8000-000000000001",
            "registry": "user",
            "section": "misc",
            "name": "favourite_colour",
            "identifier": "misc__favourite_colour",
            "version": 3,
            "owner": {"type": "auth.user", "id": "42"},
            "actor_id": "7",
            "sensitive": False,
            "old_value": "Green",
            "new_value": "Blue",
        },
    }
    jsonschema.validate(payload, SCHEMA)


def test_f10_ids_mode_has_no_values():
    payload = build_payload(preference_event(), mode="ids", include_sensitive=False)
    assert "old_value" not in payload["data"] and "new_value" not in payload["data"]
    assert payload["data"]["identifier"] == "misc__favourite_colour"
    jsonschema.validate(payload, SCHEMA)


def test_f10_global_preference_has_no_owner():
    event = preference_event(registry="global", owner_type=None, owner_id=None, actor_id=None)
    payload = build_payload(event, mode="full", include_sensitive=False)
    assert payload["data"]["owner"] is None and payload["data"]["actor_id"] is None
    jsonschema.validate(payload, SCHEMA)


@pytest.fixture
def sensitive_event() -> Event:
    return preference_event(
        old_value=PLACEHOLDER,
        new_value=PLACEHOLDER,
        sensitive=True,
        sealed_values=seal(json.dumps({"old": "hunter2", "new": "s3cr3t"})),
    )


def test_f17_sensitive_values_redacted_by_default(sensitive_event):
    payload = build_payload(sensitive_event, mode="full", include_sensitive=False)
    assert (payload["data"]["old_value"], payload["data"]["new_value"]) == (PLACEHOLDER,) * 2
    assert b"s3cr3t" not in encode_payload(payload)
    jsonschema.validate(payload, SCHEMA)


def test_f17_sensitive_values_unsealed_for_allowed_endpoint(sensitive_event):
    payload = build_payload(sensitive_event, mode="full", include_sensitive=True)
    assert (payload["data"]["old_value"], payload["data"]["new_value"]) == ("hunter2", "s3cr3t")
    assert payload["data"]["sensitive"] is True


def test_f17_ids_mode_never_unseals(sensitive_event):
    payload = build_payload(sensitive_event, mode="ids", include_sensitive=True)
    assert b"s3cr3t" not in encode_payload(payload)


def test_f10_ping_and_endpoint_disabled_bodies_match_schema():
    endpoint_id = str(uuid.uuid4())
    ping = Event(kind="preference.ping", data={"endpoint_id": endpoint_id}, occurred_at=OCCURRED)
    disabled = Event(
        kind="endpoint.disabled",
        occurred_at=OCCURRED,
        data={
            "endpoint_id": endpoint_id,
            "url": "https://example.com/hook",
            "reason": "The endpoint answered 410 Gone.",
            "disabled_at": "2025-01-31T12:00:00.000000Z",
        },
    )
    for event in (ping, disabled):
        payload = build_payload(event, mode="ids", include_sensitive=False)
        jsonschema.validate(payload, SCHEMA)
        assert payload["type"] == event.kind
        assert payload["data"]["event_id"] == str(event.id)


def test_f3_schema_rejects_unknown_type_and_missing_fields():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"type": "other", "timestamp": "x", "data": {}}, SCHEMA)
    payload = build_payload(preference_event(), mode="full", include_sensitive=False)
    del payload["data"]["version"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(payload, SCHEMA)


def test_f3_encoding_is_compact_utf8():
    event = preference_event(new_value="Grün")
    body = encode_payload(build_payload(event, mode="full", include_sensitive=False))
    assert b", " not in body and b": " not in body
    assert "Grün".encode() in body
    assert json.loads(body)["data"]["new_value"] == "Grün"


def test_values_over_the_size_limit_go_out_in_the_ids_form_saying_so(settings):
    settings.HUB = {"WEBHOOK_MAX_VALUES_BYTES": 10}
    small_event = preference_event(old_value="a", new_value="b")
    small = build_payload(small_event, mode="full", include_sensitive=False)
    large = build_payload(preference_event(new_value="é" * 5), mode="full", include_sensitive=False)

    assert small["data"]["new_value"] == "b"
    assert "old_value" not in large["data"] and "new_value" not in large["data"]
    assert large["data"]["values_omitted"] == "too_large"
    jsonschema.validate(large, SCHEMA)
    both = {**large["data"], "new_value": "x", "old_value": "y"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**large, "data": both}, SCHEMA)
