"""The Celery application of the hub.

Configuration comes from Django settings under the ``CELERY_`` namespace (config/settings.py);
the broker is ``REDIS_URL``. Run a worker with ``celery -A celery_app worker``. The hub's
task modules come from ``CELERY_IMPORTS`` (``hub.celery_config.configure``); user handlers
are found in the ``handlers`` module of every installed app when a worker starts.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("prefhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="handlers")
