"""Admin for the delivery log (F7, F8): messages and their attempts, read-only, plus resend."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from hub.models import Attempt, Message
from hub.webhooks import replay


class ReadOnlyAdmin(admin.ModelAdmin):
    """The log is written by workers only; the admin browses it."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    ordering = ("number",)
    fields = ("number", "trigger", "status", "status_code", "duration_ms", "error_class",
              "started_at", "next_attempt_at")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "event_kind", "event_identifier", "endpoint", "status",
                    "attempt_count", "next_attempt_at", "created_at")  # fmt: skip
    list_filter = ("status", "event__kind", "endpoint", "created_at")
    list_select_related = ("event", "endpoint")
    search_fields = ("id", "event__identifier", "=event__id")
    date_hierarchy = "created_at"
    inlines = [AttemptInline]
    actions = ["resend"]

    @admin.display(description="type", ordering="event__kind")
    def event_kind(self, message: Message) -> str:
        return message.event.kind

    @admin.display(description="preference", ordering="event__identifier")
    def event_identifier(self, message: Message) -> str:
        return message.event.identifier

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("hub.resend_message")

    @admin.action(description="Resend selected messages", permissions=["resend"])
    def resend(self, request, queryset):
        sent = 0
        for message in queryset.select_related("endpoint"):
            try:
                replay.resend_message(message)
                sent += 1
            except ValidationError as error:
                self.message_user(request, f"{message.pk}: {error.messages[0]}", messages.ERROR)
        self.message_user(request, f"Resending {sent} message(s); they keep their webhook-id.")


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ("message", "number", "trigger", "status", "status_code", "duration_ms",
                    "started_at", "next_attempt_at")  # fmt: skip
    list_filter = ("status", "trigger", "message__endpoint", "started_at")
    list_select_related = ("message",)
    search_fields = ("=message__id", "error_class")
    date_hierarchy = "started_at"
