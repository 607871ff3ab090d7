"""Prefhub as a package: its wheel installs into a foreign Django project and works there.

The project (tests/fixtures/foreign_project) has its own settings module and its own Celery
app. The test builds the wheel, installs it into a fresh virtual environment with the
locked versions of its dependencies, migrates, adds an endpoint with ``manage.py webhooks``
and changes a preference: the project's own worker delivers a signed webhook to a real
receiver. Nothing of this repository is on that environment's path but the wheel.
"""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from standardwebhooks import Webhook

from tests.support.receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "foreign_project"
DELIVERY_TIMEOUT = 90  # worker start-up on a loaded 2-core machine, then one delivery


def uv(*args: str, cwd: Path = ROOT) -> str:
    command = [str(Path(sys.executable).with_name("uv")), *args]
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    uv("build", "--wheel", "--out-dir", str(out))
    (built,) = out.glob("prefhub-*.whl")
    return built


@pytest.fixture(scope="module")
def site(wheel, tmp_path_factory) -> Path:
    """The foreign project beside a virtual environment holding only the wheel and its deps."""
    home = tmp_path_factory.mktemp("foreign")
    shutil.copytree(FIXTURE, home / "project")
    constraints = home / "constraints.txt"
    uv("export", "--frozen", "--no-hashes", "--no-emit-project", "--all-groups",
       "-o", str(constraints))  # fmt: skip
    uv("venv", "--python", sys.executable, str(home / "venv"))
    python = home / "venv" / "bin" / "python"
    uv("pip", "install", "--python", str(python), "-c", str(constraints), str(wheel))
    return home


def test_the_wheel_holds_the_three_apps_with_their_templates_and_migrations(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.startswith("prefhub-")}

    assert tops == {"preferences", "hub", "tasks"}
    assert "hub/migrations/0001_initial.py" in names
    assert "preferences/migrations/0001_initial.py" in names
    assert any(name.startswith("hub/templates/") for name in names)
    assert not any(name.startswith(("config/", "tests/")) for name in names)


def test_a_foreign_project_receives_a_signed_webhook_from_its_own_worker(site):
    project, bin_dir = site / "project", site / "venv" / "bin"
    prefix = f"{os.environ['PREFHUB_TEST_NAMESPACE']}-foreign:"
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "HOME": str(site),
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "SHOP_DATABASE": str(site / "shop.sqlite3"),
        "SHOP_REDIS_URL": settings.TEST_REDIS_URL,
        "SHOP_PREFIX": prefix,
    }

    def manage(*args: str) -> str:
        done = subprocess.run(
            [str(bin_dir / "python"), "manage.py", *args],
            cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    manage("migrate", "--noinput")
    with Receiver() as receiver:
        added = manage("webhooks", "add", receiver.url)
        secret = added.split("Secret (shown once): ")[1].split()[0]
        worker = subprocess.Popen(
            [str(bin_dir / "celery"), "-A", "shop", "worker", "--concurrency", "1",
             "--without-mingle", "--without-gossip", "--loglevel", "WARNING"],
            cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            manage(
                "shell", "-c",
                "from preferences.registries import global_preferences_registry as r; "
                "r.manager()['catalog__banner'] = 'Spring sale'",
            )  # fmt: skip
            (request,) = receiver.wait_for_requests(1, timeout=DELIVERY_TIMEOUT)
        finally:
            worker.terminate()
            _, errors = worker.communicate(timeout=30)

    payload = Webhook(secret).verify(request.body, dict(request.headers))
    assert payload["type"] == "preference.updated", errors
    assert payload["data"]["identifier"] == "catalog__banner"
    assert payload["data"]["new_value"] == "Spring sale"
