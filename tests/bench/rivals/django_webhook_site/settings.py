"""django-webhook on the benchmark's engine: its defaults, events stored, no result backend."""

from tests.bench.rivals.base_settings import *  # noqa: F403
from tests.bench.rivals.base_settings import BASE_APPS

INSTALLED_APPS = [*BASE_APPS, "django_webhook"]
DJANGO_WEBHOOK = {"MODELS": ["preferences.GlobalPreferenceModel"]}
