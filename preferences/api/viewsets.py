"""DRF viewsets of preferences: list, retrieve, update and bulk update (R-API-5..9).

Rows are addressed by identifier (``section__name``); every write goes through the
manager, so each written preference sends ``preference_updated`` once.
"""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from preferences.exceptions import NotFoundInRegistry
from preferences.models import GlobalPreferenceModel

from .parsers import StrictInputMixin
from .schema import PreferenceViewSetSchema
from .serializers import GlobalPreferenceSerializer

INVALID_PAYLOAD = "invalid payload"
EMPTY_PAYLOAD = "empty payload"
INVALID_PREFERENCE = "invalid preference"


class PreferenceViewSet(
    StrictInputMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """List, show and update the preferences of one registry (no create, no delete)."""

    schema = PreferenceViewSetSchema()

    def get_registry(self) -> Any:
        return self.queryset.model.registry

    def get_manager(self) -> Any:
        return self.get_registry().manager()

    def get_queryset(self) -> QuerySet:
        """Rows of every registered preference (created when missing), by ``?section=``."""
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return queryset.none()
        self.get_manager().ensure_rows()
        queryset = self.scope_queryset(queryset)
        section = self.request.query_params.get("section")
        if section:
            queryset = queryset.filter(section=self._known_section(section))
        return queryset

    def _known_section(self, section: str) -> str:
        """``section``, or a 400 naming it; checked first, so no arbitrary text reaches SQL."""
        known = sorted(name for name in self.get_registry().section_objects if name)
        if section not in known:
            raise ValidationError(
                {"section": [f"Unknown section {section!r}. Known sections: {', '.join(known)}."]}
            )
        return section

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        """Hook: restrict rows to the ones this request may see (per-instance viewsets)."""
        return queryset

    def get_object(self) -> Any:
        """The row of the registered preference named by the URL's identifier, else 404."""
        identifier = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        preference = self._registered(identifier)
        if preference is None:
            raise Http404(f"No preference {identifier!r}")
        row = get_object_or_404(
            self.filter_queryset(self.get_queryset()),
            section=preference.section.name,
            name=preference.name,
        )
        self.check_object_permissions(self.request, row)
        return row

    def _registered(self, identifier: str) -> Any:
        try:
            return self.get_registry().get(identifier)
        except NotFoundInRegistry:
            return None

    @action(detail=False, methods=["post"])
    def bulk(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Update several preferences at once: ``{identifier: value, ...}`` (R-API-6).

        Every value is validated before any is written, and the writes share one
        transaction: either all preferences change (one signal each) or none does.
        """
        payload = request.data
        if not isinstance(payload, Mapping):
            return Response(INVALID_PAYLOAD, status=400)
        unknown = {key: INVALID_PREFERENCE for key in payload if self._registered(key) is None}
        if unknown:
            return Response(unknown, status=400)
        if not payload:
            return Response(EMPTY_PAYLOAD, status=400)
        serializers = [
            self.get_serializer(row, data={"value": payload[row.preference.identifier()]})
            for row in self._rows(payload)
        ]
        errors = {
            s.instance.preference.identifier(): s.errors for s in serializers if not s.is_valid()
        }
        if errors:
            return Response(errors, status=400)
        with transaction.atomic():
            for serializer in serializers:
                serializer.save()
        return Response([serializer.data for serializer in serializers])

    def _rows(self, identifiers: Any) -> QuerySet:
        """The rows of the given (registered) identifiers, in one query."""
        preferences = [self._registered(identifier) for identifier in identifiers]
        query = Q()
        for preference in preferences:
            query |= Q(section=preference.section.name, name=preference.name)
        return self.get_queryset().filter(query)


class GlobalPreferencePermission(permissions.DjangoModelPermissions):
    """The model's change permission, for every method including reads (R-API-7)."""

    perms_map = {
        method: ["%(app_label)s.change_%(model_name)s"]
        for method in ("GET", "OPTIONS", "HEAD", "POST", "PUT", "PATCH", "DELETE")
    }


class GlobalPreferencesViewSet(PreferenceViewSet):
    queryset = GlobalPreferenceModel.objects.all()
    serializer_class = GlobalPreferenceSerializer
    permission_classes = [GlobalPreferencePermission]


class PerInstancePreferenceViewSet(PreferenceViewSet):
    """Preferences of one model instance, given by :meth:`get_related_instance` (R-API-9)."""

    def get_related_instance(self) -> Any:
        """Return the instance whose preferences this request reads and writes."""
        raise NotImplementedError

    def get_manager(self) -> Any:
        return self.get_registry().manager(instance=self.get_related_instance())

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(instance=self.get_related_instance())
