"""Read-only admin of the outbox: events and what handlers did with them (F1, F2, F15).

Events are a log: nobody adds, edits or deletes them here. Sensitive values are stored
redacted, and their sealed copy is never shown.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from hub.models import Event, HandlerRun
from hub.outbox import outbox_status


class ReadOnlyAdmin(admin.ModelAdmin):
    """A log: viewable with the view permission, never changed through the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class HandlerRunInline(admin.TabularInline):
    model = HandlerRun
    fields = ("handler", "status", "attempts", "last_error", "enqueued_at", "finished_at")
    readonly_fields = fields
    show_change_link = True
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at", "kind", "identifier", "registry", "version", "owner", "actor",
        "is_dispatched",
    )  # fmt: skip
    list_filter = ("kind", "registry", "sensitive", ("dispatched_at", admin.EmptyFieldListFilter))
    search_fields = ("identifier", "=id", "=owner_id")
    list_select_related = ("actor",)
    date_hierarchy = "occurred_at"
    ordering = ("-occurred_at", "-id")
    fields = (
        "id", "kind", "registry", "identifier", "section", "name", "version", "old_value",
        "new_value", "sensitive", "owner_type", "owner_id", "actor", "data", "occurred_at",
        "dispatched_at",
    )  # fmt: skip
    readonly_fields = fields
    inlines = [HandlerRunInline]

    @admin.display(description="owner")
    def owner(self, event: Event) -> str:
        return f"{event.owner_type} {event.owner_id}" if event.owner_id else "—"

    @admin.display(boolean=True, description="dispatched", ordering="dispatched_at")
    def is_dispatched(self, event: Event) -> bool:
        return event.dispatched_at is not None

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """Show the outbox age (F2) above the list."""
        status = outbox_status()
        subtitle = (
            f"Outbox: {status.pending} pending, oldest {status.oldest_age:.0f} s"
            if status.pending
            else "Outbox: nothing pending"
        )
        return super().changelist_view(request, {**(extra_context or {}), "subtitle": subtitle})
