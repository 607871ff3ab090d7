"""A real Prometheus scrapes ``/metrics`` (bearer token) after real webhook deliveries."""

import pytest
from django.db import transaction

from hub.models import Attempt
from preferences.registries import global_preferences_registry
from tests.support.polling import wait_until
from tests.support.prometheus import PrometheusServer
from tests.support.receiver import Receiver
from tests.support.webhook_endpoints import add_endpoint

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "prometheus-scrape-token"


def test_prometheus_scrapes_the_delivery_counts_the_database_holds(
    webhook_worker, live_server, settings
):
    settings.HUB = {**settings.HUB, "METRICS_TOKEN": TOKEN}
    with Receiver() as receiver:
        endpoint, _ = add_endpoint(receiver.url)
        for value in (31, 32, 33):
            with transaction.atomic():
                global_preferences_registry.manager()["user__max_users"] = value
        receiver.wait_for_requests(3, timeout=30)
        wait_until(lambda: Attempt.objects.filter(status="success").count() == 3)
    target = live_server.url.removeprefix("http://")

    with PrometheusServer(target, token=TOKEN) as prometheus:
        query = f'prefhub_webhook_deliveries_total{{endpoint="{endpoint.pk}",outcome="success"}}'
        [sample] = wait_until(lambda: prometheus.query(query), timeout=30)
        latency = wait_until(
            lambda: prometheus.query('prefhub_webhook_delivery_latency_seconds_bucket{le="+Inf"}')
        )
        health = prometheus.target_health()

    assert float(sample["value"][1]) == 3
    assert float(latency[0]["value"][1]) == 3
    assert health == [("up", "")]
