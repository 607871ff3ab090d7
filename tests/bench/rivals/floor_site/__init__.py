"""The floor: the least a Celery webhook hub can do, to show what the work itself costs.

``post_save`` of a global preference → after commit, one task per endpoint → one POST from
a pooled client. No outbox, no attempt log, no signature, no guard, no retry.
"""

# As a Django project loads its Celery app: tasks then publish through it (shared_task).
from .celery_app import app as celery_app

__all__ = ["celery_app"]
