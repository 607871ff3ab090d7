"""App configs and autodiscovery (spec §15: R-DJ-1..3, R-REG-9, R-PKG-3)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.apps import apps

from preferences.apps import DynamicPreferencesConfig
from preferences.models import GlobalPreferenceModel
from preferences.registries import PreferenceRegistry, global_preferences_registry

REPO = Path(__file__).resolve().parents[2]


class CountingRegistry(PreferenceRegistry):
    """Counts registrations, to prove a second discovery pass registers nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.registrations = 0

    def register(self, preference_class: type) -> type:
        self.registrations += 1
        return super().register(preference_class)


DISCOVERY_REGISTRIES = (CountingRegistry(), CountingRegistry())


def test_r_dj_1_app_config():
    config = apps.get_app_config("preferences")
    assert isinstance(config, DynamicPreferencesConfig)
    assert config.name == "preferences"
    assert config.verbose_name == "Dynamic Preferences"
    assert config.default_auto_field == "django.db.models.AutoField"


def test_r_dj_1_ready_binds_the_global_model_only_when_enabled(settings):
    config = apps.get_app_config("preferences")
    try:
        global_preferences_registry.preference_model = None
        settings.DYNAMIC_PREFERENCES = {"ENABLE_GLOBAL_MODEL_AUTO_REGISTRATION": False}
        config.ready()
        assert global_preferences_registry.preference_model is None
        settings.DYNAMIC_PREFERENCES = {"ENABLE_GLOBAL_MODEL_AUTO_REGISTRATION": True}
        config.ready()
        assert global_preferences_registry.preference_model is GlobalPreferenceModel
    finally:
        global_preferences_registry.preference_model = GlobalPreferenceModel


def test_r_dj_1_ready_autodiscovers_every_installed_app():
    assert "tests.testapp.dynamic_preferences_registry" in sys.modules
    assert len(global_preferences_registry.preferences()) == 15


@pytest.mark.django_db
def test_r_dj_3_ready_and_autodiscovery_run_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        for label in ("testapp", "preferences", "preferences_users"):
            apps.get_app_config(label).ready()
    assert len(global_preferences_registry.preferences()) == 15


@pytest.fixture
def discoverable_apps(tmp_path, monkeypatch):
    """Three throw-away app packages: one registering twice over, one broken, one empty."""
    packages = {
        "goodapp": f"""
            from preferences.types import StringPreference
            from {__name__} import DISCOVERY_REGISTRIES

            class Greeting(StringPreference):
                name = "greeting"
                default = "hello"

            for registry in DISCOVERY_REGISTRIES:
                registry.register(Greeting)
        """,
        "brokenapp": "import a_module_that_does_not_exist\n",
        "emptyapp": None,
    }
    for package, registry_module in packages.items():
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
        if registry_module is not None:
            module = tmp_path / package / "dynamic_preferences_registry.py"
            module.write_text(textwrap.dedent(registry_module))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    for name in list(sys.modules):
        if name.split(".")[0] in packages:
            del sys.modules[name]


def test_r_reg_9_autodiscover_fills_every_registry_once(discoverable_apps):
    registry = PreferenceRegistry()
    registry.autodiscover(["goodapp", "emptyapp", "tests.testapp"])
    registry.autodiscover(["goodapp"])
    first, second = DISCOVERY_REGISTRIES
    assert first.registrations == second.registrations == 1
    assert first.get("greeting").default == second.get("greeting").default == "hello"


def test_r_reg_9_import_errors_inside_a_registry_module_propagate(discoverable_apps):
    with pytest.raises(ModuleNotFoundError, match="a_module_that_does_not_exist"):
        PreferenceRegistry().autodiscover(["emptyapp", "brokenapp"])


def test_r_reg_9_autodiscover_looks_for_look_into(discoverable_apps, tmp_path):
    (tmp_path / "emptyapp" / "site_settings.py").write_text(
        "from tests.preferences.test_apps import DISCOVERY_REGISTRIES\n"
        "DISCOVERY_REGISTRIES[0].custom_module_seen = True\n"
    )

    class CustomRegistry(PreferenceRegistry):
        look_into = "site_settings"

    CustomRegistry().autodiscover(["emptyapp"])
    assert DISCOVERY_REGISTRIES[0].custom_module_seen is True


TINY_SETTINGS = """
SECRET_KEY = "tiny"
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "preferences",
]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {db!r}}}}}
"""

TINY_CHECK = """
import django
from django.core.management import call_command

django.setup()
call_command("migrate", verbosity=0)

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection

from preferences.models import GlobalPreferenceModel
from preferences.registries import global_preferences_registry, preference_models

tables = connection.introspection.table_names()
assert "preferences_globalpreferencemodel" in tables, tables
assert not [t for t in tables if "userpreference" in t], tables
assert not hasattr(get_user_model(), "preferences")
assert list(preference_models) == [GlobalPreferenceModel]
assert [m._meta.label for m in admin.site._registry if "preference" in m._meta.label.lower()] == [
    "preferences.GlobalPreferenceModel"
]
assert global_preferences_registry.manager().all() == {}
print("ok")
"""


def test_r_pkg_3_only_preferences_installed_means_no_user_preferences(tmp_path):
    """Also R-DJ-3: migrating a fresh, empty database works (ready() queries nothing)."""
    (tmp_path / "tiny_settings.py").write_text(
        TINY_SETTINGS.format(db=str(tmp_path / "tiny.sqlite3"))
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tiny_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)]),
    }
    result = subprocess.run(
        [sys.executable, "-c", TINY_CHECK],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
