"""Admin of handler runs (F15): what each handler did with each event, and "retry"."""

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from hub.admin.events import ReadOnlyAdmin
from hub.handler_runs import retry_run
from hub.models import HandlerRun


@admin.register(HandlerRun)
class HandlerRunAdmin(ReadOnlyAdmin):
    list_display = ("handler", "event_link", "status", "attempts", "last_error", "duration",
                    "enqueued_at", "finished_at")  # fmt: skip
    list_filter = ("status", "handler", "enqueued_at")
    list_select_related = ("event",)
    search_fields = ("handler", "=event__id", "last_error")
    date_hierarchy = "enqueued_at"
    ordering = ("-enqueued_at", "-id")
    fields = ("handler", "event_link", "status", "attempts", "last_error", "duration",
              "enqueued_at", "started_at", "finished_at")  # fmt: skip
    readonly_fields = fields
    actions = ["retry"]

    @admin.display(description="event", ordering="event__occurred_at")
    def event_link(self, run: HandlerRun) -> str:
        url = reverse("admin:hub_event_change", args=[run.event_id])
        return format_html('<a href="{}">{}</a>', url, run.event)

    @admin.display(description="duration")
    def duration(self, run: HandlerRun) -> str:
        return _seconds(run.duration)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("hub.retry_handlerrun")

    @admin.action(description="Retry selected failed runs", permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        retried = 0
        for run in queryset:
            try:
                retry_run(run)
                retried += 1
            except ValidationError as error:
                self.message_user(request, f"{run}: {error.messages[0]}", messages.ERROR)
        self.message_user(request, f"Retrying {retried} handler run(s).")


def _seconds(duration: timedelta | None) -> str:
    return "—" if duration is None else f"{duration.total_seconds():.3f} s"
