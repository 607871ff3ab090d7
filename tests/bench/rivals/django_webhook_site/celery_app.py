"""The rival project's Celery app, as django-webhook's documentation sets one up."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.rivals.django_webhook_site.settings")

app = Celery("django_webhook_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["django_webhook"])
