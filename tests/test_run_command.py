"""The first command of the README and the quick start, tried as a new user would (issue 4
"done when").

``bin/run`` is started for real on free ports with its own SQLite database, Redis
database and state directory: it generates the demo and Flower credentials and shows them in
its banner, the site and admin answer, an admin change reaches the cached fragment, the demo
handler, Flower and (readable) the demo e-mail rule's mail, and Ctrl-C stops every process
it started.
"""

import os
import re
import signal
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from tests.support.broker import RedisServer
from tests.support.polling import wait_until
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
PROCESSES = ("web", "worker", "beat", "flower")
# Not the development database (0) nor the test suite's (15).


def procfile_entries() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_procfile_runs_web_worker_beat_and_flower():
    assert tuple(procfile_entries()) == PROCESSES


def test_compose_runs_each_procfile_entry_as_a_service():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in PROCESSES:
        assert services[name]["command"] == f".venv/bin/honcho start -f Procfile {name}"
    assert {"redis", "postgres", "prepare"} <= set(services)
    assert services["prepare"]["command"] == "bin/prepare"


def compose_config(*, quiet: bool = True, **environ: str) -> subprocess.CompletedProcess:
    """``docker-compose config``: the file as compose resolves it (``-q``: only check it)."""
    env = {k: v for k, v in os.environ.items() if k != "FLOWER_BASIC_AUTH"} | environ
    command = ["docker-compose", "config", *(["-q"] if quiet else [])]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


def test_compose_file_parses():
    checked = compose_config(FLOWER_BASIC_AUTH="ops:a-password-of-ones-own")
    assert checked.returncode == 0, checked.stderr


def test_compose_refuses_to_start_without_a_flower_credential():
    checked = compose_config()
    assert checked.returncode != 0
    assert "set FLOWER_BASIC_AUTH=user:password" in checked.stderr


def test_compose_restarts_every_long_running_hub_service_but_not_the_one_shot():
    services = yaml.safe_load(compose_config(quiet=False, FLOWER_BASIC_AUTH="ops:pw").stdout)
    for name in ("web", "worker", "beat", "flower"):
        assert services["services"][name]["restart"] == "unless-stopped", name
    assert services["services"]["prepare"]["restart"] == "no"


def test_compose_has_no_default_flower_credential():
    environment = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["x-hub"]["environment"]
    assert environment["FLOWER_BASIC_AUTH"].startswith("${FLOWER_BASIC_AUTH:?")


@pytest.fixture
def private_redis():
    """A Redis of this test's own: test runs sharing the host's Redis never see its keys."""
    with RedisServer() as server:
        yield server


@pytest.fixture
def running_hub(tmp_path, private_redis):
    web_port, flower_port = free_port(), free_port()
    inherited = ("PREFHUB_", "DJANGO_", "FLOWER_BASIC_AUTH", "ADMINS", "EMAIL_URL")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(inherited)},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": private_redis.url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "RUN_STATE_DIR": str(tmp_path / "state"),
        "WEB_BIND": f"127.0.0.1:{web_port}",
        "FLOWER_PORT": str(flower_port),
        "DEMO_ADMIN_PASSWORD": "",
    }
    log_path = tmp_path / "run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["bin/run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    hub = RunningHub(process, log_path, f"http://127.0.0.1:{web_port}",
                     f"http://127.0.0.1:{flower_port}")  # fmt: skip
    try:
        wait_until(hub.is_up, timeout=90, interval=0.5)
        yield hub
    finally:
        hub.interrupt()


