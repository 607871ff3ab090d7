"""Hub API views (F7, F8, F10, F15): endpoint CRUD, the read-only delivery log and handler
runs, replay and retry actions.

Views only put policies together: permissions (``permissions.py``), filters
(``filters.py``), serializers; every operation calls the same service the admin and the
management command call (``hub.webhooks.replay``, ``hub.webhooks.secrets``,
``hub.webhooks.health``, ``hub.handler_runs``).
"""

from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from hub.api import serializers as api
from hub.api.filters import Param, ParamFilter
from hub.api.permissions import HubStaffPermission
from hub.api.schema import documented_crud, documented_log, responses
from hub.handler_runs import retry_run
from hub.models import Attempt, HandlerRun, Message, WebhookEndpoint
from hub.models.endpoints import EVENT_TYPES
from hub.webhooks import health, replay
from hub.webhooks.outcomes import ATTEMPT_STATUSES
from hub.webhooks.secrets import create_secret, rotate_secret
from preferences.api.parsers import StrictInputMixin

# Actions that start work in the background, and the ones that switch an endpoint on/off.
ACCEPTED_OR_REFUSED = responses({202: api.AcceptedSerializer}, detail=True, checks_input=True)
ENDPOINT_STATE = responses({200: api.EndpointSerializer}, detail=True, checks_input=False)


class HubViewSetMixin(StrictInputMixin):
    permission_classes = [HubStaffPermission]
    filter_backends = [ParamFilter]
    filter_params: list[Param] = []
    required_permission: str | None = None
    # Any id reaches the view, so a malformed one is the API's JSON 404, not Django's HTML.
    lookup_value_regex = "[^/]+"


def run_service(function, *args, **kwargs):
    """Call a service; its Django ``ValidationError`` becomes a 400 with the same messages."""
    try:
        return function(*args, **kwargs)
    except DjangoValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else error.messages
        raise ValidationError(detail) from None


