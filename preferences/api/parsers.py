"""Request parsing of the preference and hub APIs: bad bodies are JSON 4xx, never 500s.

DRF's own ``JSONParser`` lets a deeply nested document raise ``RecursionError``, and
accepts ``"\\ud800"`` escapes that decode to lone surrogates, which no database or JSON
response can encode later. Both become a ``ParseError`` here. A body over Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a JSON 413 instead of Django's HTML 400 page.
"""

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class StrictJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc
        _refuse_lone_surrogates(data)
        return data


def _refuse_lone_surrogates(data: Any) -> None:
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ParseError(
            "JSON parse error - a string holds a lone surrogate (an unpaired \\ud800-\\udfff "
            "escape), which is not valid Unicode text."
        ) from exc


class StrictInputMixin:
    """For API views: the strict JSON parser, and an oversized body as a JSON 413."""

    # DRF's default parsers, with the JSON one replaced.
    parser_classes = [StrictJSONParser, FormParser, MultiPartParser]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            exc = PayloadTooLarge(f"The request body is over the limit of {limit:,} bytes.")
        return super().handle_exception(exc)
