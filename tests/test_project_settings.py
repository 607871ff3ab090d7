"""config/settings.py: every environment variable has a working default, bad ones fail early."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "db": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"]["LOCATION"],
    "broker": settings.CELERY_BROKER_URL,
    "email": settings.MAILERS["default"],
    "hosts": settings.ALLOWED_HOSTS,
    "debug": settings.DEBUG,
}))
"""


def load_settings(**environ: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PREFHUB_", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"))
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **environ)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_defaults_work_on_a_development_machine():
    loaded = load_settings()
    assert loaded.returncode == 0, loaded.stderr
    values = json.loads(loaded.stdout)
    assert values["db"] == "django.db.backends.sqlite3"
    assert values["db_name"].endswith("db.sqlite3")
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["cache_location"] == values["broker"] == "redis://127.0.0.1:6379/0"
    assert values["email"] == {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    assert values["debug"] is True


def test_environment_overrides_database_redis_hosts_and_email():
    loaded = load_settings(
        DATABASE_URL="postgres://prefhub:pw@db.internal:5432/prefhub",
        REDIS_URL="redis://cache.internal:6379/2",
        ALLOWED_HOSTS="prefhub.example.com,www.example.com",
        EMAIL_URL="smtp://mailer:pw@mail.example.com:587",
        DEBUG="false",
        SECRET_KEY="a-real-secret-key-from-the-environment",
    )
    assert loaded.returncode == 0, loaded.stderr
    values = json.loads(loaded.stdout)
    assert values["db"] == "django.db.backends.postgresql"
    assert values["db_name"] == "prefhub"
    assert values["cache_location"] == values["broker"] == "redis://cache.internal:6379/2"
    assert values["hosts"] == ["prefhub.example.com", "www.example.com"]
    assert values["email"] == {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": "mail.example.com",
            "port": 587,
            "username": "mailer",
            "password": "pw",
        },
    }
    assert values["debug"] is False


def test_development_secret_key_is_refused_with_debug_off():
    loaded = load_settings(DEBUG="false")
    assert loaded.returncode != 0
    assert "ImproperlyConfigured: Set SECRET_KEY" in loaded.stderr


def test_a_django_request_warning_is_logged_once():
    marker = "Not Found: /no-such-page-marker"
    emit = (
        "import django, logging; django.setup(); "
        f"logging.getLogger('django.request').warning({marker!r})"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    logged = subprocess.run(
        [sys.executable, "-c", emit], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert logged.returncode == 0, logged.stderr
    assert logged.stderr.count(marker) == 1, logged.stderr
