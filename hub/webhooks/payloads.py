"""Standard Webhooks bodies built from an ``Event`` (F3, F10, F17); pure.

Every body is ``{"type": ..., "timestamp": <event time, ISO 8601 UTC>, "data": {...}}``,
documented by the JSON Schema in ``docs/webhook-payload.schema.json``. In ``ids`` mode a
``preference.updated`` or ``preference.reset`` body carries no values (the receiver reads
them through the API); in ``full`` mode it carries the raw serialized values, unless
together they exceed ``WEBHOOK_MAX_VALUES_BYTES``: then the body is the ids-only one with
``"values_omitted": "too_large"``. Sensitive values are the
placeholder of ``hub.redaction`` unless the endpoint may receive them, in which case they
are unsealed from the event for this one request and never stored in clear.
"""

import json
from datetime import UTC, datetime
from typing import Any

from hub.conf import hub_settings
from hub.kinds import PREFERENCE_KINDS
from preferences.sealing import unseal

MODE_IDS = "ids"


def build_payload(event: Any, *, mode: str, include_sensitive: bool) -> dict[str, Any]:
    """The body for ``event`` as a dict (see the module docstring for the rules)."""
    if event.kind in PREFERENCE_KINDS:
        data = _preference_data(event, mode=mode, include_sensitive=include_sensitive)
    else:
        data = {"event_id": str(event.id), **(event.data or {})}
    return {"type": event.kind, "timestamp": format_timestamp(event.occurred_at), "data": data}


def encode_payload(payload: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON: the exact bytes that are signed and sent."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix, as the Standard Webhooks examples write it."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _preference_data(event: Any, *, mode: str, include_sensitive: bool) -> dict[str, Any]:
    data = {
        "event_id": str(event.id),
        "registry": event.registry,
        "section": event.section,
        "name": event.name,
        "identifier": event.identifier,
        "version": event.version,
        "owner": _owner(event),
        "actor_id": None if event.actor_id is None else str(event.actor_id),
        "sensitive": event.sensitive,
    }
    if mode == MODE_IDS:
        return data
    old_value, new_value = _values(event, include_sensitive)
    if _size(old_value) + _size(new_value) > hub_settings.WEBHOOK_MAX_VALUES_BYTES:
        # Too large to send: the ids-only form, saying why (the API has the values).
        return {**data, "values_omitted": "too_large"}
    return {**data, "old_value": old_value, "new_value": new_value}


def _size(value: str | None) -> int:
    return len(value.encode()) if value else 0


def _owner(event: Any) -> dict[str, str] | None:
    if not event.owner_type:
        return None
    return {"type": str(event.owner_type), "id": str(event.owner_id)}


def _values(event: Any, include_sensitive: bool) -> tuple[str | None, str | None]:
    if event.sensitive and include_sensitive and event.sealed_values:
        values = json.loads(unseal(event.sealed_values))
        return values["old"], values["new"]
    return event.old_value, event.new_value
