"""Encryption at rest: sensitive preference values, webhook secrets, sealed event values.

Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from ``SECRET_KEY`` by HKDF, so a
database dump alone reveals nothing. Rotating ``SECRET_KEY`` makes stored tokens
unreadable; list the old key in ``SECRET_KEY_FALLBACKS`` to keep reading them.

The primitive lives in the preferences engine, which must not depend on the hub; the hub
seals its own data with the same ``seal``/``unseal``.
"""

import base64
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

# Unchanged since the helper lived in ``hub.encryption``: stored tokens stay readable.
HKDF_INFO = b"prefhub.hub.encryption.v1"

# Marks a sealed raw value, so that rows written before sealing existed still read.
SEALED_PREFIX = "sealed:"


@lru_cache(maxsize=8)
def _fernet_for(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(key) for key in keys])


def seal(plaintext: str) -> str:
    """Encrypt ``plaintext`` for storage; the result is ASCII text."""
    return _fernet().encrypt(plaintext.encode()).decode("ascii")


def unseal(token: str) -> str:
    """Decrypt a value made by ``seal``; raises ``ValueError`` if it was tampered with."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken as exc:
        raise ValueError("stored value cannot be decrypted with SECRET_KEY") from exc


def is_sensitive(preference: Any) -> bool:
    """True when the preference object or class declares ``sensitive = True``."""
    return bool(getattr(preference, "sensitive", False))


def seal_raw(raw: str | None) -> str | None:
    """The stored form of a sensitive preference's raw value; empty values stay empty."""
    if not raw or raw.startswith(SEALED_PREFIX):
        return raw
    return SEALED_PREFIX + seal(raw)


def unseal_raw(raw: str | None) -> str | None:
    """Undo ``seal_raw``; a raw value stored before sealing existed is returned as is."""
    if not raw or not raw.startswith(SEALED_PREFIX):
        return raw
    return unseal(raw.removeprefix(SEALED_PREFIX))


def seal_sensitive_rows(model: Any, registry: Any) -> int:
    """Seal the plaintext raw values of ``model``'s sensitive rows; return how many.

    For data migrations: ``model`` may be a historical model, the live ``registry`` says
    which preferences are sensitive.
    """
    sealed = 0
    for preference in registry.preferences():
        if not is_sensitive(preference):
            continue
        rows = model.objects.filter(section=preference.section.name, name=preference.name)
        for row in rows.exclude(raw_value__startswith=SEALED_PREFIX).exclude(raw_value=""):
            if row.raw_value is not None:
                model.objects.filter(pk=row.pk).update(raw_value=seal_raw(row.raw_value))
                sealed += 1
    return sealed
