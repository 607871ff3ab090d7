"""Admin for e-mail rules (editable) and the digests they produce (read-only), F16.

Digests are the record of what was mailed, silenced by the brake, or failed; they change
only through the tasks, so the admin shows them and nothing more. Values never appear here:
a digest lists event ids and keys, and the Event admin shows the (redacted) values.
"""

from django.contrib import admin
from django.http import HttpRequest

from hub.models.notifications import DigestEntry, EmailDigest, EmailRule
from hub.webhooks.forms import EmailRuleForm


@admin.register(EmailRule)
class EmailRuleAdmin(admin.ModelAdmin):
    # Patterns, registries and recipients one per line, as on the endpoint form.
    form = EmailRuleForm
    list_display = [
        "name",
        "patterns",
        "registries",
        "recipient_list",
        "digest_window",
        "is_active",
    ]
    list_filter = ["is_active"]
    search_fields = ["name"]

    @admin.display(description="recipients")
    def recipient_list(self, rule: EmailRule) -> str:
        return ", ".join(rule.recipients) if rule.recipients else "ADMINS"


class ReadOnlyAdminMixin:
    """View permission only: rows written by tasks are records, not settings."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class DigestEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DigestEntry
    fields = ["event", "identifier", "rule", "created_at"]
    readonly_fields = fields
    extra = 0

    @admin.display(description="preference")
    def identifier(self, entry: DigestEntry) -> str:
        return entry.event.identifier

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("event", "rule")

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # The entries are part of the digest: whoever may view a digest sees its entries.
        return request.user.has_perm("hub.view_emaildigest")


@admin.register(EmailDigest)
class EmailDigestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "opened_at",
        "recipient_list",
        "state",
        "kind",
        "change_count",
        "suppressed_count",
        "sent_at",
        "attempts",
        "last_error",
    ]
    list_filter = ["state", "kind"]
    date_hierarchy = "opened_at"
    inlines = [DigestEntryInline]

    @admin.display(description="recipients")
    def recipient_list(self, digest: EmailDigest) -> str:
        return ", ".join(digest.recipients)
