"""The "Hub status" page in Chromium after real deliveries: the chart shows the database's counts.

A webhook worker delivers real changes to two real receivers, one of which fails; then a
staff user opens the page from the admin index. The bars of the server-rendered SVG are
summed per outcome and compared with the attempts in the database. The screenshot is kept
as a test artefact (``PREFHUB_TEST_ARTEFACTS``, default ``/tmp``).
"""

import os
from collections import Counter
from pathlib import Path

import pytest
from django.db import transaction
from playwright.sync_api import expect

from hub.models import Attempt, Message
from preferences.registries import global_preferences_registry
from tests.support.browser import PASSWORD, log_in
from tests.support.polling import wait_until
from tests.support.receiver import Receiver, Reply
from tests.support.webhook_endpoints import add_endpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTEFACTS = Path(os.environ.get("PREFHUB_TEST_ARTEFACTS", "/tmp"))
SCREENSHOT = ARTEFACTS / "prefhub-hub-status.png"


def test_hub_status_chart_shows_the_deliveries_the_database_holds(
    page, live_server, django_user_model, webhook_worker
):
    with Receiver() as good, Receiver(default=Reply(status=500)) as bad:
        add_endpoint(good.url, description="good")
        failing, _ = add_endpoint(bad.url, description="bad")
        for value in (41, 42):
            with transaction.atomic():
                global_preferences_registry.manager()["user__max_users"] = value
        good.wait_for_requests(2, timeout=30)
        # The quick retry schedule gives each failing message three attempts, then "failed".
        wait_until(lambda: Message.objects.filter(endpoint=failing, status="failed").count() == 2,
                   timeout=30)  # fmt: skip
    in_db = Counter(Attempt.objects.exclude(status="sending").values_list("status", flat=True))
    assert in_db["success"] == 2 and in_db["failure"] == 6
    django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)

    log_in(page, live_server.url, "admin", "/admin/")
    page.get_by_role("link", name="Hub status").click()
    expect(page.locator("h1")).to_have_text("Hub status")
    chart = page.locator("svg.hub-chart")
    expect(chart).to_be_visible()

    bars = chart.locator("rect.bar")
    shown = Counter()
    for index in range(bars.count()):
        bar = bars.nth(index)
        shown[bar.get_attribute("data-outcome")] += int(bar.get_attribute("data-count"))
        assert float(bar.get_attribute("height")) > 0
    assert shown == in_db
    for outcome, total in in_db.items():
        expect(page.locator(f'#legend [data-outcome="{outcome}"]')).to_have_attribute(
            "data-total", str(total)
        )
    expect(page.locator(f'#endpoints tr[data-endpoint="{failing.pk}"]')).to_contain_text("messages")
    expect(page.locator("#latency-p50")).to_contain_text(" s")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
