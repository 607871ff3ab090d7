"""The benchmark's hub variant: the hub's Celery app, trusting the bench CA for HTTPS.

Nothing of the delivery path changes; see ``tests/bench/bench_tls.py``.
"""

from celery_app import app
from tests.bench.bench_tls import trust_bench_ca

__all__ = ["app"]

trust_bench_ca()
