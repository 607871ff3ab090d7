"""The soak and fault run, scaled down for CI: nothing is lost while Redis and a worker fail.

Sizes come from the environment so that ``tests/soak/soak.py`` can run the full one
(10,000 changes, 5 endpoints, a 30 s outage) through the same test.
"""

import os

import pytest

from tests.soak.run import soak

pytestmark = pytest.mark.django_db(transaction=True)

CHANGES = int(os.environ.get("SOAK_CHANGES", "300"))
ENDPOINTS = int(os.environ.get("SOAK_ENDPOINTS", "3"))
OUTAGE = float(os.environ.get("SOAK_OUTAGE", "5"))
SETTLE_TIMEOUT = float(os.environ.get("SOAK_SETTLE_TIMEOUT", "180"))


def test_soak_loses_nothing_while_redis_restarts_and_a_worker_dies(allow_loopback, capsys):
    figures = soak(CHANGES, ENDPOINTS, OUTAGE, SETTLE_TIMEOUT)
    with capsys.disabled():
        print(f"\nsoak: {CHANGES} changes x {ENDPOINTS} endpoints, {OUTAGE:.0f} s outage")
        print(figures.table())
    assert figures.problems == []
    assert figures.received_pairs == figures.expected_pairs == CHANGES * ENDPOINTS
