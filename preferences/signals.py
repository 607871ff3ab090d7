"""The engine's only outward edge: sent once per preference write (spec section 16)."""

from django.dispatch import Signal

# Keyword arguments: sender (the preference class), section, name, old_value, new_value,
# instance (the preference model row after the write).
preference_updated = Signal()
