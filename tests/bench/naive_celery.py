"""The benchmark's naive variant: the hub's Celery app, but a new HTTP session per delivery.

``bench_webhooks.py`` starts a worker with ``-A tests.bench.naive_celery``; each pool
process then replaces the delivery's ``send`` with one that builds, uses and closes a
fresh ``httpx.Client`` per request, as ``httpx.post`` does: a new TCP connection, a new
TLS context (the CA bundle loaded again) and a new handshake every time. Everything
else (tasks, queries, signing, result backend) is the hub's own. The session skips the
outbound guard, which if anything flatters the naive design.

With ``NAIVE_SHARED_TLS_ENV`` set, the sessions share one TLS context, so only the
connection and the handshake are paid per delivery: the lower bound of what pooling saves.
"""

import os
import ssl

import certifi
import httpx
from celery.signals import worker_process_init

from celery_app import app
from tests.bench.bench_tls import trust_bench_ca

__all__ = ["app"]

NAIVE_SHARED_TLS_ENV = "PREFHUB_BENCH_NAIVE_SHARED_TLS"

trust_bench_ca()


@worker_process_init.connect
def use_a_new_session_per_delivery(**kwargs) -> None:
    from hub.webhooks import transport

    pooled_send = transport.send

    verify: ssl.SSLContext | bool = True
    if os.environ.get(NAIVE_SHARED_TLS_ENV):
        verify = ssl.create_default_context(cafile=certifi.where())

    def send_with_new_session(url: str, body: bytes, headers: dict[str, str]):
        with httpx.Client(follow_redirects=False, trust_env=False, verify=verify) as client:
            return pooled_send(url, body, headers, client=client)

    transport.send = send_with_new_session
