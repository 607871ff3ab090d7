"""Digest grouping, de-duplication, brake and rendering (pure; spec hub.md F16, F17)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils.timezone import localtime

from hub.mail.digest import (
    BRAKE_TOP_KEYS,
    VALUE_PREVIEW_CHARS,
    Change,
    MailKind,
    is_brake_engaged,
    normalize_recipients,
    plan_mail,
    preview,
    recipients_key,
    render_plan,
)
from hub.redaction import PLACEHOLDER

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def change(n: int, identifier: str = "general__title", old: str = "a", new: str = "b", **kw):
    return Change(
        event_id=f"e{n:04d}",
        identifier=identifier,
        registry=kw.pop("registry", "global"),
        old_value=old,
        new_value=new,
        occurred_at=T0 + timedelta(seconds=n),
        **kw,
    )


def local(seconds: int) -> str:
    """How the mail shows ``T0 + seconds``: to the second, in the current time zone."""
    return localtime(T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S %z")


def render(plan, cooldown=3600):
    return render_plan(
        plan, opened_at=T0, closed_at=T0 + timedelta(minutes=5), prefix="[P] ", cooldown=cooldown
    )


def test_f16_recipient_lists_in_any_order_share_one_key():
    a = ["ops@example.com", " admin@example.com", "ops@example.com", ""]
    b = ["admin@example.com", "ops@example.com"]
    assert normalize_recipients(a) == ("admin@example.com", "ops@example.com")
    assert recipients_key(a) == recipients_key(b)
    assert recipients_key(a) != recipients_key(["ops@example.com"])
    assert "@" not in recipients_key(a) and len(recipients_key(a)) == 64


def test_f16_identical_changes_collapse_into_one_line_with_a_count():
    changes = [change(1), change(2, new="c"), change(3), change(4, registry="user", owner="u1")]
    plan = plan_mail(changes, threshold=10, brake_engaged=False)
    assert plan.kind == MailKind.DIGEST
    assert [(ln.change.event_id, ln.count) for ln in plan.lines] == [
        ("e0001", 2),
        ("e0002", 1),
        ("e0004", 1),
    ]
    assert plan.lines[0].last_at == T0 + timedelta(seconds=3)


def test_f16_one_event_through_two_rules_counts_once():
    plan = plan_mail([change(1), change(1)], threshold=10, brake_engaged=False)
    assert [(ln.change.event_id, ln.count) for ln in plan.lines] == [("e0001", 1)]


def test_f16_lines_follow_time_of_first_occurrence():
    changes = [change(5, "b__x"), change(1, "a__y"), change(3, "c__z")]
    plan = plan_mail(changes, threshold=10, brake_engaged=False)
    assert [ln.change.identifier for ln in plan.lines] == ["a__y", "c__z", "b__x"]


def test_f16_threshold_is_inclusive_and_counts_distinct_changes():
    at_limit = [change(n, f"s__k{n}") for n in range(5)] + [change(9, "s__k0")]
    assert plan_mail(at_limit, threshold=5, brake_engaged=False).kind == MailKind.DIGEST
    over = [change(n, f"s__k{n}") for n in range(6)]
    plan = plan_mail(over, threshold=5, brake_engaged=False)
    assert plan.kind == MailKind.BRAKE
    assert plan.suppressed == 6


def test_f16_brake_counts_every_change_and_ranks_keys():
    changes = [change(n, "hot__key", new=str(n)) for n in range(30)]
    changes += [change(100 + n, f"cold__k{n:02d}") for n in range(25)]
    plan = plan_mail(changes, threshold=10, brake_engaged=False)
    assert plan.kind == MailKind.BRAKE
    assert plan.suppressed == 55
    assert plan.top_keys[0] == ("hot__key", 30)
    assert len(plan.top_keys) == BRAKE_TOP_KEYS
    assert plan.key_count == 26


def test_f16_engaged_brake_silences_any_window():
    plan = plan_mail([change(1)], threshold=10, brake_engaged=True)
    assert plan.kind == MailKind.SILENT and plan.suppressed == 1


def test_f16_no_changes_plan_nothing():
    assert plan_mail([], threshold=10, brake_engaged=False).kind == MailKind.EMPTY


def test_f16_brake_stays_engaged_for_the_cooldown_only():
    now = T0 + timedelta(seconds=100)
    assert not is_brake_engaged(None, now=now, cooldown=3600)
    assert is_brake_engaged(T0, now=now, cooldown=101)
    assert not is_brake_engaged(T0, now=now, cooldown=100)


def test_f16_digest_mail_lists_every_key_with_old_and_new_values():
    changes = [
        change(1, "general__title", "Old", "New", actor="alice"),
        change(2, "misc__colour", "red", "blue", registry="user", owner="user 7", actor="bob"),
        change(3, "general__title", "Old", "New"),
    ]
    mail = render(plan_mail(changes, threshold=10, brake_engaged=False))
    assert mail.subject == "[P] 2 preference changes: general__title, misc__colour"
    assert f"* general__title (global): Old → New\n  2 times, last {local(3)}\n" in mail.body
    assert f"* misc__colour (user, user 7): red → blue\n  at {local(2)} by bob\n" in mail.body
    assert f"between {local(0)} and {local(300)}" in mail.body


def test_f16_subject_names_three_keys_then_ellipsis():
    changes = [change(n, f"s__k{n}") for n in range(5)]
    mail = render(plan_mail(changes, threshold=10, brake_engaged=False))
    assert mail.subject == "[P] 5 preference changes: s__k0, s__k1, s__k2, …"
    assert "\n" not in mail.subject


def test_f16_subject_names_each_key_once():
    changes = [change(n, "a__x", new=str(n)) for n in range(4)] + [change(9, "b__y")]
    mail = render(plan_mail(changes, threshold=10, brake_engaged=False))
    assert mail.subject == "[P] 5 preference changes: a__x, b__y"


def test_f16_values_are_not_html_escaped_and_stay_on_one_line():
    mail = render(
        plan_mail(
            [change(1, old="<b>&</b>", new="line1\nline2")], threshold=10, brake_engaged=False
        )
    )
    assert "<b>&</b> → line1\\nline2" in mail.body


def test_f16_long_values_are_cut():
    long_value = "x" * (VALUE_PREVIEW_CHARS + 50)
    assert preview(long_value) == "x" * VALUE_PREVIEW_CHARS + "…"
    assert preview(None) == "(none)"
    mail = render(plan_mail([change(1, new=long_value)], threshold=10, brake_engaged=False))
    assert long_value not in mail.body


def test_f16_brake_mail_says_how_many_changes_were_suppressed_without_values():
    changes = [change(n, f"s__k{n:02d}", old="secret-old", new=f"v{n}") for n in range(25)]
    mail = render(plan_mail(changes, threshold=10, brake_engaged=False), cooldown=1800)
    assert mail.subject == "[P] 25 preference changes suppressed (emergency brake)"
    assert "no further preference mail for 30 minutes" in mail.body
    assert "* s__k00: 1" in mail.body
    assert "… and 5 more." in mail.body
    assert "secret-old" not in mail.body and "v3" not in mail.body


@pytest.mark.parametrize("kind", [MailKind.SILENT, MailKind.EMPTY])
def test_f16_silent_and_empty_plans_render_nothing(kind):
    plan = plan_mail(
        [change(1)] if kind == MailKind.SILENT else [], threshold=1, brake_engaged=True
    )
    assert plan.kind == kind
    with pytest.raises(ValueError, match="sends no mail"):
        render(plan)


def test_f17_redacted_values_reach_the_mail_only_as_the_placeholder():
    # Event rows hold the placeholder for sensitive preferences; the digest shows it as is.
    changes = [change(1, "api__token", PLACEHOLDER, PLACEHOLDER)]
    mail = render(plan_mail(changes, threshold=10, brake_engaged=False))
    assert f"api__token (global): {PLACEHOLDER} → {PLACEHOLDER}" in mail.body
