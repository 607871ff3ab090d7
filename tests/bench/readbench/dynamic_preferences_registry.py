"""The benchmark's 50 global preferences: 5 sections of 10 (str, int, bool and float).

Registered with Prefhub's engine or with django-dynamic-preferences 1.17, whichever the
benchmark process installed (both have the same API).
"""

from django.conf import settings

if "dynamic_preferences" in settings.INSTALLED_APPS:
    from dynamic_preferences import types
    from dynamic_preferences.registries import global_preferences_registry
else:
    from preferences import types
    from preferences.registries import global_preferences_registry

SECTIONS = 5
PER_SECTION = 10
KINDS = [
    (types.StringPreference, "text"),
    (types.IntegerPreference, 7),
    (types.BooleanPreference, True),
    (types.FloatPreference, 1.5),
]


def _register(section: str, name: str, kind: type, value: object) -> None:
    attributes = {"section": section, "name": name, "default": value}
    global_preferences_registry.register(type(f"{section}_{name}", (kind,), attributes))


for s in range(SECTIONS):
    for p in range(PER_SECTION):
        kind, default = KINDS[p % len(KINDS)]
        _register(f"s{s}", f"p{p}", kind, default)
