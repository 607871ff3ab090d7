"""When to try a webhook delivery again (F5): pure functions, randomness injected.

The rules are Svix's: a fixed schedule of steps, each with +-20 % jitter so that endpoints
that failed together do not all retry together; a ``Retry-After`` answer is honoured but
clamped to [step, 2 x step] so a receiver can neither hammer nor stall the queue; at least
60 s after a 429 or a timeout, because the receiver is overloaded. Jitter never brings a
delay below what the receiver asked for or below that 60 s floor: then it only adds.
"""

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hub.conf import DEFAULTS
from hub.webhooks.outcomes import Outcome

if TYPE_CHECKING:
    from hub.webhooks.transport import DeliveryResult

DEFAULT_SCHEDULE: tuple[float, ...] = tuple(DEFAULTS["WEBHOOK_RETRY_SCHEDULE"])
JITTER = 0.2  # F5: +-20 %
OVERLOAD_FLOOR = 60.0  # F5: seconds, after a 429 or a timeout
TOO_MANY_REQUESTS = 429


def next_delay(
    attempt_number: int,
    result: "DeliveryResult",
    *,
    schedule: Sequence[float],
    rng: random.Random,
) -> float | None:
    """Seconds to wait after attempt ``attempt_number`` (1 = first) ended with ``result``.

    None means no further attempt: the delivery succeeded, the endpoint answered 410 Gone
    (F6: it will be disabled), or the schedule is exhausted (``len(schedule) + 1``
    attempts in all).
    """
    if attempt_number < 1:
        raise ValueError(f"attempt_number starts at 1, got {attempt_number}")
    if result.outcome == Outcome.SUCCESS or result.is_gone or attempt_number > len(schedule):
        return None
    step = float(schedule[attempt_number - 1])
    target, floor = step, 0.0
    if result.retry_after is not None:
        target = floor = clamp_retry_after(result.retry_after, step)
    if _is_overload(result):
        target = max(target, OVERLOAD_FLOOR)
        floor = max(floor, OVERLOAD_FLOOR)
    low = target * (1 - JITTER)
    return rng.uniform(max(low, floor), target * (1 + JITTER))


def clamp_retry_after(retry_after: float, step: float) -> float:
    """``Retry-After`` limited to [step, 2 x step] (F5, Svix's ``limit_retry_delay``)."""
    return min(max(retry_after, step), 2 * step)


def _is_overload(result: "DeliveryResult") -> bool:
    return result.outcome == Outcome.TIMEOUT or result.status_code == TOO_MANY_REQUESTS
