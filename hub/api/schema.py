"""OpenAPI description of every answer the hub API gives, errors included (drf-spectacular).

DRF cannot infer its refusals, so each operation lists them here: 403 for everyone who is
not staff with the permission (S9), 404 for an unknown id, 400 wherever input is checked
(filters, bodies, services that refuse). Clients and the schema fuzzer rely on the list
being complete.
"""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view

DETAIL_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# Field errors (``{"status": ["..."]}``), a parse error (``{"detail": "..."}``), or the
# messages of a service that refused the action (``["Endpoint is disabled."]``).
INVALID_INPUT = {
    "oneOf": [
        {"type": "object", "additionalProperties": {}},
        {"type": "array", "items": {"type": "string"}},
    ]
}

FORBIDDEN = OpenApiResponse(DETAIL_ERROR, description="Not staff, or lacking the permission.")
NOT_FOUND = OpenApiResponse(DETAIL_ERROR, description="No object with this id.")
INVALID = OpenApiResponse(INVALID_INPUT, description="Invalid input, named; nothing changed.")


def responses(success: dict[int, Any], *, detail: bool, checks_input: bool) -> dict[int, Any]:
    """The success answers of an operation plus the errors it can give."""
    errors: dict[int, Any] = {403: FORBIDDEN}
    if detail:
        errors[404] = NOT_FOUND
    if checks_input:
        errors[400] = INVALID
    return {**success, **errors}


def documented_log(viewset: type) -> type:
    """Document the list (filtered, so 400) and retrieve of a read-only delivery-log view."""
    serializer = viewset.serializer_class
    return extend_schema_view(
        list=extend_schema(
            responses=responses({200: serializer(many=True)}, detail=False, checks_input=True)
        ),
        retrieve=extend_schema(
            responses=responses({200: serializer}, detail=True, checks_input=False)
        ),
    )(viewset)


def documented_crud(viewset: type) -> type:
    """Document the list, retrieve, update and destroy of a model view (create is its own)."""
    serializer = viewset.serializer_class
    return extend_schema_view(
        update=extend_schema(
            responses=responses({200: serializer}, detail=True, checks_input=True)
        ),
        partial_update=extend_schema(
            responses=responses({200: serializer}, detail=True, checks_input=True)
        ),
        destroy=extend_schema(responses=responses({204: None}, detail=True, checks_input=False)),
    )(documented_log(viewset))
