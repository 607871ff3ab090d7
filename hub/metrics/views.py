"""``/metrics``: the Prometheus text exposition of the hub's metrics, access-checked."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hub.metrics.access import refusal
from hub.metrics.collector import registry


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Every ``prefhub_*`` metric, computed from the database now."""
    refused = refusal(request)
    if refused is not None:
        status, reason = refused
        response = HttpResponse(reason + "\n", status=status, content_type="text/plain")
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
