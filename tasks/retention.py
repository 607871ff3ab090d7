"""``hub.retention.prune``: the daily beat task deleting what is past its window."""

from typing import Any

from celery import shared_task

from hub.retention import prune as prune_rows
from tasks.base import HubTask


@shared_task(base=HubTask, name="hub.retention.prune")
def prune() -> dict[str, Any]:
    """Prune every table (``hub.retention``); the counts are the task's result."""
    report = prune_rows()
    return {"deleted": report.counts, "total": report.total}
