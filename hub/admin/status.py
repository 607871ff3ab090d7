"""The "Hub status" admin page: is everything flowing? (deliveries, latency, outbox, health).

Listed in the admin index under the hub for staff holding ``hub.view_hubstatus``
(superusers have it); it only reads (``hub.status``) and draws its chart as SVG on the
server (``hub.charts``).
"""

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from hub import charts
from hub.admin.events import ReadOnlyAdmin
from hub.conf import hub_settings
from hub.models import HubStatus
from hub.status import WINDOW, hub_status


@admin.register(HubStatus)
class HubStatusAdmin(ReadOnlyAdmin):
    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if not self.has_view_permission(request):
            return super().changelist_view(request, extra_context)  # Django's own 403
        status = hub_status()
        context = {
            **self.admin_site.each_context(request),
            "title": "Hub status",
            "opts": self.model._meta,
            "status": status,
            "window_hours": int(WINDOW.total_seconds() // 3600),
            "chart": charts.stacked_columns(
                status.deliveries.counts,
                start=status.deliveries.start,
                slot=timedelta(minutes=1),
                label="Webhook deliveries per minute by outcome, last 24 hours",
            ),
            "legend": charts.legend(status.deliveries.totals()),
            "outbox_warning": status.outbox.oldest_age > hub_settings.OUTBOX_AGE_WARNING,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/hub/hub_status.html", context)
