"""``manage.py webhooks add|list|remove|rotate|test|recover``: endpoints from a shell (F10).

Input goes through the same form as the admin (``hub.webhooks.forms.WebhookEndpointForm``), so a
refused URL or header gets the same message here; secrets are printed once, by ``add``
and ``rotate``, and never by ``list``.
"""

import json
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from hub.models import WebhookEndpoint
from hub.webhooks import replay
from hub.webhooks.forms import WebhookEndpointForm
from hub.webhooks.secrets import create_secret, rotate_secret
from hub.webhooks.transport import sanitize_url


class Command(BaseCommand):
    help = "Manage webhook endpoints: add, list, remove, rotate, test, recover."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        add = commands.add_parser("add", help="Add an endpoint and print its secret once.")
        add.add_argument("url")
        add.add_argument("--description", default="")
        add.add_argument("--event-type", action="append", default=[], dest="event_types")
        add.add_argument("--pattern", action="append", default=[], dest="patterns",
                         help='Glob over "section__name"; repeat for several.')  # fmt: skip
        add.add_argument("--registry", action="append", default=[], dest="registries")
        add.add_argument("--header", action="append", default=[], dest="headers",
                         metavar="NAME:VALUE")  # fmt: skip
        add.add_argument("--payload-mode", choices=["full", "ids"], default="full")
        add.add_argument("--rate-limit", type=float, help="Requests per second.")
        add.add_argument("--receive-sensitive", action="store_true")
        commands.add_parser("list", help="List endpoints (never their secrets).")
        for name, text in [("remove", "Delete an endpoint and its log."),
                           ("test", "Send a preference.ping test event.")]:  # fmt: skip
            commands.add_parser(name, help=text).add_argument("endpoint_id")
        rotate = commands.add_parser("rotate", help="Rotate the secret; print the new one once.")
        rotate.add_argument("endpoint_id")
        rotate.add_argument("--grace", type=int, help="Seconds the old secret keeps signing.")
        recover = commands.add_parser("recover", help="Resend failed messages since a time.")
        recover.add_argument("endpoint_id")
        recover.add_argument("--since", required=True, help="ISO 8601, e.g. 2025-01-31T12:00Z.")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"handle_{action}")(**options)

    def handle_add(self, *, url: str, headers: list[str], **options) -> None:
        data = {
            "url": url,
            "description": options["description"],
            "event_types": options["event_types"],
            "patterns": "\n".join(options["patterns"]),
            "registries": "\n".join(options["registries"]),
            "headers": json.dumps(parse_headers(headers)),
            "payload_mode": options["payload_mode"],
            "rate_limit": options["rate_limit"] or "",
            "receive_sensitive": options["receive_sensitive"],
        }
        form = WebhookEndpointForm(data)
        if not form.is_valid():
            raise CommandError(form_errors(form))
        with transaction.atomic():
            endpoint = form.save()
            secret = create_secret(endpoint)
        self.stdout.write(f"Created endpoint {endpoint.pk} for {sanitize_url(endpoint.url)}")
        self.stdout.write(f"Secret (shown once): {secret}")

    def handle_list(self, **options) -> None:
        for endpoint in WebhookEndpoint.objects.all():
            state = "active" if endpoint.is_active else f"disabled ({endpoint.disabled_reason})"
            filters = ",".join(endpoint.patterns) or "*"
            self.stdout.write(
                f"{endpoint.pk}  {sanitize_url(endpoint.url)}  {state}  "
                f"patterns={filters}  mode={endpoint.payload_mode}  {endpoint.description}"
            )

    def handle_remove(self, *, endpoint_id: str, **options) -> None:
        endpoint = get_endpoint(endpoint_id)
        endpoint.delete()
        self.stdout.write(f"Removed endpoint {endpoint_id}")

    def handle_rotate(self, *, endpoint_id: str, grace: int | None, **options) -> None:
        if grace is not None and grace < 0:
            raise CommandError("--grace must be 0 or more seconds.")
        delta = None if grace is None else timedelta(seconds=grace)
        secret = rotate_secret(get_endpoint(endpoint_id), grace=delta)
        self.stdout.write(f"New secret (shown once): {secret}")

    def handle_test(self, *, endpoint_id: str, **options) -> None:
        call_service(replay.send_test_event, get_endpoint(endpoint_id))
        self.stdout.write(f"Test event sent to {endpoint_id}")

    def handle_recover(self, *, endpoint_id: str, since: str, **options) -> None:
        endpoint = get_endpoint(endpoint_id)
        moment = call_service(replay.recover_messages, endpoint, since=parse_since(since))
        self.stdout.write(f"Recovering failed messages of {endpoint_id} since {moment.isoformat()}")


def get_endpoint(endpoint_id: str) -> WebhookEndpoint:
    try:
        return WebhookEndpoint.objects.get(pk=endpoint_id)
    except (WebhookEndpoint.DoesNotExist, ValidationError):
        raise CommandError(f"No webhook endpoint with id {endpoint_id!r}.") from None


def parse_headers(values: list[str]) -> dict[str, str]:
    headers = {}
    for value in values:
        name, separator, content = value.partition(":")
        if not separator:
            raise CommandError(f"--header {name!r}: write it as NAME:VALUE.")
        headers[name.strip()] = content.strip()
    return headers


def parse_since(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since {value!r} is not an ISO 8601 time.") from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def call_service(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from None


def form_errors(form: WebhookEndpointForm) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in form.errors.items())
