"""One delivery vocabulary: transport, attempt log and task reports all speak ``Outcome``."""

import ast
from pathlib import Path

from hub.kinds import EventKind
from hub.models import Attempt
from hub.webhooks.outcomes import ATTEMPT_STATUSES, REPORTS, SENT, Outcome

ROOT = Path(__file__).resolve().parents[3]


def test_every_outcome_belongs_to_a_layer_and_what_is_sent_is_logged_and_reported():
    assert set(Outcome) == set(ATTEMPT_STATUSES) | set(REPORTS)
    assert set(SENT) <= set(ATTEMPT_STATUSES)
    assert set(SENT) <= set(REPORTS)
    # An attempt row's own states are never a task's report, and the reverse.
    assert set(ATTEMPT_STATUSES) & set(REPORTS) == set(SENT)


def test_the_attempt_log_takes_exactly_the_attempt_statuses():
    field = Attempt._meta.get_field("status")
    assert [value for value, _ in field.choices] == [s.value for s in ATTEMPT_STATUSES]
    assert field.default == Outcome.SENDING
    assert Attempt.Status is Outcome


def string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def python_modules(*packages: str) -> list[Path]:
    return [
        path
        for package in packages
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    ]


def test_outcomes_are_spelled_only_in_their_module():
    spelled = {
        path.relative_to(ROOT).as_posix(): string_constants(path) & set(Outcome.values)
        for path in python_modules("hub/webhooks", "tasks")
        if path.name != "outcomes.py"
    }
    assert {path: words for path, words in spelled.items() if words} == {}


def test_event_kinds_are_spelled_only_in_their_module():
    spelled = {
        path.relative_to(ROOT).as_posix(): string_constants(path) & set(EventKind.values)
        for path in python_modules("hub", "tasks", "config")
        if path.name != "kinds.py"
    }
    assert {path: words for path, words in spelled.items() if words} == {}
