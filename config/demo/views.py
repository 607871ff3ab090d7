from typing import Any

from django.core.cache import cache
from django.views.generic import TemplateView

from config.demo.handlers import LAST_CHANGE_KEY
from hub.models import Event

RECENT_EVENTS = 10


class HomeView(TemplateView):
    """The demo page: preferences in use, a cached fragment, recent events."""

    template_name = "demo/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # Events carry old and new values: only those who may view them in the admin see them.
        if not self.request.user.has_perm("hub.view_event"):
            return super().get_context_data(may_view_events=False, **kwargs)
        return super().get_context_data(
            may_view_events=True,
            last_handled=cache.get(LAST_CHANGE_KEY),
            recent_events=Event.objects.order_by("-id")[:RECENT_EVENTS],
            **kwargs,
        )
