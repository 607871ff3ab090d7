"""The hub's only receiver: every preference change becomes an outbox event (F1, F2).

Connected in ``HubConfig.ready()``. It runs inside the manager's atomic block (R-MGR-14),
so the event commits or rolls back with the change, and the fan-out is published only
after the commit (R-SIG-6): a rolled-back change sends nothing (R1).
"""

from functools import partial
from typing import Any

from django.db import transaction

from hub import outbox, pubsub
from hub.actor import current_actor


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
