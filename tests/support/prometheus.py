"""A real Prometheus server scraping one target, for the ``/metrics`` test.

It runs the ``prometheus`` binary (Debian's package; ``bin/test`` installs it) with a
temporary configuration and data directory, on a free loopback port, scraping every
second with a bearer token; ``query`` asks its HTTP API for an instant vector.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from tests.support.ports import HOST, free_port

START_TIMEOUT = 20


class PrometheusServer:
    def __init__(self, target: str, *, token: str, path: str = "/metrics") -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="prefhub-prometheus-"))
        config = (
            "global: {scrape_interval: 1s, scrape_timeout: 1s}\n"
            "scrape_configs:\n"
            "  - job_name: prefhub\n"
            f"    metrics_path: {path}\n"
            f"    authorization: {{type: Bearer, credentials: {token}}}\n"
            f"    static_configs: [{{targets: ['{target}']}}]\n"
        )
        (self.directory / "prometheus.yml").write_text(config)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> PrometheusServer:
        binary = shutil.which("prometheus")
        if binary is None:
            raise RuntimeError("prometheus is not installed (bin/test installs Debian's).")
        self.process = subprocess.Popen(
            [binary, f"--config.file={self.directory / 'prometheus.yml'}",
             f"--storage.tsdb.path={self.directory / 'data'}",
             f"--web.listen-address={HOST}:{self.port}"],
            stdout=subprocess.DEVNULL, stderr=(self.directory / "log").open("wb"),
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/-/ready", timeout=1).close()
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"Prometheus did not start: {(self.directory / 'log').read_text()}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)

    def query(self, expression: str) -> list[dict]:
        """The result of an instant query: ``[{"metric": {...}, "value": [t, "v"]}, ...]``."""
        url = f"{self.url}/api/v1/query?{urllib.parse.urlencode({'query': expression})}"
        with urllib.request.urlopen(url, timeout=5) as response:
            answer = json.load(response)
        assert answer["status"] == "success", answer
        return answer["data"]["result"]

    def target_health(self) -> list[tuple[str, str]]:
        with urllib.request.urlopen(f"{self.url}/api/v1/targets", timeout=5) as response:
            targets = json.load(response)["data"]["activeTargets"]
        return [(target["health"], target.get("lastError", "")) for target in targets]
