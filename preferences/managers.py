"""PreferencesManager: the one read and write path for preference values (spec §9).

Reads go cache first (raw strings under R-CACHE-2's keys), then the database, creating
rows with their default lazily. Writes validate, save inside one atomic block together
with the ``preference_updated`` signal, and keep the cache in step (R-MGR-13..15).
"""

from collections.abc import Iterator, Mapping
from functools import partial
from threading import get_ident
from time import monotonic
from typing import Any

from django.core.cache import BaseCache, caches
from django.core.exceptions import FieldDoesNotExist
from django.db import router, transaction

from . import cache_io, local_cache, pending
from .exceptions import CachedValueNotFound
from .serializers import SerializationError
from .settings import preferences_settings
from .signals import preference_updated
from .types import invalid_value

# Returned by the cache on a miss; distinct from every value the cache can store (R-CACHE-5).
_MISSING = object()


class PreferencesManager(Mapping):
    """A read-only mapping ``identifier -> value`` plus ``__setitem__`` (R-MGR-1).

    It holds no values, so creating one is cheap, and one created at import time keeps
    working: every read goes to the cache or the database (#191).
    """

    def __init__(self, model: Any, registry: Any, **kwargs: Any) -> None:
        self.model = model
        self.registry = registry
        self.instance = kwargs.get("instance")
        # This manager's part of the in-process copy; None (never copied) for an
        # instance without a primary key yet.
        self._scope = local_cache.scope_of(model, self.instance)

    # -- ownership ---------------------------------------------------------------------

    def _owner_lookup(self) -> dict[str, Any]:
        """Filter kwargs selecting this manager's rows.

        A per-instance model without a bound instance would read and write across every
        instance (#285's MultipleObjectsReturned), so it is refused (R-MGR-2).
        """
        if self.instance is not None:
            return {"instance": self.instance}
        if _is_per_instance(self.model):
            raise TypeError(
                f"{self.model.__name__} preferences belong to an instance: use "
                f"registry.manager(instance=<object>) or <object>.preferences."
            )
        return {}

    @property
    def queryset(self) -> Any:
        return self.model.objects.filter(**self._owner_lookup())

    # -- mapping protocol --------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        # The fast path: a fresh in-process entry, while no write of this process waits
        # for its commit (the writer must read its own pending value).
        entry = local_cache.values.get((self._scope, key))
        if (
            entry is not None
            and entry[1] > monotonic()
            and not (pending.active and get_ident() in pending.active)  # pending.here()
        ):
            return entry[0] if entry[2] is None else entry[2](entry[0])
        return self.get(key)

    def __setitem__(self, key: str, value: Any) -> None:
        """Validate ``value`` and write it (R-MGR-6).

        Values the preference rejects, and values its serializer cannot store, both raise
        ``django.core.exceptions.ValidationError``; nothing is written.
        """
        section, name = self.parse_lookup(key)
        preference = self.registry.get(section=section, name=name)
        preference.check_value(value)
        preference.validate(value)
        self.update_db_pref(section=section, name=name, value=value)

    def __iter__(self) -> Iterator[str]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self.all())

    def __repr__(self) -> str:
        return repr(self.all())

    # -- lookups -----------------------------------------------------------------------

    def parse_lookup(self, lookup: str) -> tuple[str | None, str]:
        """``"section__name"`` -> ``("section", "name")``; anything else -> ``(None, lookup)``."""
        parts = lookup.split(preferences_settings.SECTION_KEY_SEPARATOR)
        if len(parts) == 2:
            return parts[0], parts[1]
        return None, lookup

    def pref_obj(self, section: str | None, name: str) -> Any:
        return self.registry.get(section=section, name=name)

    def by_name(self) -> dict[str, Any]:
        """``all()`` keyed by bare names; the last one wins on a clash (R-MGR-9)."""
        separator = preferences_settings.SECTION_KEY_SEPARATOR
        return {key.split(separator)[-1]: value for key, value in self.all().items()}

    def get_by_name(self, name: str) -> Any:
        return self.get(self.registry.get_by_name(name).identifier())

    # -- cache -------------------------------------------------------------------------

    @property
    def cache(self) -> BaseCache:
        """Looked up on each use so that settings overrides apply (R-CACHE-1)."""
        return caches[preferences_settings.CACHE_NAME]

    def get_cache_key(self, section: str | None, name: str) -> str:
        """R-CACHE-2's key; the model's class name only (collisions documented, §18.3-13)."""
        owner = self._owner_lookup().get("instance")
        if owner is None:
            return f"dynamic_preferences_{self.model.__name__}_{section}_{name}"
        return f"dynamic_preferences_{self.model.__name__}_{owner.pk}_{section}_{name}"

    def from_cache(self, section: str | None, name: str) -> Any:
        """The cached value, deserialized; ``CachedValueNotFound`` on a miss (R-CACHE-5)."""
        key = self.get_cache_key(section, name)
        raw = self._cached_raw([key]).get(key, _MISSING)
        if raw is _MISSING:
            raise CachedValueNotFound
        return self.pref_obj(section, name).from_raw(_raw_from_cache(raw))

    def many_from_cache(self, preferences: list[Any]) -> dict[str, Any]:
        """``{identifier: value}`` for the preferences found in the cache, in one round trip."""
        keys = {self.get_cache_key(p.section.name, p.name): p for p in preferences}
        cached = self._cached_raw(list(keys))
        return {
            keys[key].identifier(): keys[key].from_raw(_raw_from_cache(raw))
            for key, raw in cached.items()
        }

    def to_cache(self, *rows: Any, strict: bool = False) -> None:
        """Store the rows' raw values with one ``set_many`` and the backend's timeout (R-CACHE-4).

        Empty values are replaced by a sentinel because some backends refuse to store
        them, which would leave the entry permanently cold. Inside a transaction the
        write waits for the commit (see ``preferences.pending``); then this process's
        in-process copies of the rows are dropped. An unreachable cache is skipped
        unless ``strict`` (for a caller that retries, such as a task).
        """
        self._write_cache(self._raw_values(rows), self._local_keys(rows), strict=strict)

    def forget(self, section: str | None, name: str, *, strict: bool = False) -> None:
        """Drop the cache entry of one preference, so the next read goes to the database."""
        self._write_cache(
            {self.get_cache_key(section, name): pending.DELETED},
            [(self._scope, _identifier(section, name))],
            strict=strict,
        )

    def _fill_cache(self, *rows: Any) -> None:
        """Cache rows a read loaded: the values are unchanged, so copies stay valid."""
        self._write_cache(self._raw_values(rows), (), strict=False)

    def _raw_values(self, rows: Any) -> dict[str, Any]:
        empty = preferences_settings.CACHE_NONE_VALUE
        return {self.get_cache_key(row.section, row.name): row.raw_value or empty for row in rows}

    def _local_keys(self, rows: Any) -> list[tuple[str | None, str]]:
        return [(self._scope, _identifier(row.section, row.name)) for row in rows]

    def _cached_raw(self, keys: list[str]) -> dict[str, Any]:
        """Raw values of ``keys``: this transaction's pending writes first, then the cache."""
        found: dict[str, Any] = {}
        if pending.here():
            found = pending.lookup(self._using(), preferences_settings.CACHE_NAME, keys)
            keys = [key for key in keys if key not in found]
            found = {key: raw for key, raw in found.items() if raw is not pending.DELETED}
        label, cache = cache_io.cache_label(preferences_settings.CACHE_NAME), self.cache
        if len(keys) == 1:
            raw = cache_io.guarded(label, partial(cache.get, keys[0], _MISSING), _MISSING)
            if raw is not _MISSING:
                found[keys[0]] = raw
        elif keys:
            found.update(cache_io.guarded(label, partial(cache.get_many, keys), {}))
        return found

    def _write_cache(self, values: dict[str, Any], local_keys: Any, *, strict: bool) -> None:
        alias = preferences_settings.CACHE_NAME
        apply = partial(_apply_to_cache, alias, strict, local_keys)
        pending.write(self._using(), alias, values, apply)

    def _using(self) -> str:
        return router.db_for_write(self.model)

    # -- reads -------------------------------------------------------------------------

    def get(self, key: str, no_cache: bool = False) -> Any:
        """The value of ``key``; the second positional parameter is ``no_cache`` (R-MGR-5).

        Unlike ``Mapping.get`` there is no default argument: ``manager.get(key, x)``
        bypasses the cache whenever ``x`` is truthy.
        """
        section, name = self.parse_lookup(key)
        preference = self.pref_obj(section, name)
        if no_cache or not preferences_settings.ENABLE_CACHE:
            return self.get_db_pref(section=section, name=name).value
        local_key = self._local_key(preference)
        if local_key is not None:
            seen = local_cache.token(local_key)
            # A pushed value is read once; when its copy expires the shared cache answers.
            raw = local_cache.pushed.pop(local_key, _MISSING)
            value = (
                self._read_shared(section, name)
                if raw is _MISSING
                else preference.from_raw(_raw_from_cache(raw))
            )
            local_cache.store(local_key, *_copy_of(preference, value), seen)
            return value
        return self._read_shared(section, name)

    def _read_shared(self, section: str | None, name: str) -> Any:
        try:
            return self.from_cache(section, name)
        except CachedValueNotFound:
            pass
        row = self.get_db_pref(section=section, name=name)
        self._fill_cache(row)
        return row.value

    def _local_key(self, preference: Any) -> tuple[str, str] | None:
        """The in-process key of ``preference``, or None when no copy may be kept now.

        No copy is kept while a write of this process waits for its commit: what the
        writer reads then may still be rolled back.
        """
        if self._scope is None or pending.here() or not local_cache.ensure_started():
            return None
        return self._scope, preference.identifier()

    def all(self) -> dict[str, Any]:
        """``{identifier: value}`` for every registered preference (R-MGR-7).

        A fully cached registry costs no query; on any miss, all rows are read at once.
        """
        if not preferences_settings.ENABLE_CACHE:
            return self.load_from_db()
        entry = local_cache.values.get((self._scope, local_cache.ALL))
        if entry is not None and entry[1] > monotonic() and not pending.here():
            return dict(entry[0])
        preferences = self.registry.preferences()
        all_key = self._scope, local_cache.ALL
        copied = self._scope is not None and not pending.here() and local_cache.ensure_started()
        seen = local_cache.token(all_key)
        values = self.many_from_cache(preferences)
        if len(values) != len(preferences):
            # The database holds every value, so its answer replaces the cached part.
            values = self.load_from_db(cache=True)
        if copied and all(local_cache.is_plain(value) for value in values.values()):
            local_cache.store(all_key, dict(values), None, seen)
        return values

    def load_from_db(self, cache: bool = False) -> dict[str, Any]:
        """Read all rows in one query, creating missing ones with their default (R-MGR-8).

        Existing rows are never reset to their default (the data loss of #81).
        """
        rows = {(row.section, row.name): row for row in self.queryset}
        values, found = {}, []
        for preference in self.registry.preferences():
            row = rows.get((preference.section.name, preference.name))
            if row is None:
                row = self._get_or_create_default(preference.section.name, preference.name)
            else:
                found.append(row)
            values[preference.identifier()] = row.value
        if cache and found:
            self._fill_cache(*found)
        return values

    def ensure_rows(self) -> None:
        """Create the missing rows of registered preferences with their defaults; read no value.

        Unlike ``all()`` this never deserializes, so a stored value that cannot be read
        (written straight to the database, say) does not stop it.
        """
        existing = set(self.queryset.values_list("section", "name"))
        for preference in self.registry.preferences():
            if (preference.section.name, preference.name) not in existing:
                self._get_or_create_default(preference.section.name, preference.name)

    def get_db_pref(self, section: str | None, name: str) -> Any:
        """This manager's row for the preference, created with its default if missing (R-MGR-10)."""
        try:
            return self.queryset.get(section=section, name=name)
        except self.model.DoesNotExist:
            return self._get_or_create_default(section, name)

    def _get_or_create_default(self, section: str | None, name: str) -> Any:
        """Materialise a missing row; the model's ``save()`` fills in the default (R-MOD-5).

        Unlike ``create_db_pref`` this never overwrites a row that a concurrent writer
        created in the meantime: a read must not reset a value that was just written.
        """
        self.pref_obj(section, name)
        row, _ = self.model.objects.get_or_create(
            section=section, name=name, **self._owner_lookup()
        )
        return row

    # -- writes ------------------------------------------------------------------------

    def create_db_pref(self, section: str | None, name: str, value: Any) -> Any:
        """Create the row holding ``value`` and return it (R-MGR-11).

        ``value`` is serialized first (a file is stored now). If the row appeared in the
        meantime, ``value`` is still applied: the original silently dropped it. A name the
        registry does not know still gets its row, read through the ``MissingPreference``
        fallback, as in django-dynamic-preferences 1.17 (#41).
        """
        preference = self.registry.get(section=section, name=name, fallback=True)
        raw_value = self._serialize(preference, value)
        row, _ = self.model.objects.get_or_create(
            section=section, name=name, **self._owner_lookup(), defaults={"raw_value": raw_value}
        )
        if row.raw_value != raw_value:
            # An empty raw value is replaced by the default on creation (R-MOD-5).
            row.raw_value = raw_value
            row.save()
        return row

    def update_db_pref(self, section: str | None, name: str, value: Any) -> Any:
        """Write ``value`` and send ``preference_updated``, atomically (R-MGR-13, R-MGR-14).

        The signal is sent with ``Signal.send`` inside the same atomic block, so a
        receiver's exception rolls the write back. Cache writes wait for the commit, so
        a rolled-back write leaves every cache as it was (R-MGR-15).
        """
        preference = self.pref_obj(section, name)
        with transaction.atomic(using=self._using()):
            row, old_value = self._save_value(preference, section, name, value)
            preference_updated.send(
                sender=type(preference),
                section=section,
                name=name,
                old_value=old_value,
                new_value=value,
                instance=row,
            )
        return row

    def _save_value(
        self, preference: Any, section: str | None, name: str, value: Any
    ) -> tuple[Any, Any]:
        """Store ``value``; return the row and the value it replaced.

        A row created by this write replaces the preference's default (R-MGR-13, #237).
        The row is locked until the commit, so that concurrent writers of one key queue
        up and each one's old value is the value the previous one wrote.
        """
        row = self.queryset.select_for_update().filter(section=section, name=name).first()
        if row is None:
            return self.create_db_pref(section, name, value), preference.get("default")
        old_value = row.value
        row.raw_value = self._serialize(preference, value)
        row.save()
        return row, old_value

    @staticmethod
    def _serialize(preference: Any, value: Any) -> str | None:
        """The raw value of ``value``; a serializer's refusal is a ValidationError (R-MGR-6)."""
        try:
            return preference.to_raw(value)
        except (SerializationError, ValueError, TypeError) as exc:
            raise invalid_value(preference, exc) from exc


