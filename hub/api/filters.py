"""Query-string filters of the delivery log (F7), validated and documented in the schema.

Each filter is a named query parameter mapped to one ORM lookup; a bad value is a 400
naming the parameter, never an empty result that hides the typo.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend


@dataclass(frozen=True)
class Param:
    name: str
    lookup: str
    field: serializers.Field
    description: str


class ParamFilter(BaseFilterBackend):
    """Applies the view's ``filter_params`` (a list of ``Param``) to its queryset."""

    def filter_queryset(self, request, queryset: QuerySet, view) -> QuerySet:
        errors, lookups = {}, {}
        for param in getattr(view, "filter_params", ()):
            raw = request.query_params.get(param.name)
            if raw is None or raw == "":
                continue
            try:
                lookups[param.lookup] = param.field.run_validation(raw)
            except (ValidationError, DjangoValidationError) as error:
                errors[param.name] = getattr(error, "detail", None) or error.messages
        if errors:
            raise ValidationError(errors)
        return queryset.filter(**lookups)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": param.name,
                "required": False,
                "in": "query",
                "description": param.description,
                "schema": _schema(param.field),
            }
            for param in getattr(view, "filter_params", ())
        ]


def _schema(field: serializers.Field) -> dict:
    if isinstance(field, serializers.ChoiceField):
        return {"type": "string", "enum": list(field.choices)}
    if isinstance(field, serializers.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, serializers.DateTimeField):
        return {"type": "string", "format": "date-time"}
    if isinstance(field, serializers.IntegerField):
        return {"type": "integer"}
    if isinstance(field, serializers.UUIDField):
        return {"type": "string", "format": "uuid"}
    return {"type": "string"}
