"""Prometheus metrics of the hub, computed from the database at scrape time (``/metrics``)."""
