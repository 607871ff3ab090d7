"""hub/webhooks/rate_limit.py against the real test Redis (db 15, this run's key prefix) (F12, R17).

Single-caller behaviour runs on an injected clock (no sleeping); the concurrency tests
use the real clock from several threads and from several processes, and check the
grants against the rate.
"""

import itertools
import multiprocessing
import threading
import time
import uuid

import pytest
import redis
from django.conf import settings

from hub.webhooks.rate_limit import TokenBucket

RATE = 10.0  # per second, for the concurrency runs
RUN_SECONDS = 1.5


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class RecordingClock:
    """The real clock, remembering per thread the time of the caller's last acquire."""

    def __init__(self) -> None:
        self.local = threading.local()

    def __call__(self) -> float:
        self.local.last = time.time()
        return self.local.last


@pytest.fixture
def prefix():
    """A key prefix of this run's namespace; its keys are deleted afterwards."""
    value = f"{settings.TEST_NAMESPACE}:ratelimit-test:{uuid.uuid4().hex}:"
    yield value
    client = redis.Redis.from_url(settings.TEST_REDIS_URL)
    for key in client.scan_iter(match=f"{value}*"):
        client.delete(key)


def bucket(prefix: str, clock=time.time) -> TokenBucket:
    return TokenBucket(redis.Redis.from_url(settings.TEST_REDIS_URL), clock=clock, prefix=prefix)


def test_f12_burst_goes_at_once_then_callers_wait_for_the_refill(prefix):
    clock = FakeClock()
    limiter = bucket(prefix, clock)
    assert [limiter.acquire("endpoint-1", 5, 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("endpoint-1", 5, 3) == pytest.approx(0.2)
    clock.now += 0.1
    assert limiter.acquire("endpoint-1", 5, 3) == pytest.approx(0.1)
    clock.now += 0.1
    assert limiter.acquire("endpoint-1", 5, 3) == 0.0
    assert limiter.acquire("endpoint-1", 5, 3) == pytest.approx(0.2)


def test_f12_a_refused_call_reserves_nothing(prefix):
    clock = FakeClock()
    limiter = bucket(prefix, clock)
    assert limiter.acquire("endpoint", 2, 1) == 0.0
    waits = [limiter.acquire("endpoint", 2, 1) for _ in range(5)]
    assert waits == [pytest.approx(0.5)] * 5
    clock.now += 0.5
    assert limiter.acquire("endpoint", 2, 1) == 0.0


def test_f12_an_idle_bucket_refills_only_up_to_the_burst(prefix):
    clock = FakeClock()
    limiter = bucket(prefix, clock)
    limiter.acquire("endpoint", 1, 2)
    clock.now += 3600
    grants = [limiter.acquire("endpoint", 1, 2) for _ in range(3)]
    assert grants[:2] == [0.0, 0.0] and grants[2] == pytest.approx(1.0)


def test_f12_buckets_are_per_key(prefix):
    limiter = bucket(prefix, FakeClock())
    assert limiter.acquire("a", 1, 1) == 0.0
    assert limiter.acquire("a", 1, 1) > 0
    assert limiter.acquire("b", 1, 1) == 0.0


def test_f12_a_clock_going_backwards_mints_no_tokens(prefix):
    clock = FakeClock()
    limiter = bucket(prefix, clock)
    assert limiter.acquire("endpoint", 1, 1) == 0.0
    clock.now -= 30
    assert limiter.acquire("endpoint", 1, 1) > 0


def test_f12_idle_buckets_expire_from_redis(prefix):
    limiter = bucket(prefix, FakeClock())
    limiter.acquire("endpoint", 0.5, 4)
    ttl_ms = redis.Redis.from_url(settings.TEST_REDIS_URL).pttl(f"{prefix}endpoint")
    assert 8000 < ttl_ms <= 9000  # refill time 4 / 0.5 = 8 s, plus a second


@pytest.mark.parametrize(
    ("rate", "burst"), [(0, 1), (-1, 1), (float("inf"), 1), (float("nan"), 1), (1, 0)]
)
def test_f12_bad_rate_or_burst_is_refused(prefix, rate, burst):
    with pytest.raises(ValueError, match=r"rate_per_second|burst"):
        bucket(prefix, FakeClock()).acquire("endpoint", rate, burst)


def take_tokens(prefix: str, key: str, until: float) -> list[float]:
    """Acquire until ``until`` like a delivery does: wait when told, go when granted."""
    clock = RecordingClock()
    limiter = bucket(prefix, clock)
    granted = []
    while time.time() < until:
        wait = limiter.acquire(key, RATE, 1)
        if wait:
            time.sleep(wait)
        else:
            granted.append(clock.local.last)
    return granted


def take_tokens_in_process(prefix: str, key: str, until: float, results) -> None:
    results.put(take_tokens(prefix, key, until))


def assert_never_above_rate(grants: list[float]) -> None:
    grants = sorted(grants)
    gaps = [later - earlier for earlier, later in itertools.pairwise(grants)]
    # burst 1: a token takes 1 / RATE seconds to come back, whoever asks for it.
    assert min(gaps) >= 1 / RATE - 1e-6
    for index, start in enumerate(grants):
        in_window = [grant for grant in grants[index:] if grant < start + 1.0]
        assert len(in_window) <= RATE
    # ...and the limiter really lets the rate through: nobody was starved.
    assert len(grants) >= RATE * RUN_SECONDS * 0.8


def test_r17_threads_never_exceed_the_rate_together(prefix):
    until = time.time() + RUN_SECONDS
    grants: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = take_tokens(prefix, "shared", until)
        with lock:
            grants.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RUN_SECONDS + 10)
    assert_never_above_rate(grants)


def test_r17_processes_never_exceed_the_rate_together(prefix):
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    until = time.time() + RUN_SECONDS + 0.5  # the children need a moment to start
    processes = [
        context.Process(target=take_tokens_in_process, args=(prefix, "shared", until, results))
        for _ in range(3)
    ]
    for process in processes:
        process.start()
    per_process = [results.get(timeout=RUN_SECONDS + 20) for _ in processes]
    for process in processes:
        process.join(timeout=10)
    assert all(per_process), "every process got some tokens"
    assert_never_above_rate([grant for grants in per_process for grant in grants])
