"""REST API of the preferences engine (Django REST framework, spec §14)."""
