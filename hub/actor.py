"""Who is changing preferences: the acting user of the current request (F1).

``ActorMiddleware`` remembers the request in a context variable for the duration of the
view, so the ``preference_updated`` receiver can record ``request.user`` on the event
without any write path (admin, forms, REST) having to pass it along. Code outside a
request (a management command, a task) can say who acts with ``acting_as(user)``.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

_request: ContextVar[HttpRequest | None] = ContextVar("hub_request", default=None)
_actor: ContextVar[Any] = ContextVar("hub_actor", default=None)


class ActorMiddleware:
    """Expose the current request to ``current_actor()``; add after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """Attribute the changes made inside the block to ``user``."""
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> Any:
    """The user making the current change, or None when unknown or anonymous.

    ``request.user`` is resolved only now, at the first change, so requests that change
    nothing never pay for loading the user.
    """
    actor = _actor.get()
    if actor is None and (request := _request.get()) is not None:
        actor = getattr(request, "user", None)
    return actor if getattr(actor, "is_authenticated", False) else None
