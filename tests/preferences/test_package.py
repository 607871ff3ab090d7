"""Package boundaries: R-PKG-1 (no app registry needed) and R-PKG-2 (no DRF needed).

Both run in a fresh interpreter, since the test process has long set Django up.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LEAF_MODULES = [
    "preferences",
    "preferences.settings",
    "preferences.exceptions",
    "preferences.preferences",
    "preferences.serializers",
    "preferences.types",
    "preferences.registries",
    "preferences.managers",
    "preferences.signals",
]

# The only modules allowed to import rest_framework (R-PKG-2).
DRF_MODULES = ("preferences.api", "preferences.users.serializers", "preferences.users.viewsets")

BLOCK_DRF = """
import importlib.abc
import sys

class RefuseDRF(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("rest_framework", "drf_spectacular"):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
        return None

sys.meta_path.insert(0, RefuseDRF())
"""


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_r_pkg_1_leaf_modules_import_before_django_setup():
    result = run_python(
        f"""
        import importlib
        from django.apps import apps

        for name in {LEAF_MODULES!r}:
            importlib.import_module(name)
        assert not apps.ready, "importing the engine modules must not populate the app registry"

        from preferences.preferences import Section
        from preferences.registries import PreferenceRegistry
        from preferences.types import IntegerPreference

        registry = PreferenceRegistry()

        @registry.register
        class MaxUsers(IntegerPreference):
            section = Section("user")
            name = "max_users"
            default = 100

        assert registry.get("user__max_users").identifier() == "user__max_users"
        assert not apps.ready
        print("ok")
        """,
        DJANGO_SETTINGS_MODULE="tests.settings",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_r_pkg_2_engine_works_without_drf():
    result = run_python(
        BLOCK_DRF
        + f"""
import importlib
import pkgutil

import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=[
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "preferences",
        "preferences.users",
    ],
    DATABASES={{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}}},
    SECRET_KEY="test",
)
django.setup()

import preferences

checked = []
for module in pkgutil.walk_packages(preferences.__path__, "preferences."):
    if module.name.startswith({DRF_MODULES!r}):
        continue
    importlib.import_module(module.name)
    checked.append(module.name)

assert not any(name.startswith("rest_framework") for name in sys.modules)
try:
    importlib.import_module("preferences.api.serializers")
except ModuleNotFoundError as error:
    assert "blocked by the test" in str(error)
else:
    raise AssertionError("the DRF blocker did not work")
print("\\n".join(checked))
""",
    )
    assert result.returncode == 0, result.stderr
    checked = result.stdout.split()
    for name in [*LEAF_MODULES[1:], "preferences.models", "preferences.admin", "preferences.forms"]:
        assert name in checked
