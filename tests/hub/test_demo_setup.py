"""``manage.py demo_setup`` (bin/prepare): the demo superuser and the rule that mails changes.

The demo app is not installed in the test settings, so the command runs in a subprocess with
the project settings on a SQLite database of its own.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULE = "Demo: every change to ADMINS"
LIST_RULES = (
    "from hub.models import EmailRule; "
    "print([(r.name, r.patterns, r.registries, r.recipients, r.digest_window) "
    "for r in EmailRule.objects.all()])"
)


def manage(database: Path, *args: str, **environ: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PREFHUB_"))}
    env.update(DATABASE_URL=f"sqlite:///{database}", DJANGO_SETTINGS_MODULE="config.settings")
    env.update(environ)
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    database = tmp_path_factory.mktemp("demo") / "migrated.sqlite3"
    manage(database, "migrate", "--noinput")
    return database


@pytest.fixture
def database(migrated, tmp_path) -> Path:
    copy = tmp_path / "db.sqlite3"
    shutil.copy(migrated, copy)
    return copy


def test_first_run_creates_the_superuser_and_a_rule_mailing_admins(database):
    done = manage(database, "demo_setup", DEMO_ADMIN_PASSWORD="given-pw-123", ADMINS="a@x.test")

    assert "Created the demo superuser: username 'admin' (password from" in done.stdout
    assert "given-pw-123" not in done.stdout, "bin/run's banner shows the password"
    assert f"Created the e-mail rule '{RULE}': changes are mailed to a@x.test" in done.stdout
    rules = manage(database, "shell", "--no-imports", "-c", LIST_RULES).stdout
    assert rules.strip() == f"[('{RULE}', [], [], [], 30)]"

    again = manage(database, "demo_setup", ADMINS="a@x.test")
    assert "Demo superuser 'admin' already exists." in again.stdout
    assert manage(database, "shell", "--no-imports", "-c", LIST_RULES).stdout == rules


def test_without_a_password_one_is_generated_and_printed_once(database):
    done = manage(database, "demo_setup", DEMO_ADMIN_PASSWORD="")

    assert "password '" in done.stdout and "shown once" in done.stdout


def test_without_admins_no_rule_and_the_command_says_how_to_add_one(database):
    done = manage(database, "demo_setup", ADMINS="")

    assert "ADMINS is empty: no demo e-mail rule." in done.stdout
    assert "Notification hub > E-mail rules" in done.stdout
    assert manage(database, "shell", "--no-imports", "-c", LIST_RULES).stdout.strip() == "[]"
