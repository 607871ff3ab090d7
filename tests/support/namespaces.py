"""Private broker namespaces for test workers with settings of their own.

Every pytest run already has its namespace (tests/settings.py). A test that needs
workers configured differently (loopback allow-listed, a scaled-down retry schedule, a
short visibility timeout, workers it kills) starts them in a namespace inside the run's
(``namespace_env``) on the run's Redis, and publishes there while it runs
(``publishing_in``), so that no other worker of the run (e.g. the shared
``celery_worker``) takes its tasks. (tests/support/broker.py instead gives a test a
Redis server of its own, for tests that stop the broker.)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from django.conf import settings

from celery_app import app
from tests.support.broker import publishing_with

PREFIX_ENV = "PREFHUB_TEST_BROKER_PREFIX"


def namespace_env(name: str) -> dict[str, str]:
    """Environment that makes a worker consume ``<run namespace>-<name>:`` only."""
    return {PREFIX_ENV: f"{os.environ['PREFHUB_TEST_NAMESPACE']}-{name}:"}


@contextmanager
def publishing_in(env: dict[str, str]) -> Iterator[None]:
    """While open, tasks published by this process go to the namespace of ``env``."""
    options = {**(app.conf.broker_transport_options or {}), "global_keyprefix": env[PREFIX_ENV]}
    with publishing_with(broker_transport_options=options):
        yield


@contextmanager
def private_namespace(name: str) -> Iterator[tuple[dict[str, str], redis.Redis]]:
    """A namespace nobody consumes, and the run's Redis: what is published there stays to be
    read. Its keys are deleted on exit."""
    env = namespace_env(name)
    client = redis.Redis.from_url(settings.TEST_REDIS_URL)
    try:
        yield env, client
    finally:
        for key in client.scan_iter(f"{env[PREFIX_ENV]}*"):
            client.delete(key)
