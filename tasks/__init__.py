"""Celery tasks of the hub, one module per concern (see docs/)."""
