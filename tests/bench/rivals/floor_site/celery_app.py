"""The floor's Celery app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.rivals.floor_site.settings")

app = Celery("floor_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["tests.bench.rivals.floor_site"], related_name="hub")
