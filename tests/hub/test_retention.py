"""Retention (``hub.retention``, ``manage.py hub prune``): real rows, a controlled clock."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_celery_results.models import TaskResult

from hub.celery_config import TASK_ROUTES, beat_schedule
from hub.models import (
    Attempt,
    DigestEntry,
    EmailDigest,
    EmailRule,
    Event,
    HandlerRun,
    Message,
    WebhookEndpoint,
)
from hub.retention import delete_in_batches, prune

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
OLD = NOW - 31 * DAY  # past the 30-day windows
RECENT = NOW - 29 * DAY


def event(occurred_at=OLD, dispatched=True, **fields) -> Event:
    return Event.objects.create(
        kind=fields.pop("kind", "preference.ping"),
        occurred_at=occurred_at,
        dispatched_at=occurred_at if dispatched else None,
        **fields,
    )


@pytest.fixture
def endpoint():
    return WebhookEndpoint.objects.create(url="https://example.com/hook")


def message(endpoint, created_at=OLD, status="succeeded", **fields) -> Message:
    row = Message.objects.create(event=event(), endpoint=endpoint, status=status, **fields)
    Message.objects.filter(pk=row.pk).update(created_at=created_at)
    Attempt.objects.create(message=row, number=1, trigger="scheduled", status="success",
                           webhook_timestamp=1, started_at=created_at)  # fmt: skip
    return row


def remaining(model) -> set:
    return set(model.objects.values_list("pk", flat=True))


def test_finished_messages_past_the_window_go_with_their_attempts(endpoint):
    gone = [message(endpoint), message(endpoint, status="failed")]
    kept = [
        message(endpoint, created_at=RECENT),
        message(endpoint, status="pending"),
        message(endpoint, status="failed", is_queued=True),
        message(endpoint, status="failed", next_attempt_at=NOW + DAY),
        message(endpoint, status="failed", last_attempt_at=RECENT),  # resent lately
    ]

    report = prune(now=NOW)

    assert report.counts["messages"] == 2
    assert remaining(Message) == {row.pk for row in kept}
    assert not Attempt.objects.filter(message_id__in=[row.pk for row in gone]).exists()
    assert Attempt.objects.count() == len(kept)


def test_finished_handler_runs_past_the_window_go_unfinished_ones_stay():
    def run(status, finished_at=OLD):
        return HandlerRun.objects.create(event=event(), handler=f"h.{status}.{finished_at}",
                                         status=status, finished_at=finished_at)  # fmt: skip

    run("succeeded"), run("failed")
    kept = {run("succeeded", RECENT).pk, run("pending", None).pk, run("retrying", OLD).pk,
            run("running", OLD).pk}  # fmt: skip

    assert prune(now=NOW).counts["handler runs"] == 2
    assert remaining(HandlerRun) == kept


def test_sent_digests_past_the_window_go_with_their_entries_open_ones_stay():
    rule = EmailRule.objects.create(name="all", recipients=["ops@example.com"])

    def digest(state, due_at=OLD, key="k"):
        row = EmailDigest.objects.create(recipients_key=f"{key}{state}{due_at}", state=state,
                                         opened_at=due_at, due_at=due_at,
                                         sent_at=due_at if state == "sent" else None)  # fmt: skip
        DigestEntry.objects.create(rule=rule, event=event(), recipients_key=row.recipients_key,
                                   digest=row)  # fmt: skip
        return row

    digest("sent"), digest("failed")
    kept = {digest("sent", RECENT).pk, digest("open").pk, digest("sending").pk}
    waiting = DigestEntry.objects.create(rule=rule, event=event(), recipients_key="w")

    assert prune(now=NOW).counts["e-mail digests"] == 2
    assert remaining(EmailDigest) == kept
    assert DigestEntry.objects.count() == 4
    assert DigestEntry.objects.filter(pk=waiting.pk).exists()


def test_task_results_older_than_celery_result_expires_go_unless_unfinished(settings):
    settings.CELERY_RESULT_EXPIRES = timedelta(days=7)

    def result(status, date_done):
        row = TaskResult.objects.create(task_id=f"{status}-{date_done}", status=status)
        TaskResult.objects.filter(pk=row.pk).update(date_done=date_done)
        return row

    result("SUCCESS", NOW - 8 * DAY), result("FAILURE", NOW - 8 * DAY)
    kept = {result("SUCCESS", NOW - 6 * DAY).pk, result("PENDING", NOW - 8 * DAY).pk,
            result("RETRY", NOW - 8 * DAY).pk, result("STARTED", NOW - 8 * DAY).pk}  # fmt: skip

    assert prune(now=NOW).counts["task results"] == 2
    assert remaining(TaskResult) == kept

    settings.CELERY_RESULT_EXPIRES = None
    assert "task results" not in prune(now=NOW + 365 * DAY).counts


def test_events_have_their_own_window_and_keep_unfinished_work(endpoint, settings):
    year_old = NOW - 366 * DAY
    gone = event(year_old)
    kept = {
        event(NOW - 364 * DAY).pk,
        event(year_old, dispatched=False).pk,
        Message.objects.create(event=event(year_old), endpoint=endpoint).event_id,  # pending
        HandlerRun.objects.create(event=event(year_old), handler="h", status="retrying").event_id,
    }
    assert prune(now=NOW, dry_run=True).counts["events"] == 1

    report = prune(now=NOW)

    assert report.counts["events"] == 1
    assert not Event.objects.filter(pk=gone.pk).exists()
    assert kept <= remaining(Event)

    settings.HUB = {"RETENTION_EVENTS": None}
    assert "events" not in prune(now=NOW + 3650 * DAY).counts
    assert kept <= remaining(Event)


def test_the_newest_event_of_a_key_stays_so_versions_continue(manager, settings):
    for value in (11, 12, 13):
        manager["user__max_users"] = value
    Event.objects.update(occurred_at=NOW - 400 * DAY, dispatched_at=NOW - 400 * DAY)

    prune(now=NOW)

    assert list(Event.objects.values_list("version", "new_value")) == [(3, "13")]
    manager["user__max_users"] = 14
    assert Event.objects.order_by("-version").first().version == 4


def test_dry_run_counts_and_deletes_nothing(endpoint):
    message(endpoint), message(endpoint)
    out = StringIO()

    call_command("hub", "prune", "--dry-run", stdout=out)

    assert "Would delete 2 messages." in out.getvalue()
    assert Message.objects.count() == 2


def test_command_prunes_and_reports(endpoint, settings):
    old = message(endpoint, created_at=datetime.now(UTC) - 40 * DAY)
    out = StringIO()

    call_command("hub", "prune", stdout=out)

    assert "Deleted 1 messages." in out.getvalue()
    assert not Message.objects.filter(pk=old.pk).exists()


@pytest.mark.parametrize(
    ("hub", "named"),
    [({"RETENTION_DELIVERIES": 0}, "RETENTION_DELIVERIES"),
     ({"RETENTION_EVENTS": "1y"}, "RETENTION_EVENTS"),
     ({"RETENTION_BATCH_SIZE": 0.5}, "RETENTION_BATCH_SIZE")],
)  # fmt: skip
def test_a_bad_window_is_refused_naming_it(settings, hub, named):
    settings.HUB = hub
    with pytest.raises(CommandError, match=named):
        call_command("hub", "prune")


def test_batches_are_bounded_transactions(endpoint):
    for _ in range(5):
        message(endpoint)
    old = Message.objects.filter(created_at__lt=NOW - 30 * DAY)

    with CaptureQueriesContext(connection) as queries:
        assert delete_in_batches(old, batch_size=2) == 5

    savepoints = [q for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 3  # 2 + 2 + 1 rows, one transaction each
    assert not Message.objects.exists()


def test_the_beat_task_runs_daily_on_its_own_queue():
    assert beat_schedule()["hub-retention-prune"]["task"] == "hub.retention.prune"
    assert TASK_ROUTES["hub.retention.*"] == {"queue": "retention"}
