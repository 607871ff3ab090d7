"""The hub's receivers: every preference change or reset becomes an outbox event (F1, F2).

Connected in ``HubConfig.ready()``. They run inside the writer's atomic block (the
manager's, R-MGR-14, or the deletion's), so the event commits or rolls back with the
change, and the fan-out is published only after the commit (R-SIG-6): a rolled-back
change sends nothing (R1).
"""

from functools import partial
from typing import Any

from django.db import transaction

from hub import outbox, pubsub
from hub.actor import current_actor
from preferences.models import BasePreferenceModel


def record_preference_change(sender: type, instance: Any, old_value: Any, **kwargs: Any) -> None:
    """Record the change made to ``instance`` (the preference row) and schedule its fan-out.

    The engine sends the signal even when the value written equals the stored one (as
    upstream does); such a no-op is not a change, so it records no event and sends no
    webhook, handler task or mail.
    """
    if outbox.is_unchanged(instance, old_value):
        return
    actor = current_actor()
    event = outbox.record_event(
        row=instance, old_value=old_value, actor_id=actor.pk if actor else None
    )
    outbox.schedule_fanout(event)
    # After the engine's own commit callbacks (registered by the row's save, earlier),
    # so other processes that re-read find the new value in the shared cache.
    transaction.on_commit(partial(pubsub.publish_change_soon, event, instance.raw_value))


def record_preference_reset(sender: type, instance: Any, **kwargs: Any) -> None:
    """Record the reset of a deleted preference row and schedule its fan-out.

    Connected to ``post_delete`` for every sender: a receiver for a model makes Django
    send the signal per row even for ``QuerySet.delete()`` and cascades (no fast
    delete), so a bulk delete, the admin's and a deleted model-choice target all come
    here. ``preference_updated`` is not sent for a deletion, as upstream defines it.
    """
    if not isinstance(instance, BasePreferenceModel):
        return
    actor = current_actor()
    event = outbox.record_reset(row=instance, actor_id=actor.pk if actor else None)
    if event is not None:
        outbox.schedule_fanout(event)
        # The row is gone: other processes read the preference again (None).
        transaction.on_commit(partial(pubsub.publish_change_soon, event, None))