def _apply_to_cache(alias: str, strict: bool, local_keys: Any, values: dict[str, Any]) -> None:
    """Write and delete committed values in the cache ``alias``, drop in-process copies.

    Unless ``strict``, an unreachable cache is logged and skipped: the value has
    committed, and the entry is refreshed by the hub's invalidation or expires.
    """
    store = partial(_store, caches[alias], values)
    try:
        if strict:
            store()
        else:
            cache_io.guarded(cache_io.cache_label(alias), store, None)
    finally:
        # After the shared cache: a thread re-reading in between must find the new value.
        for local_key in local_keys:
            local_cache.invalidate(local_key)


def _store(cache: BaseCache, values: dict[str, Any]) -> None:
    deleted = [key for key, raw in values.items() if raw is pending.DELETED]
    if deleted:
        cache.delete_many(deleted)
    if len(deleted) < len(values):
        cache.set_many({key: raw for key, raw in values.items() if raw is not pending.DELETED})


def _identifier(section: str | None, name: str) -> str:
    if section is None:
        return name
    return f"{section}{preferences_settings.SECTION_KEY_SEPARATOR}{name}"


def _copy_of(preference: Any, value: Any) -> tuple[Any, Any]:
    """What the in-process copy keeps of ``value``: itself, or its raw form to rebuild.

    Immutable values are shared by every read; anything else (a model instance, a
    file, a list) is rebuilt from its raw form on each read, as from the shared cache.
    """
    if local_cache.is_plain(value):
        return value, None
    return preference.to_raw(value), preference.from_raw


def _raw_from_cache(raw: str) -> str | None:
    """Undo the empty-value sentinel of ``to_cache``."""
    return None if raw == preferences_settings.CACHE_NONE_VALUE else raw


def _is_per_instance(model: Any) -> bool:
    try:
        model._meta.get_field("instance")
    except FieldDoesNotExist:
        return False
    return True
