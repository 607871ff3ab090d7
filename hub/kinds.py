"""The kinds of event the hub records and delivers: defined here, and only here.

They are the ``type`` of a webhook payload, the ``kinds`` of a handler and the event types
an endpoint subscribes to. Pure: importable from models, payloads and filters alike.
"""

from django.db import models


class EventKind(models.TextChoices):
    PREFERENCE_UPDATED = "preference.updated", "Preference updated"
    PREFERENCE_RESET = "preference.reset", "Preference reset"
    ENDPOINT_DISABLED = "endpoint.disabled", "Endpoint disabled"
    PREFERENCE_PING = "preference.ping", "Test event"


# The kinds that concern one preference (registry, identifier, owner, old and new value):
# they share the per-key version, match identifier globs and carry values in payloads.
PREFERENCE_KINDS = (EventKind.PREFERENCE_UPDATED, EventKind.PREFERENCE_RESET)
