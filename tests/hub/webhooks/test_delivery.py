"""The delivery service without a worker or network: the request goes to an injected ``send``.

Each test drives ``deliver_message`` directly and checks what it stored and reported: the
lease, the claim of a due try, manual against scheduled tries, and the retry schedule.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.kinds import EventKind
from hub.models import Attempt, Event, Message, WebhookEndpoint
from hub.webhooks.delivery import (
    BUSY_RETRY,
    SCHEDULED,
    Report,
    create_messages,
    deliver_message,
)
from hub.webhooks.outcomes import Outcome
from hub.webhooks.secrets import create_secret
from hub.webhooks.transport import DeliveryResult

MANUAL = Attempt.Trigger.MANUAL
SCHEDULE = (5, 7200)

pytestmark = pytest.mark.django_db


class Receiver:
    """A ``send`` that records each request and answers with the given results in turn."""

    def __init__(self, *results: DeliveryResult) -> None:
        self.results = list(results) or [answered(200)]
        self.requests: list[tuple[str, bytes, dict[str, str]]] = []
        self.rows_while_sending: list[list[tuple[int, str]]] = []

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> DeliveryResult:
        self.requests.append((url, body, headers))
        self.rows_while_sending.append(list(Attempt.objects.values_list("number", "status")))
        return self.results.pop(0) if len(self.results) > 1 else self.results[0]


def answered(status: int) -> DeliveryResult:
    outcome = Outcome.SUCCESS if 200 <= status < 300 else Outcome.FAILURE
    return DeliveryResult(outcome=outcome, status_code=status, response_body="", duration_ms=3)


@pytest.fixture
def message(settings):
    settings.HUB = {"WEBHOOK_RETRY_SCHEDULE": SCHEDULE}
    endpoint = WebhookEndpoint.objects.create(url="https://receiver.example/hook")
    create_secret(endpoint)
    event = Event.objects.create(kind=EventKind.PREFERENCE_PING)
    return Message.objects.create(
        event=event, endpoint=endpoint, next_attempt_at=timezone.now(), is_queued=True
    )


def deliver(message: Message, send: Receiver, trigger: str = SCHEDULED) -> Report:
    report = deliver_message(message.pk, trigger=trigger, task_id="task-1", send=send)
    message.refresh_from_db()
    return report


def test_a_due_scheduled_try_sends_once_signed_and_logs_the_attempt_first(message):
    send = Receiver()

    report = deliver(message, send)

    assert report == Report(outcome=Outcome.SUCCESS)
    ((url, body, headers),) = send.requests
    assert url == "https://receiver.example/hook"
    assert headers["webhook-id"] == message.pk
    assert headers["webhook-signature"].startswith("v1,")
    assert b'"preference.ping"' in body
    assert send.rows_while_sending == [[(1, Outcome.SENDING)]]
    attempt = message.attempts.get()
    assert (attempt.status, attempt.status_code, attempt.task_id) == (
        Outcome.SUCCESS, 200, "task-1",
    )  # fmt: skip
    assert (message.status, message.locked_until, message.next_attempt_at) == (
        Message.Status.SUCCEEDED, None, None,
    )  # fmt: skip
    assert (message.attempt_count, message.scheduled_attempts, message.is_queued) == (1, 1, False)


def test_a_scheduled_try_that_is_not_due_is_a_duplicate_and_sends_nothing(message):
    Message.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    send = Receiver()

    assert deliver(message, send) == Report(outcome=Outcome.SKIPPED)
    assert send.requests == []
    assert not Attempt.objects.exists()
    assert message.is_queued  # the task that is due later still carries it


def test_a_second_fanout_creates_no_message_and_a_new_endpoint_gets_one(message):
    change = Event.objects.create(
        registry="global", section="general", name="title", identifier="general__title"
    )
    (first,) = create_messages(change)
    assert create_messages(change) == []
    WebhookEndpoint.objects.create(url="https://late.example/hook")

    (created,) = create_messages(change)

    assert Message.objects.get(pk=first).endpoint == message.endpoint
    assert Message.objects.get(pk=created).endpoint.url == "https://late.example/hook"
    assert Message.objects.filter(event=change).count() == 2


def test_the_second_of_two_identical_scheduled_tries_sends_nothing(message):
    send = Receiver()
    deliver(message, send)

    assert deliver(message, send) == Report(outcome=Outcome.SKIPPED)
    assert len(send.requests) == 1


def test_a_held_lease_stops_a_scheduled_try_and_makes_a_manual_one_wait(message):
    Message.objects.filter(pk=message.pk).update(
        locked_until=timezone.now() + timedelta(seconds=30)
    )
    send = Receiver()

    assert deliver(message, send) == Report(outcome=Outcome.SKIPPED)
    assert deliver(message, send, MANUAL) == Report(
        outcome=Outcome.BUSY, requeue_in=BUSY_RETRY, trigger=MANUAL
    )
    assert send.requests == []


def test_an_expired_lease_is_taken_over_and_the_dead_try_marked_interrupted(message):
    # A try whose worker died: its row says "sending", its lease has run out.
    message.attempt_count = 1
    message.scheduled_attempts = 1
    message.locked_until = timezone.now() - timedelta(seconds=1)
    message.save()
    Attempt.objects.create(
        message=message, number=1, trigger=SCHEDULED, webhook_timestamp=1,
        started_at=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip
    send = Receiver()

    assert deliver(message, send).outcome == Outcome.SUCCESS
    assert send.rows_while_sending == [[(2, Outcome.SENDING), (1, Outcome.INTERRUPTED)]]
    assert message.status == Message.Status.SUCCEEDED


def test_a_manual_try_resends_a_finished_message_a_scheduled_one_does_not(message):
    send = Receiver()
    deliver(message, send)

    assert deliver(message, send, SCHEDULED).outcome == Outcome.SKIPPED
    report = deliver(message, send, MANUAL)

    assert report == Report(outcome=Outcome.SUCCESS)
    assert len(send.requests) == 2
    # The same webhook-id each time, so the receiver can tell it is a resend.
    assert {headers["webhook-id"] for _, _, headers in send.requests} == {message.pk}
    assert (message.attempt_count, message.scheduled_attempts) == (2, 1)
    assert list(message.attempts.order_by("number").values_list("trigger", flat=True)) == [
        SCHEDULED, MANUAL,
    ]  # fmt: skip


def test_a_failed_scheduled_try_is_retried_by_countdown_after_the_first_step(message):
    before = timezone.now()

    report = deliver(message, Receiver(answered(500)))

    assert report.outcome == Outcome.FAILURE
    assert 5 * 0.8 <= report.requeue_in <= 5 * 1.2
    assert message.status == Message.Status.PENDING
    assert message.is_queued and message.locked_until is None
    wait = (message.next_attempt_at - before).total_seconds()
    assert report.requeue_in - 0.5 <= wait <= report.requeue_in + 0.5
    assert message.attempts.get().next_attempt_at == message.next_attempt_at


def test_a_step_longer_than_a_countdown_may_be_is_left_to_the_sweeper(message, settings):
    deliver(message, Receiver(answered(500)))
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}  # 7200 s > 1800 s

    report = deliver(message, Receiver(answered(500)))

    assert report == Report(outcome=Outcome.FAILURE, requeue_in=None)
    assert message.status == Message.Status.PENDING
    assert not message.is_queued
    assert message.next_attempt_at > timezone.now() + timedelta(hours=1)


def test_the_message_fails_once_the_schedule_is_exhausted(message):
    send = Receiver(answered(500))
    for _ in SCHEDULE:
        deliver(message, send)
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())

    report = deliver(message, send)

    assert report == Report(outcome=Outcome.FAILURE)
    assert len(send.requests) == len(SCHEDULE) + 1
    assert (message.status, message.next_attempt_at, message.is_queued) == (
        Message.Status.FAILED, None, False,
    )  # fmt: skip


def test_a_failed_manual_try_is_one_shot_and_leaves_a_running_schedule_alone(message):
    deliver(message, Receiver(answered(500)))
    due = message.next_attempt_at
    Message.objects.filter(pk=message.pk).update(locked_until=None)

    report = deliver(message, Receiver(answered(503)), MANUAL)

    assert report == Report(outcome=Outcome.FAILURE)
    assert (message.status, message.next_attempt_at, message.scheduled_attempts) == (
        Message.Status.PENDING, due, 1,
    )  # fmt: skip


def test_a_failed_manual_resend_of_a_failed_message_stays_failed(message):
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.FAILED, next_attempt_at=None, is_queued=False
    )

    report = deliver(message, Receiver(answered(500)), MANUAL)

    assert report == Report(outcome=Outcome.FAILURE)
    assert message.status == Message.Status.FAILED
    assert message.scheduled_attempts == 0


def test_an_endpoint_without_a_secret_sends_nothing_and_logs_an_error(message):
    message.endpoint.secrets.all().delete()
    send = Receiver()

    report = deliver(message, send)

    assert report.outcome == Outcome.ERROR
    assert send.requests == []
    assert message.attempts.get().error_class == "MissingSecret"


def test_a_disabled_endpoint_gets_no_request_and_its_scheduled_message_fails(message):
    WebhookEndpoint.objects.filter(pk=message.endpoint_id).update(is_active=False)
    send = Receiver()

    assert deliver(message, send) == Report(outcome=Outcome.ENDPOINT_DISABLED)
    assert send.requests == []
    assert message.status == Message.Status.FAILED
    # The claim counted a try; one that sent nothing gives the count back.
    assert (message.attempt_count, message.scheduled_attempts) == (0, 0)
    assert message.locked_until is None
