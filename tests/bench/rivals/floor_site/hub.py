"""One task per endpoint and change, one POST per task."""

import json
from functools import cache, partial

import httpx
from celery import shared_task
from django.conf import settings
from django.db import transaction


def on_save(sender: type, instance, **kwargs) -> None:
    body = json.dumps(
        {"identifier": instance.preference.identifier(), "new_value": instance.raw_value}
    )
    for url in settings.FLOOR_URLS:
        transaction.on_commit(partial(post.delay, url, body))


@cache
def client() -> httpx.Client:
    return httpx.Client(timeout=15)


@shared_task(name="floor.post", ignore_result=True)
def post(url: str, body: str) -> None:
    client().post(url, content=body, headers={"Content-Type": "application/json"})
