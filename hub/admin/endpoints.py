"""Admin for webhook endpoints (F4, F8, F10): targets, secrets, test events, recover.

Secrets are shown exactly once, in the response to the request that created them (the
add form, "rotate secret"), and never stored in clear, in a message cookie or a session.
Every action and object tool checks its own permission and answers 403 without it (S9).
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from hub.conf import hub_settings
from hub.models import WebhookEndpoint
from hub.models.endpoints import masked_headers
from hub.webhooks import health, replay
from hub.webhooks.forms import WebhookEndpointForm
from hub.webhooks.secrets import create_secret, rotate_secret
from hub.webhooks.transport import sanitize_url

REVEAL_TEMPLATE = "admin/hub/webhookendpoint/secret.html"


class RecoverForm(forms.Form):
    since = forms.DateTimeField(help_text="Resend failed messages created at or after this time.")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = (
        "__str__",
        "safe_url",
        "is_active",
        "payload_mode",
        "rate_limit",
        "failing_since",
    )
    list_filter = ("is_active", "payload_mode", "receive_sensitive")
    search_fields = ("url", "description")
    readonly_fields = ("id", "is_active", "disabled_reason", "disabled_at", "failing_since")
    actions = ["send_test_event", "enable_endpoints", "disable_endpoints"]

    @admin.display(description="URL", ordering="url")
    def safe_url(self, endpoint: WebhookEndpoint) -> str:
        return sanitize_url(endpoint.url)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else ()

    def get_fields(self, request, obj=None):
        """A read-only change page shows the header names only, never their values."""
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return ["custom_headers" if name == "headers" else name for name in fields]
        return fields

    @admin.display(description="Headers")
    def custom_headers(self, endpoint: WebhookEndpoint) -> dict[str, str]:
        return masked_headers(endpoint.headers)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<uuid:object_id>/rotate-secret/", view(self.rotate_view), name="hub_rotate_secret"
            ),
            path("<uuid:object_id>/recover/", view(self.recover_view), name="hub_recover"),
            path("<uuid:object_id>/send-test/", view(self.send_test_view), name="hub_send_test"),
            *super().get_urls(),
        ]

    # Permissions (S9): one per sensitive operation, checked by actions and views alike.
    def has_rotate_secret_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("hub.rotate_secret")

    def has_send_test_event_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("hub.send_test_event")

    def has_recover_messages_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("hub.recover_messages")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            request.hub_new_secret = create_secret(obj)

    def response_add(self, request, obj, post_url_continue=None):
        """Show the new secret once, instead of redirecting with it in a message."""
        return self._secret_page(request, obj, request.hub_new_secret, created=True)

    @admin.action(description="Send a test event", permissions=["send_test_event"])
    def send_test_event(self, request, queryset):
        sent = 0
        for endpoint in queryset:
            try:
                replay.send_test_event(endpoint)
                sent += 1
            except ValidationError as error:
                self.message_user(request, f"{endpoint}: {error.messages[0]}", messages.ERROR)
        self.message_user(request, f"Test event sent to {sent} endpoint(s).")

    @admin.action(description="Enable selected endpoints", permissions=["change"])
    def enable_endpoints(self, request, queryset):
        for endpoint in queryset:
            health.enable(endpoint)
        self.message_user(request, f"Enabled {len(queryset)} endpoint(s).")

    @admin.action(description="Disable selected endpoints", permissions=["change"])
    def disable_endpoints(self, request, queryset):
        for endpoint in queryset:
            health.deactivate(endpoint, reason=f"Disabled by {request.user}.")
        self.message_user(request, f"Disabled {len(queryset)} endpoint(s).")

    def rotate_view(self, request: HttpRequest, object_id) -> HttpResponse:
        endpoint = self._endpoint(request, object_id, self.has_rotate_secret_permission)
        if request.method != "POST":
            context = self._context(request, endpoint, "Rotate secret")
            context["grace"] = timedelta(seconds=hub_settings.WEBHOOK_SECRET_GRACE)
            return TemplateResponse(request, "admin/hub/webhookendpoint/rotate.html", context)
        return self._secret_page(request, endpoint, rotate_secret(endpoint), created=False)

    def recover_view(self, request: HttpRequest, object_id) -> HttpResponse:
        endpoint = self._endpoint(request, object_id, self.has_recover_messages_permission)
        form = RecoverForm(
            request.POST or None, initial={"since": timezone.now() - timedelta(days=1)}
        )
        if request.method == "POST" and form.is_valid():
            try:
                since = replay.recover_messages(endpoint, since=form.cleaned_data["since"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request, f"Recovering failed messages since {since:%Y-%m-%d %H:%M}."
                )
                return HttpResponseRedirect(self._change_url(endpoint))
        context = {**self._context(request, endpoint, "Recover failed messages"), "form": form}
        return TemplateResponse(request, "admin/hub/webhookendpoint/recover.html", context)

    def send_test_view(self, request: HttpRequest, object_id) -> HttpResponse:
        endpoint = self._endpoint(request, object_id, self.has_send_test_event_permission)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            replay.send_test_event(endpoint)
        except ValidationError as error:
            self.message_user(request, error.messages[0], messages.ERROR)
        else:
            self.message_user(request, "Test event sent.")
        return HttpResponseRedirect(self._change_url(endpoint))

    def _endpoint(self, request, object_id, has_permission) -> WebhookEndpoint:
        if not has_permission(request):
            raise PermissionDenied
        return get_object_or_404(WebhookEndpoint, pk=object_id)

    def _context(self, request, endpoint: WebhookEndpoint, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": endpoint,
            "title": title,
            "safe_url": sanitize_url(endpoint.url),
            "change_url": self._change_url(endpoint),
        }

    def _change_url(self, endpoint: WebhookEndpoint) -> str:
        return reverse("admin:hub_webhookendpoint_change", args=[endpoint.pk])

    def _secret_page(self, request, endpoint, secret: str, *, created: bool) -> HttpResponse:
        context = {
            **self._context(request, endpoint, "Endpoint secret"),
            "secret": secret,
            "created": created,
        }
        response = TemplateResponse(request, REVEAL_TEMPLATE, context)
        response["Cache-Control"] = "no-store"
        return response
