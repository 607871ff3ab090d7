"""The hub's staff-only REST API: webhook endpoints, the delivery log, replay (F7, F8, F10)."""
