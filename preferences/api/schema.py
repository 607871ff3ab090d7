"""OpenAPI description of the preference viewsets (drf-spectacular).

Identifiers and sections come from the registry when the schema is generated, so clients
(and schemathesis) see the real values; the request bodies, the ``value`` of any JSON type,
the bulk object and every error response are described by hand because DRF cannot infer
them.
"""

from typing import Any

import uritemplate
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer

from .serializers import PreferenceValueField

DETAIL_ACTIONS = ("retrieve", "update", "partial_update")
DESCRIPTIONS = {
    "list": "Every registered preference with its value, default and form field metadata.",
    "retrieve": "One preference, by identifier.",
    "update": "Set the value of one preference.",
    "partial_update": "Set the value of one preference (without `value`, nothing changes).",
    "bulk": "Set several preferences at once; all values are validated before any is "
    "written, and nothing is written if one is invalid.",
}
WRITE_ACTIONS = ("update", "partial_update", "bulk")

DETAIL_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": 'Messages per field, e.g. `{"value": ["Wrong value!"]}`.',
    "additionalProperties": {},
}
BULK_ERRORS = {
    "oneOf": [
        {"type": "string", "description": '"invalid payload" or "empty payload"'},
        {
            "type": "object",
            "description": 'Per identifier: "invalid preference", or the messages of the value.',
            "additionalProperties": {},
        },
    ]
}

VALUE_REQUEST = inline_serializer(
    "PreferenceValueRequest", fields={"value": PreferenceValueField()}
)


class PreferenceViewSetSchema(AutoSchema):
    """Schema of a ``PreferenceViewSet``: lookups, filter, bodies and errors."""

    def _registry(self) -> Any:
        return self.view.get_registry()

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        action = getattr(self.view, "action", None)
        if action in DETAIL_ACTIONS:
            parameters.append(self._identifier_parameter())
        if action == "list":
            parameters.append(self._section_parameter())
        return parameters

    def get_description(self) -> str:
        return DESCRIPTIONS.get(getattr(self.view, "action", None)) or super().get_description()

    def _identifier_parameter(self) -> OpenApiParameter:
        identifiers = [preference.identifier() for preference in self._registry().preferences()]
        # The path's own variable name: drf-spectacular renames ``pk`` to ``id``.
        (variable,) = uritemplate.variables(self.path)
        return OpenApiParameter(
            variable,
            str,
            OpenApiParameter.PATH,
            enum=identifiers,
            description="The preference identifier: `<section>__<name>`, or `<name>` alone.",
        )

    def _section_parameter(self) -> OpenApiParameter:
        sections = [name for name in self._registry().sections() if name]
        return OpenApiParameter(
            "section",
            str,
            OpenApiParameter.QUERY,
            enum=sections,
            description="Only the preferences of this section.",
        )

    def get_request_serializer(self) -> Any:
        action = getattr(self.view, "action", None)
        if action == "bulk":
            return {"application/json": self._bulk_body()}
        if action in ("update", "partial_update"):
            return {"application/json": VALUE_REQUEST}
        return super().get_request_serializer()

    def _bulk_body(self) -> dict[str, Any]:
        identifiers = [preference.identifier() for preference in self._registry().preferences()]
        return {
            "type": "object",
            "description": "New values by preference identifier.",
            "properties": {identifier: {} for identifier in identifiers},
            "additionalProperties": {},
            "minProperties": 1,
        }

    def get_response_serializers(self) -> Any:
        action = getattr(self.view, "action", None)
        serializer_class = self.view.get_serializer_class()
        forbidden = OpenApiResponse(DETAIL_ERROR, description="Not logged in or not allowed.")
        responses: dict[int, Any] = {
            200: serializer_class(many=True) if action == "bulk" else serializer_class,
            403: forbidden,
        }
        if action in DETAIL_ACTIONS:
            responses[404] = OpenApiResponse(DETAIL_ERROR, description="No such preference.")
        if action == "list":
            responses[400] = OpenApiResponse(FIELD_ERRORS, description="Unknown section.")
        if action in WRITE_ACTIONS:
            errors = BULK_ERRORS if action == "bulk" else FIELD_ERRORS
            responses[400] = OpenApiResponse(errors, description="Invalid value: nothing written.")
            responses[413] = OpenApiResponse(
                DETAIL_ERROR, description="Body over DATA_UPLOAD_MAX_MEMORY_SIZE: nothing written."
            )
        return responses
