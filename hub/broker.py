"""Has the broker restarted since a sweeper last looked? (Redis ``run_id``.)

A Redis broker without persistence loses its queues when it restarts: fan-outs and
deliveries it held are gone. Redis gives every server start a new ``run_id``; each
sweeper keeps the last one it saw in the broker itself, under a key of its own, and so
notices a restart at its next run. After a restart the key is gone (no persistence) or
holds an old run_id (restored from disk, possibly older than the lost tasks): either
way the restart is seen.
"""

import redis
from celery import current_app

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class BrokerWatch:
    """The restart check of one sweeper; ``key`` names where it keeps the run_id it saw."""

    def __init__(self, key: str) -> None:
        self.key = key

    def new_run_id(self) -> str | None:
        """The broker's run_id if it is not the one recorded last, else None.

        A broker not reached through a ``redis://``, ``rediss://`` or ``unix://`` URL, or a
        Redis server that refuses ``INFO``, is never reported as restarted.
        """
        if not str(current_app.conf.broker_url).startswith(REDIS_SCHEMES):
            return None
        with _broker_redis() as client:
            try:
                run_id = client.info("server")["run_id"]
            except redis.ResponseError:
                return None
            previous = client.get(self._prefixed_key())
        return None if previous == run_id.encode() else run_id

    def record(self, run_id: str) -> None:
        """Remember ``run_id``; call it once what the restart lost has been taken care of."""
        with _broker_redis() as client:
            client.set(self._prefixed_key(), run_id)

    def _prefixed_key(self) -> str:
        options = current_app.conf.broker_transport_options or {}
        return options.get("global_keyprefix", "") + self.key


def _broker_redis() -> redis.Redis:
    return redis.Redis.from_url(current_app.conf.broker_url, socket_timeout=5)
