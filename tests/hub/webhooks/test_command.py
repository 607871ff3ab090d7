"""``manage.py webhooks`` (hub/management/commands/webhooks.py): add, list, remove, rotate,
test, recover, with the admin form's validation and secrets printed once (F4, F8, F10)."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from hub.models import Event, WebhookEndpoint
from hub.webhooks.secrets import valid_secrets

pytestmark = pytest.mark.django_db
SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")


def run(*args: str) -> str:
    out = StringIO()
    call_command("webhooks", *args, stdout=out)
    return out.getvalue()


def add(*args: str) -> tuple[WebhookEndpoint, str]:
    output = run("add", *args)
    return WebhookEndpoint.objects.latest("created_at"), SECRET.search(output).group(0)


def test_f10_add_with_filters_and_headers_prints_secret_once():
    endpoint, secret = add(
        "https://example.com/hook", "--description", "CRM", "--pattern", "general__*",
        "--pattern", "user__*", "--registry", "global", "--header", "Authorization: Bearer t",
        "--payload-mode", "ids", "--rate-limit", "2.5", "--event-type", "preference.updated",
    )  # fmt: skip
    assert endpoint.patterns == ["general__*", "user__*"]
    assert endpoint.registries == ["global"]
    assert endpoint.headers == {"Authorization": "Bearer t"}
    assert (endpoint.payload_mode, endpoint.rate_limit) == ("ids", 2.5)
    assert endpoint.event_types == ["preference.updated"]
    assert valid_secrets(endpoint) == [secret]
    listing = run("list")
    assert str(endpoint.pk) in listing and "https://example.com/hook" in listing
    assert "whsec_" not in listing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["http://169.254.169.254/latest"], "url:"),
        (["https://example.com/hook", "--header", "Host: evil"], "headers:"),
        (["https://example.com/hook", "--header", "no-colon"], "NAME:VALUE"),
    ],
)
def test_s7_add_refuses_bad_input_and_creates_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        run("add", *args)
    assert not WebhookEndpoint.objects.exists()


def test_f4_rotate_prints_new_secret_and_keeps_old_in_grace():
    endpoint, old = add("https://example.com/hook")
    new = SECRET.search(run("rotate", str(endpoint.pk), "--grace", "60")).group(0)
    assert valid_secrets(endpoint) == [new, old]


def test_f10_test_records_ping_for_that_endpoint():
    endpoint, _ = add("https://example.com/hook")
    assert "Test event sent" in run("test", str(endpoint.pk))
    (ping,) = Event.objects.filter(kind="preference.ping")
    assert ping.data == {"endpoint_id": str(endpoint.pk)}


def test_f8_recover_validates_since():
    endpoint, _ = add("https://example.com/hook")
    with pytest.raises(CommandError, match="14 days"):
        run("recover", str(endpoint.pk), "--since", "2000-01-01T00:00:00+00:00")
    with pytest.raises(CommandError, match="not an ISO 8601"):
        run("recover", str(endpoint.pk), "--since", "yesterday")
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    assert "Recovering failed messages" in run("recover", str(endpoint.pk), "--since", since)


def test_f10_remove_and_unknown_id():
    endpoint, _ = add("https://example.com/hook")
    run("remove", str(endpoint.pk))
    assert not WebhookEndpoint.objects.exists()
    with pytest.raises(CommandError, match="No webhook endpoint"):
        run("remove", str(endpoint.pk))
    with pytest.raises(CommandError, match="No webhook endpoint"):
        run("test", "not-a-uuid")
