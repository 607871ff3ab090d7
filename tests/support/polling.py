"""Bounded polling: wait for another process to have done something, never sleep blindly."""

import time
from collections.abc import Callable
from typing import Any


def wait_until(condition: Callable[[], Any], *, timeout: float = 20.0, interval: float = 0.1):
    """Poll ``condition`` until it returns something truthy and return that.

    ``TimeoutError`` names the condition when ``timeout`` seconds pass first.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            name = getattr(condition, "__name__", repr(condition))
            raise TimeoutError(f"{name} not met within {timeout} s")
        time.sleep(interval)
