"""Encryption at rest for webhook secrets and sensitive event values (F4, F17).

Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from ``SECRET_KEY`` by HKDF, so a
database dump alone reveals nothing. Rotating ``SECRET_KEY`` makes stored tokens
unreadable; list the old key in ``SECRET_KEY_FALLBACKS`` to keep reading them.
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

HKDF_INFO = b"prefhub.hub.encryption.v1"


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
