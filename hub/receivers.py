"""The hub's only receiver: every preference change becomes an outbox event (F1, F2).

Connected in ``HubConfig.ready()``. It runs inside the manager's atomic block (R-MGR-14),
so the event commits or rolls back with the change, and the fan-out is published only
after the commit (R-SIG-6): a rolled-back change sends nothing (R1).
"""

from typing import Any

from hub import outbox
from hub.actor import current_actor


def record_preference_change(sender: type, instance: Any, old_value: Any, **kwargs: Any) -> None:
    """Record the change made to ``instance`` (the preference row) and schedule its fan-out."""
    actor = current_actor()
    event = outbox.record_event(
        row=instance, old_value=old_value, actor_id=actor.pk if actor else None
    )
    outbox.schedule_fanout(event)
