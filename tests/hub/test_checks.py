"""System checks of the Celery set-up: one stable warning id per misconfiguration (S10)."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.management import call_command

from hub.checks import longest_countdown

ROOT = Path(__file__).resolve().parents[2]


def _hub_ids() -> list[str]:
    return sorted(message.id for message in run_checks(tags=["hub"]))


def test_s10_project_settings_pass_the_hub_checks():
    assert _hub_ids() == []


def test_s10_w001_eager_mode(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    (message,) = run_checks(tags=["hub"])

    assert message.id == "hub.W001"
    assert "celery -A celery_app worker" in message.hint


@pytest.mark.parametrize("schedule", [{}, {"other": {"task": "hub.webhooks.sweep_due"}}])
def test_s10_w002_no_outbox_sweep_in_beat(settings, schedule):
    settings.CELERY_BEAT_SCHEDULE = schedule

    assert _hub_ids() == ["hub.W002"]


def test_s10_w003_visibility_timeout_shorter_than_a_countdown(settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60}
    (message,) = run_checks(tags=["hub"])

    countdown, source = longest_countdown()
    assert message.id == "hub.W003"
    assert f"timeout (60 s) is shorter than the longest countdown ({countdown:g} s, {source})" in (
        message.msg
    )


def test_s10_w003_counts_handler_retry_caps(monkeypatch):
    import hub
    from hub import handlers

    monkeypatch.setattr(handlers, "_handlers", dict(handlers._handlers))  # this test only

    @hub.handler("hubcheck__*", retry_backoff_max=5000)
    def slow_to_retry(event):
        pass

    name = f"hub.handlers.{__name__}.{slow_to_retry.__qualname__}"
    assert longest_countdown() == (5000.0, f"{name} retries")
    assert _hub_ids() == ["hub.W003"]  # 5000 s > the 3600 s visibility timeout


@pytest.mark.parametrize("credential", ["", " ", "admin:prefhub", "ops:s3cret, admin:prefhub"])
def test_s10_w004_flower_without_authentication_or_with_the_published_default(settings, credential):
    settings.FLOWER_BASIC_AUTH = credential

    assert _hub_ids() == ["hub.W004"]


def test_s10_w004_quiet_with_a_credential_of_ones_own(settings):
    settings.FLOWER_BASIC_AUTH = "ops:correct-horse-battery"

    assert _hub_ids() == []


def test_s10_w004_fires_when_the_environment_sets_no_flower_credential():
    """The project settings read FLOWER_BASIC_AUTH with no default that would hide it."""
    env = {key: value for key, value in os.environ.items() if key != "FLOWER_BASIC_AUTH"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    checked = subprocess.run(
        [sys.executable, "manage.py", "check", "--tag", "hub"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip

    assert "hub.W004" in checked.stderr + checked.stdout
    assert "FLOWER_BASIC_AUTH is empty" in checked.stderr + checked.stdout


@pytest.mark.django_db
def test_s10_manage_py_check_reports_each_id(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_BEAT_SCHEDULE = {}
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 1}
    settings.FLOWER_BASIC_AUTH = ""
    out, err = StringIO(), StringIO()

    call_command("check", stdout=out, stderr=err)

    report = out.getvalue() + err.getvalue()
    assert all(f"hub.W00{n}" in report for n in range(1, 5)), report


def test_s10_e001_connect_guard_refuses_an_httpx_that_moved_its_pool(monkeypatch):
    import httpx

    from hub.webhooks.connect_guard import GuardedTransport, GuardUnavailable

    original = httpx.HTTPTransport.__init__

    def renamed_pool(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self._connection_pool = self.__dict__.pop("_pool")

    monkeypatch.setattr(httpx.HTTPTransport, "__init__", renamed_pool)

    with pytest.raises(GuardUnavailable, match="connect-time outbound guard"):
        GuardedTransport(limits=httpx.Limits())
    assert _hub_ids() == ["hub.E001"]
