"""What the Prometheus counters had counted in rows that retention has since deleted.

The counters of ``/metrics`` are computed from the database at scrape time; without these
baselines a prune would make them drop, which Prometheus reads as a counter reset (and
``rate()`` as a spike). Retention adds a batch's counts here in the transaction that
deletes it, so every counter only ever grows.
"""

from django.db import models


class MetricBaseline(models.Model):
    """One sample (metric name and labels) of rows already pruned."""

    name = models.CharField(max_length=100)
    labels = models.CharField(
        max_length=300, help_text='Sorted "key=value" pairs, comma-separated.'
    )
    value = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "labels"], name="hub_metricbaseline_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name}{{{self.labels}}} {self.value}"
