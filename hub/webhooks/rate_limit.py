"""Per-endpoint token bucket in Redis, shared by every worker process (F12, R17).

One Lua script reads, refills and takes a token in one step, so concurrent workers on
any number of hosts never together exceed the rate. A caller that gets a wait back sends
nothing and asks again after that wait (deliveries over the limit wait, none is
dropped); a refused call reserves nothing, so an abandoned caller wastes no capacity.

The time comes from the caller's ``clock`` (injectable, so tests need no sleeping);
workers on several hosts should keep their clocks in sync (NTP), as a bucket refills by
the time its callers report.
"""

import math
import time
from collections.abc import Callable

import redis

KEY_PREFIX = "hub:ratelimit:"

# KEYS[1] bucket hash {tokens, at}; ARGV: now, rate (tokens/s), burst, ttl (ms).
# Returns the wait in seconds as a string: Redis truncates Lua numbers to integers.
# Numbers are stored with 17 digits (Lua's tostring keeps 14, i.e. 0.1 ms of an epoch
# time), and a millionth of a token is forgiven: epoch seconds as doubles are exact only
# to about 0.2 us, and that rounding must not turn "just refilled" into a tiny wait.
_ACQUIRE = """
local function store(x) return string.format('%.17g', x) end
local now = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate)
  at = now
end
local wait = 0
if tokens >= 1 - 1e-6 then
  tokens = math.max(0, tokens - 1)
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', store(tokens), 'at', store(at))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return store(wait)
"""


class TokenBucket:
    """Token buckets in Redis, one per key: ``acquire`` takes a token or says how long to wait."""

    def __init__(
        self,
        redis_client: redis.Redis,
        *,
        clock: Callable[[], float] = time.time,
        prefix: str = KEY_PREFIX,
    ) -> None:
        self.redis = redis_client
        self.clock = clock
        self.prefix = prefix
        self._script = redis_client.register_script(_ACQUIRE)

    def acquire(self, key: str, rate_per_second: float, burst: int) -> float:
        """0.0 when a token was taken (go now), else the seconds until one is available.

        ``burst`` is the bucket size: how many requests may go back to back after a
        quiet period. ``burst=1`` spaces requests at least ``1 / rate`` seconds apart.
        """
        if not rate_per_second > 0 or not math.isfinite(rate_per_second):
            raise ValueError(f"rate_per_second must be a positive number, got {rate_per_second!r}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst!r}")
        # An idle bucket refills completely after burst / rate seconds, and a full bucket
        # is the same as no key, so the key may expire then (plus a second of margin).
        ttl_ms = math.ceil(burst / rate_per_second * 1000) + 1000
        now = repr(float(self.clock()))
        wait = self._script(
            keys=[self.prefix + key], args=[now, repr(float(rate_per_second)), burst, ttl_ms]
        )
        return float(wait)
