"""The Celery application of the hub.

Configuration comes from Django settings under the ``CELERY_`` namespace (hub/settings.py);
the broker is ``REDIS_URL``. Run a worker with ``celery -A celery_app worker``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

app = Celery("hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
