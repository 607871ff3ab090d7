"""django-webhook 0.0.15 set up to fire on every save of a global preference."""

# As a Django project loads its Celery app: tasks then publish through it (shared_task).
from .celery_app import app as celery_app

__all__ = ["celery_app"]
