"""The Prefhub site: settings, URLs, WSGI/ASGI entry points and the demo app.

The project's Celery app is loaded with Django, so that ``shared_task`` tasks published by
the web process go to its broker (Celery's "First steps with Django").
"""

from celery_app import app as celery_app

__all__ = ("celery_app",)