class RunningHub:
    def __init__(self, process: subprocess.Popen, log_path: Path, web: str, flower: str):
        self.process, self.log_path, self.web, self.flower = process, log_path, web, flower

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def is_up(self) -> bool:
        assert self.process.poll() is None, f"bin/run exited:\n{self.log()}"
        if "Prefhub is starting" not in self.log():
            return False
        try:
            web = httpx.get(self.web + "/", timeout=2)
            flower = httpx.get(
                self.flower + "/api/workers?refresh=1", auth=self.flower_auth(), timeout=5
            )
        except httpx.TransportError:
            return False
        return web.status_code == 200 and flower.status_code == 200 and flower.json() != {}

    def banner(self) -> str:
        log = self.log()
        return log[log.index("Prefhub is starting") : log.index("Press Ctrl-C")]

    def admin_password(self) -> str:
        return re.search(r"\(user admin, password (\S+)\)", self.banner()).group(1)

    def flower_auth(self) -> tuple[str, str]:
        user, password = re.search(r"\(user:password (\S+)\)", self.banner()).group(1).split(":")
        return user, password

    def interrupt(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                raise


def admin_client(hub: RunningHub) -> httpx.Client:
    client = httpx.Client(base_url=hub.web, timeout=10)
    login = client.get("/admin/login/")
    client.post(
        "/admin/login/?next=/admin/",
        data={
            "csrfmiddlewaretoken": csrf_token(login.text),
            "username": "admin",
            "password": hub.admin_password(),
        },
    )
    assert client.get("/admin/").status_code == 200, "the printed credentials log in"
    return client


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def change_site_title(client: httpx.Client, title: str) -> None:
    listing = client.get("/admin/preferences/globalpreferencemodel/", params={"q": "title"})
    row_id = re.search(
        r'href="/admin/preferences/globalpreferencemodel/(\d+)/change/', listing.text
    )
    change_url = f"/admin/preferences/globalpreferencemodel/{row_id.group(1)}/change/"
    form = client.get(change_url)
    saved = client.post(
        change_url, data={"csrfmiddlewaretoken": csrf_token(form.text), "raw_value": title}
    )
    assert saved.status_code == 302, saved.text


def check_banner(hub: RunningHub, tmp_path: Path) -> None:
    """The generated credentials, stored and shown in the banner with every URL."""
    banner = hub.banner()
    stored = (tmp_path / "state" / "credentials").read_text()
    password, (flower_user, flower_password) = hub.admin_password(), hub.flower_auth()

    assert f"DEMO_ADMIN_PASSWORD={password}\n" in stored
    assert f"FLOWER_BASIC_AUTH={flower_user}:{flower_password}\n" in stored
    assert (tmp_path / "state" / "credentials").stat().st_mode & 0o077 == 0
    assert len(flower_password) >= 16 and "prefhub" not in flower_password
    assert "manage.py changepassword admin" in banner
    assert f"preferences  {hub.web}/preferences/global/" in banner
    assert httpx.get(hub.web + "/preferences/global/", timeout=5).status_code in (200, 302)
    # The password is shown in the banner, not in the middle of the migration output.
    assert hub.log().count(password) == 1
    assert "Created the demo superuser: username 'admin' (password from" in hub.log()
    assert "Created the e-mail rule 'Demo: every change to ADMINS'" in hub.log()
    assert httpx.get(hub.flower + "/", auth=("admin", "prefhub"), timeout=5).status_code == 401


def test_bin_run_serves_the_hub_and_delivers_an_admin_change(running_hub, tmp_path):
    hub = running_hub
    check_banner(hub, tmp_path)
    assert httpx.get(hub.flower + "/api/workers", timeout=5).status_code == 401

    def flower_task_names() -> set[str]:
        tasks = httpx.get(hub.flower + "/api/tasks", auth=hub.flower_auth(), timeout=5).json()
        return {task["name"] for task in tasks.values()}

    # Workers send task events only once Flower has turned them on (when it connects, and
    # every 5 s after); a beat sweeper's run in its list shows they are on.
    wait_until(lambda: bool(flower_task_names()), timeout=45, interval=1)

    client = admin_client(hub)
    home = client.get("/").text
    assert "<h1>Prefhub demo</h1>" in home, "the cached header shows the default title"

    change_site_title(client, "Renamed at run time")

    def home_shows_the_change() -> bool:
        page = client.get("/").text
        handled = '<p id="last-handled"><code>general__title</code> → <code>Renamed at run time'
        return "<h1>Renamed at run time</h1>" in page and handled in page

    wait_until(home_shows_the_change, timeout=20, interval=0.5)
    anonymous = httpx.get(hub.web + "/", timeout=5).text
    assert 'id="events-hidden"' in anonymous, "events carry values: staff only"
    assert 'id="last-handled"' not in anonymous and "<td>Renamed at run time" not in anonymous

    wait_until(lambda: "hub.fanout.expand" in flower_task_names(), timeout=20, interval=0.5)

    # The demo rule mails ADMINS once its 30 s window closes; the console backend prints
    # the mail readable in the worker log.
    mailed = "* general__title (global): Prefhub demo → Renamed at run time"
    wait_until(lambda: mailed in hub.log(), timeout=60, interval=1)
    assert "=E2=86=92" not in hub.log()


def test_ctrl_c_stops_every_process(running_hub):
    running_hub.interrupt()
    assert running_hub.process.returncode is not None
    with pytest.raises(httpx.TransportError):
        httpx.get(running_hub.web + "/", timeout=2)
    with pytest.raises(httpx.TransportError):
        httpx.get(running_hub.flower + "/", timeout=2)
