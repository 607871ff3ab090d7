"""``HubTask``: the base class of every hub task (design.md, "Celery conventions").

Late acknowledgement with ``reject_on_worker_lost``: a worker killed mid-task leaves its
message to be delivered again (R4), which is safe because hub tasks are idempotent.
Arguments are checked at publish time: ids and plain scalars only, never model
instances, payloads or values, because arguments travel through the broker, the result
backend (``result_extended`` stores them), Flower and the worker's log (S5). Results
are small summaries of ids and counts for the same reason.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from celery import Task

ARGUMENT_TYPES = (str, int, float, bool, type(None), UUID, datetime)


class HubTask(Task):
    """A Celery task that is re-delivered when its worker dies and only carries ids."""

    acks_late = True
    reject_on_worker_lost = True

    def apply_async(
        self, args: Any = None, kwargs: Any = None, **options: Any
    ) -> Any:  # the AsyncResult of Celery
        """Refuse arguments that could carry data instead of ids (S5), then publish."""
        self.check_arguments(args or (), kwargs or {})
        return super().apply_async(args, kwargs, **options)

    def check_arguments(self, args: Any, kwargs: dict[str, Any]) -> None:
        """Raise ``TypeError`` naming the task and argument that is not an id or scalar."""
        named = [(f"argument {index}", value) for index, value in enumerate(args)]
        named += [(f"argument {key!r}", value) for key, value in kwargs.items()]
        for label, value in named:
            if not isinstance(value, ARGUMENT_TYPES):
                raise TypeError(
                    f"{self.name}: {label} is a {type(value).__name__}; hub tasks take ids "
                    "and scalars only, so that no value or secret travels through the broker."
                )