@documented_crud
class EndpointViewSet(HubViewSetMixin, viewsets.ModelViewSet):
    """Webhook endpoints. The secret is in the create answer and never again."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = api.EndpointSerializer
    filter_params = [
        Param(
            "is_active",
            "is_active",
            serializers.BooleanField(),
            "Only active (true) or disabled (false) endpoints.",
        ),
    ]

    @extend_schema(
        responses=responses({201: api.CreatedEndpointSerializer}, detail=False, checks_input=True)
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            endpoint = serializer.save()
            secret = create_secret(endpoint)
        data = {**api.EndpointSerializer(endpoint).data, "secret": secret}
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=api.RotateSerializer,
        responses=responses({200: api.SecretSerializer}, detail=True, checks_input=True),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="rotate-secret",
        required_permission="hub.rotate_secret",
    )
    def rotate_secret(self, request, pk=None):
        """Make a new secret (shown once); the old one signs on during the grace period."""
        endpoint = self.get_object()
        options = api.RotateSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        seconds = options.validated_data.get("grace_seconds")
        grace = None if seconds is None else timedelta(seconds=seconds)
        return Response({"secret": rotate_secret(endpoint, grace=grace)})

    @extend_schema(request=None, responses=ACCEPTED_OR_REFUSED)
    @action(detail=True, methods=["post"], required_permission="hub.send_test_event")
    def test(self, request, pk=None):
        """Send a ``preference.ping`` test event to this endpoint."""
        run_service(replay.send_test_event, self.get_object())
        return Response({"detail": "Test event sent."}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=api.RecoverSerializer, responses=ACCEPTED_OR_REFUSED)
    @action(detail=True, methods=["post"], required_permission="hub.recover_messages")
    def recover(self, request, pk=None):
        """Resend, in the background, every failed message created since ``since``."""
        endpoint = self.get_object()
        options = api.RecoverSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        since = run_service(
            replay.recover_messages, endpoint, since=options.validated_data["since"]
        )
        detail = f"Recovering failed messages since {since.isoformat()}."
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=ENDPOINT_STATE)
    @action(detail=True, methods=["post"], required_permission="hub.change_webhookendpoint")
    def enable(self, request, pk=None):
        """Re-enable the endpoint with a fresh failure window."""
        endpoint = self.get_object()
        health.enable(endpoint)
        return Response(api.EndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses=ENDPOINT_STATE)
    @action(detail=True, methods=["post"], required_permission="hub.change_webhookendpoint")
    def disable(self, request, pk=None):
        """Disable the endpoint; its pending messages fail (recover resends them)."""
        endpoint = self.get_object()
        health.deactivate(endpoint, reason=f"Disabled by {request.user}.")
        return Response(api.EndpointSerializer(endpoint).data)


@documented_log
class MessageViewSet(HubViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The delivery log: one message per (event, endpoint); ``id`` is the ``webhook-id``."""

    queryset = Message.objects.select_related("event").order_by("-created_at", "-id")
    serializer_class = api.MessageSerializer
    filter_params = [
        Param("endpoint", "endpoint_id", serializers.UUIDField(), "Endpoint id."),
        Param(
            "status", "status", serializers.ChoiceField(Message.Status.values), "Message status."
        ),
        Param("event", "event_id", serializers.UUIDField(), "Event id."),
        Param(
            "event_type",
            "event__kind",
            serializers.ChoiceField(EVENT_TYPES),
            "Event type.",
        ),
        Param(
            "created_after", "created_at__gte", serializers.DateTimeField(), "Created at or after."
        ),
        Param("created_before", "created_at__lt", serializers.DateTimeField(), "Created before."),
    ]

    @extend_schema(request=None, responses=ACCEPTED_OR_REFUSED)
    @action(detail=True, methods=["post"], required_permission="hub.resend_message")
    def resend(self, request, pk=None):
        """Send the message once more, with the same ``webhook-id`` and a fresh timestamp."""
        message = self.get_object()
        run_service(replay.resend_message, message)
        return Response({"detail": f"Resending {message.pk}."}, status=status.HTTP_202_ACCEPTED)


@documented_log
class AttemptViewSet(HubViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Every try of every message, newest first."""

    queryset = Attempt.objects.select_related("message").order_by("-started_at", "-id")
    serializer_class = api.AttemptSerializer
    filter_params = [
        Param("message", "message_id", serializers.CharField(), "Message id (msg_...)."),
        Param("endpoint", "message__endpoint_id", serializers.UUIDField(), "Endpoint id."),
        Param("status", "status", serializers.ChoiceField(ATTEMPT_STATUSES), "Attempt status."),
        Param(
            "trigger",
            "trigger",
            serializers.ChoiceField(Attempt.Trigger.values),
            "What started it.",
        ),
        Param(
            "started_after", "started_at__gte", serializers.DateTimeField(), "Started at or after."
        ),
    ]


@documented_log
class HandlerRunViewSet(HubViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """What each handler did with each event, newest first; failed runs can be retried."""

    queryset = HandlerRun.objects.select_related("event").order_by("-enqueued_at", "-id")
    serializer_class = api.HandlerRunSerializer
    filter_params = [
        Param(
            "status",
            "status",
            serializers.ChoiceField(HandlerRun.Status.values),
            "Run status.",
        ),
        Param("handler", "handler", serializers.CharField(), "Handler task name."),
        Param("event", "event_id", serializers.UUIDField(), "Event id."),
    ]

    @extend_schema(request=None, responses=ACCEPTED_OR_REFUSED)
    @action(detail=True, methods=["post"], required_permission="hub.retry_handlerrun")
    def retry(self, request, pk=None):
        """Run the handler again for the event; only a failed run can be retried."""
        run = self.get_object()
        run_service(retry_run, run)
        return Response({"detail": f"Retrying {run}."}, status=status.HTTP_202_ACCEPTED)
