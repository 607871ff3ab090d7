"""Serializers of the hub API. Secrets appear only in the answer that created them (F4)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from hub.models import Attempt, HandlerRun, Message, WebhookEndpoint
from hub.models.endpoints import EVENT_TYPES, keep_masked_headers, masked_headers


class WriteOnlyHeadersField(serializers.DictField):
    """Custom headers: names shown, values masked in every answer (they hold credentials)."""

    def to_representation(self, value: dict) -> dict:
        return masked_headers(value)


class EndpointSerializer(serializers.ModelSerializer):
    """An endpoint; validation comes from the model fields (URL guard, header rules)."""

    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), required=False,
        help_text="Event types to receive; empty means all.",
    )  # fmt: skip
    patterns = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text='Glob patterns over "section__name"; empty means all.',
    )  # fmt: skip
    registries = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text='Registries, e.g. "global", "user"; empty means all.',
    )  # fmt: skip
    headers = WriteOnlyHeadersField(
        child=serializers.CharField(allow_blank=True), required=False,
        help_text="Extra request headers; webhook-* and transport headers are reserved. "
        'Values are write-only: answers show "•••• set"; sending that mask back keeps '
        "the stored value.",
    )  # fmt: skip

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "is_active", "event_types", "patterns",
                  "registries", "headers", "payload_mode", "rate_limit", "receive_sensitive",
                  "disabled_reason", "disabled_at", "failing_since", "created_at"]  # fmt: skip
        read_only_fields = ["is_active", "disabled_reason", "disabled_at", "failing_since"]

    def validate(self, attrs: dict) -> dict:
        """Run the model's field validators on the list/dict fields declared above."""
        if self.instance is not None and "headers" in attrs:
            attrs["headers"] = keep_masked_headers(attrs["headers"], self.instance.headers)
        for name in ("event_types", "patterns", "registries", "headers"):
            if name in attrs:
                field = WebhookEndpoint._meta.get_field(name)
                try:
                    field.run_validators(attrs[name])
                except DjangoValidationError as error:
                    raise serializers.ValidationError({name: error.messages}) from None
        return attrs


class CreatedEndpointSerializer(EndpointSerializer):
    """The answer to a create: the endpoint plus its secret, this once."""

    secret = serializers.CharField(read_only=True, help_text="whsec_... shown only now.")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField(read_only=True, help_text="whsec_... shown only now.")


class RotateSerializer(serializers.Serializer):
    grace_seconds = serializers.IntegerField(
        min_value=0, required=False,
        help_text="How long the old secret keeps signing; default WEBHOOK_SECRET_GRACE.",
    )  # fmt: skip


class RecoverSerializer(serializers.Serializer):
    since = serializers.DateTimeField(
        help_text="Resend failed messages created at or after this time (at most 14 days ago)."
    )


class MessageSerializer(serializers.ModelSerializer):
    event_type = serializers.CharField(source="event.kind", read_only=True)
    identifier = serializers.CharField(source="event.identifier", read_only=True)

    class Meta:
        model = Message
        fields = ["id", "event", "event_type", "identifier", "endpoint", "status",
                  "attempt_count", "next_attempt_at", "created_at", "last_attempt_at"]  # fmt: skip
        read_only_fields = fields


class AttemptSerializer(serializers.ModelSerializer):
    endpoint = serializers.UUIDField(source="message.endpoint_id", read_only=True)

    class Meta:
        model = Attempt
        fields = ["id", "message", "endpoint", "number", "trigger", "status", "status_code",
                  "response_body", "duration_ms", "error_class", "error_message",
                  "webhook_timestamp", "started_at", "finished_at", "next_attempt_at"]  # fmt: skip
        read_only_fields = fields


class HandlerRunSerializer(serializers.ModelSerializer):
    event_type = serializers.CharField(source="event.kind", read_only=True)
    identifier = serializers.CharField(source="event.identifier", read_only=True)
    duration_seconds = serializers.SerializerMethodField(
        help_text="How long the latest attempt took; null until it finished."
    )

    class Meta:
        model = HandlerRun
        fields = ["id", "handler", "event", "event_type", "identifier", "status", "attempts",
                  "last_error", "duration_seconds", "enqueued_at", "started_at",
                  "finished_at"]  # fmt: skip
        read_only_fields = fields

    def get_duration_seconds(self, run: HandlerRun) -> float | None:
        return None if run.duration is None else run.duration.total_seconds()


class AcceptedSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)
