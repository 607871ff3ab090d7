"""What a delivery try came to: one vocabulary for the transport, the attempt log and the task.

``Outcome`` is the only spelling of these words. Each layer uses a subset of it:

* ``SENT``: what the transport returns for a request it made or refused to make;
* ``ATTEMPT_STATUSES``: the ``status`` of an ``Attempt`` row, ``SENT`` plus the row's
  state while the request is on the wire and after its worker died;
* ``REPORTS``: what a delivery task reports, ``SENT`` plus the tries that sent nothing.

Pure: importable from models, the transport and the delivery service alike.
"""

from django.db import models


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"
    TIMEOUT = "timeout", "Timeout"
    BLOCKED = "blocked", "Blocked"
    ERROR = "error", "Error"
    # An attempt row's state before its request finished, and after its worker died.
    SENDING = "sending", "Sending"
    INTERRUPTED = "interrupted", "Interrupted"
    # A try that sent nothing: the rate limit deferred it, another try held the lease,
    # it was not due (a duplicate), or its endpoint is disabled.
    RATE_LIMITED = "rate_limited", "Rate limited"
    BUSY = "busy", "Busy"
    SKIPPED = "skipped", "Skipped"
    ENDPOINT_DISABLED = "endpoint_disabled", "Endpoint disabled"


SENT = (Outcome.SUCCESS, Outcome.FAILURE, Outcome.TIMEOUT, Outcome.BLOCKED, Outcome.ERROR)
ATTEMPT_STATUSES = (Outcome.SENDING, *SENT, Outcome.INTERRUPTED)
REPORTS = (
    *SENT, Outcome.RATE_LIMITED, Outcome.BUSY, Outcome.SKIPPED, Outcome.ENDPOINT_DISABLED,
)  # fmt: skip


def choices(outcomes: tuple[Outcome, ...]) -> list[tuple[str, str]]:
    """``(value, label)`` pairs of ``outcomes``, for a model field's ``choices``."""
    return [(outcome.value, outcome.label) for outcome in outcomes]
