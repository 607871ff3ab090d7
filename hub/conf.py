"""The hub's settings object, read at call time (so ``override_settings`` just works).

Projects override any key in the ``HUB`` dict of their Django settings; every default
lives in ``DEFAULTS`` below, with the spec id that motivates it.
"""

from typing import Any

from django.conf import settings

SETTINGS_ATTR = "HUB"

DEFAULTS: dict[str, Any] = {
    # F2 outbox: an event whose fan-out has not started this long (seconds) after the
    # change is presumed lost (broker down at commit) and the sweeper publishes it.
    "OUTBOX_GRACE": 30,
    # F2 outbox sweeper: events claimed per transaction, and at most this many per run.
    "OUTBOX_BATCH_SIZE": 200,
    "OUTBOX_SWEEP_LIMIT": 10_000,
    # F2 outbox sweeper: a fan-out it published that has not finished this long after
    # (seconds) is presumed lost with the broker, and published again.
    "OUTBOX_PUBLISH_LEASE": 60,
    # F2 outbox age metric: the sweeper logs a warning when the oldest pending event is
    # older than this (seconds).
    "OUTBOX_AGE_WARNING": 300,
    # F13 cache invalidation: the cache alias holding the keys and template fragments
    # declared as depending on preferences, and settings-level declarations
    # {"section__glob*": {"keys": [...], "fragments": [...]}}.
    "CACHE_ALIAS": "default",
    "CACHE_DEPENDENCIES": {},
    # F14 in-process reads: the Redis pub/sub channel that invalidates every process's
    # in-process preference copy. None = the REDIS_URL setting; "" or False = off, and
    # then processes keep no in-process copy (reads go to the shared cache).
    "PUBSUB_URL": None,
    "PUBSUB_CHANNEL": "prefhub:preferences",
    # F4 webhook secrets: after a rotation the old secret keeps signing for this long
    # (seconds), so receivers can switch over without dropping a request.
    "WEBHOOK_SECRET_GRACE": 24 * 3600,
    # F9 auto-disable: an endpoint failing continuously for this long (seconds) is disabled.
    "WEBHOOK_FAILURE_WINDOW": 5 * 24 * 3600,
    # F8 replay: "recover failed messages since T" reaches back at most this far (seconds).
    "WEBHOOK_RECOVER_WINDOW": 14 * 24 * 3600,
    # F5/R4 delivery lease (seconds): a claimed attempt older than this is presumed dead
    # (worker killed) and the sweeper retries it; must exceed the 15 s total timeout (F6).
    "WEBHOOK_DELIVERY_LEASE": 60,
    # F2/F5 a queued delivery task still not run after this long (seconds) is presumed lost
    # some other way (a purged queue) and the sweeper publishes it again; a failed publish
    # or a restarted broker hands deliveries to the sweeper at once (tasks/webhooks.py).
    "WEBHOOK_REQUEUE_AFTER": 900,
    # F12 Redis holding the per-endpoint token buckets; None = the Celery broker's URL.
    "WEBHOOK_RATE_LIMIT_REDIS_URL": None,
    # F16 admin e-mail: changes inside one window (seconds) go out as one digest per
    # recipient list; a rule may set its own window.
    "EMAIL_DIGEST_WINDOW": 300,
    # F16 emergency brake: a window with more distinct changes than this becomes one
    # "N changes suppressed" mail, and the list gets no preference mail for the cool-down.
    "EMAIL_BRAKE_THRESHOLD": 100,
    "EMAIL_BRAKE_COOLDOWN": 3600,
    # F16: a digest still open this long (seconds) after its window closed lost its task
    # (e.g. the broker forgot it); the beat sweeper enqueues it again.
    "EMAIL_DIGEST_SWEEP_GRACE": 60,
    "EMAIL_SUBJECT_PREFIX": "[Prefhub] ",
    # F5 webhook retries: delays (seconds) before the 2nd, 3rd, ... attempt; each gets
    # +-20 % jitter. The Svix schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    "WEBHOOK_RETRY_SCHEDULE": (5, 300, 1800, 7200, 18000, 36000, 36000),
    # F6 HTTP rules: connect timeout and hard deadline for the whole exchange (seconds),
    # and how much of a response body is read and kept (bytes).
    "WEBHOOK_CONNECT_TIMEOUT": 5.0,
    "WEBHOOK_TOTAL_TIMEOUT": 15.0,
    "WEBHOOK_RESPONSE_MAX_BYTES": 20 * 1024,
    # Size limits. Custom headers per endpoint: how many, and their names and values
    # together (bytes); a "full" payload whose old and new values together exceed
    # WEBHOOK_MAX_VALUES_BYTES is sent in the ids-only form, marked "values_omitted".
    "WEBHOOK_MAX_HEADERS": 20,
    "WEBHOOK_MAX_HEADERS_BYTES": 8 * 1024,
    "WEBHOOK_MAX_VALUES_BYTES": 256 * 1024,
    # F11 outbound guard: hosts ("receiver.internal") and IP networks ("10.1.0.0/16",
    # "::1") that webhooks may reach although they are not global addresses.
    "OUTBOUND_ALLOWLIST": (),
    # Retention (``manage.py hub prune`` and the daily beat task): seconds after which
    # finished rows are deleted; None keeps them. Svix keeps its delivery log 90 days.
    "RETENTION_DELIVERIES": 30 * 24 * 3600,
    "RETENTION_HANDLER_RUNS": 30 * 24 * 3600,
    "RETENTION_DIGESTS": 30 * 24 * 3600,
    # Events are the change history: a window of their own.
    "RETENTION_EVENTS": 365 * 24 * 3600,
    # Rows deleted per transaction, so pruning never holds long locks.
    "RETENTION_BATCH_SIZE": 500,
    # /metrics: a bearer token and/or client networks ("10.0.0.0/8"); with neither, the
    # endpoint answers only when DEBUG is on.
    "METRICS_TOKEN": None,
    "METRICS_ALLOWED_NETWORKS": (),
}


class HubSettings:
    """Attribute access to ``settings.HUB`` with the defaults of ``DEFAULTS``."""

    def __getattr__(self, key: str) -> Any:
        if key not in DEFAULTS:
            raise AttributeError(f"Invalid hub setting: {key!r}")
        return getattr(settings, SETTINGS_ATTR, {}).get(key, DEFAULTS[key])


hub_settings = HubSettings()
