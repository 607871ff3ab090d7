"""hub/webhooks/retries.py: schedule, jitter, Retry-After clamp, overload floor, countdowns (F5)."""

import random

import pytest

from hub.celery_config import fits_countdown
from hub.conf import DEFAULTS
from hub.webhooks.retries import DEFAULT_SCHEDULE, next_delay
from hub.webhooks.transport import DeliveryResult

SAMPLES = 2000


def result(outcome="failure", status_code=500, retry_after=None, is_gone=False) -> DeliveryResult:
    return DeliveryResult(
        outcome=outcome,
        status_code=status_code,
        response_body="",
        duration_ms=12,
        retry_after=retry_after,
        is_gone=is_gone,
    )


def delays(attempt, outcome, *, schedule=DEFAULT_SCHEDULE, seed=1) -> list[float]:
    rng = random.Random(seed)
    return [next_delay(attempt, outcome, schedule=schedule, rng=rng) for _ in range(SAMPLES)]


def test_f5_default_schedule_is_the_svix_schedule():
    assert DEFAULT_SCHEDULE == (5, 300, 1800, 7200, 18000, 36000, 36000)
    assert tuple(DEFAULTS["WEBHOOK_RETRY_SCHEDULE"]) == DEFAULT_SCHEDULE


@pytest.mark.parametrize("attempt", range(1, 8))
def test_f5_each_step_gets_plus_minus_twenty_percent_jitter(attempt):
    step = DEFAULT_SCHEDULE[attempt - 1]
    samples = delays(attempt, result())
    assert all(0.8 * step <= delay <= 1.2 * step for delay in samples)
    # The whole band is used, not a fixed offset: jitter is really there.
    assert min(samples) < 0.82 * step and max(samples) > 1.18 * step
    assert abs(sum(samples) / SAMPLES - step) < 0.02 * step


def test_f5_schedule_exhausted_after_len_plus_one_attempts():
    rng = random.Random(0)
    assert next_delay(7, result(), schedule=DEFAULT_SCHEDULE, rng=rng) is not None
    assert next_delay(8, result(), schedule=DEFAULT_SCHEDULE, rng=rng) is None
    assert next_delay(3, result(), schedule=(1, 2), rng=rng) is None


def test_f5_configured_schedule_is_used():
    samples = delays(2, result(), schedule=(1, 10, 100))
    assert all(8 <= delay <= 12 for delay in samples)


def test_f5_no_retry_after_success_or_gone():
    rng = random.Random(0)
    success = result(outcome="success", status_code=200)
    gone = result(status_code=410, is_gone=True)
    assert next_delay(1, success, schedule=DEFAULT_SCHEDULE, rng=rng) is None
    assert next_delay(1, gone, schedule=DEFAULT_SCHEDULE, rng=rng) is None


@pytest.mark.parametrize("outcome", ["error", "blocked"])
def test_f5_transport_errors_follow_the_schedule(outcome):
    samples = delays(2, result(outcome=outcome, status_code=None))
    assert all(240 <= delay <= 360 for delay in samples)


def test_f5_attempt_numbers_start_at_one():
    with pytest.raises(ValueError, match="starts at 1"):
        next_delay(0, result(), schedule=DEFAULT_SCHEDULE, rng=random.Random(0))


@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [
        (1, 5, 6),  # below the step: the step, jitter only upwards
        (8, 8, 9.6),  # inside [step, 2 x step]: honoured, never earlier
        (100, 10, 12),  # above 2 x step: clamped to 2 x step
        (0, 5, 6),
    ],
)
def test_f5_retry_after_clamped_to_step_and_twice_the_step(retry_after, low, high):
    samples = delays(1, result(status_code=503, retry_after=retry_after))
    assert all(low <= delay <= high for delay in samples)
    assert min(samples) < low * 1.01 and max(samples) > high * 0.99


@pytest.mark.parametrize(
    "overloaded",
    [result(status_code=429), result(outcome="timeout", status_code=None)],
    ids=["429", "timeout"],
)
def test_f5_at_least_sixty_seconds_after_429_or_timeout(overloaded):
    first = delays(1, overloaded)  # the 5 s step is raised to 60 s
    assert all(60 <= delay <= 72 for delay in first)
    assert min(first) < 60.5 and max(first) > 71
    later = delays(2, overloaded)  # 300 s is above the floor: normal jitter
    assert all(240 <= delay <= 360 for delay in later)


def test_f5_retry_after_on_429_is_clamped_then_floored():
    samples = delays(2, result(status_code=429, retry_after=900))
    assert all(600 <= delay <= 720 for delay in samples)
    samples = delays(1, result(status_code=429, retry_after=7))
    assert all(60 <= delay <= 72 for delay in samples)


def test_f5_same_seed_same_delays():
    assert delays(3, result(), seed=42) == delays(3, result(), seed=42)


@pytest.mark.parametrize(
    ("delay", "visibility_timeout", "fits"),
    [
        (5, 3600, True),
        (300, 3600, True),
        (1800, 3600, True),
        (1801, 3600, False),
        (7200, 3600, False),
        (30, 60, True),
        (36, 60, False),
        (300, 60, False),
    ],
)
def test_f5_r5_only_delays_well_inside_the_visibility_timeout_use_countdown(
    delay, visibility_timeout, fits, settings
):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": visibility_timeout}
    assert fits_countdown(delay) is fits
