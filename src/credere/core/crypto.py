"""Encryption of sensitive fields at rest (bank accounts, tax and registration ids, contact details).

Values are encrypted with AES-SIV (RFC 5297), a *deterministic* authenticated encryption: the same
value in the same column always gives the same ciphertext, so equality search, ``IN`` lookups and
unique constraints keep working in the database — the ciphertext is its own keyed blind index. It
reveals which rows of a column hold equal values (as a blind index does) and nothing else; the
column's name is bound into the ciphertext, so equal values in two columns do not look alike.

The key comes from ``CREDERE_DATA_KEY`` (any long random secret; two 256-bit keys are derived from
it with HKDF-SHA-256), or on one machine from ``$CREDERE_HOME/data_key``, generated beside the
embedded database. A stored value names its key (``enc1:<key id>:<ciphertext>``); after a rotation
the keys it replaced stay in ``CREDERE_DATA_PREVIOUS_KEYS`` until ``credere privacy rotate-key`` has
encrypted every value with the new one (equality search finds values under the current key only).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "enc1:"


class UnreadableValue(ValueError):
    """A stored value that no configured key opens (a key missing from CREDERE_DATA_PREVIOUS_KEYS)."""


@functools.lru_cache(maxsize=16)
def _cipher(secret: str) -> tuple[str, AESSIV]:
    key = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=b"credere field encryption").derive(
        secret.encode("utf-8"))
    return hashlib.sha256(b"credere key id" + key).hexdigest()[:8], AESSIV(key)


def _current() -> tuple[str, AESSIV]:
    return _cipher(settings.CREDERE_DATA_KEY)


def _known() -> dict[str, AESSIV]:
    ciphers = [_cipher(settings.CREDERE_DATA_KEY), *(_cipher(k) for k in settings.CREDERE_DATA_PREVIOUS_KEYS)]
    return dict(ciphers)


def current_key_id() -> str:
    return _current()[0]


def encrypt(value: str, context: str) -> str:
    """``value`` encrypted under the current key, bound to ``context`` (``app.model.column``)."""
    key_id, cipher = _current()
    token = cipher.encrypt(value.encode("utf-8"), [context.encode("utf-8")])
    return f"{PREFIX}{key_id}:{base64.urlsafe_b64encode(token).decode('ascii').rstrip('=')}"


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def key_id_of(stored: str) -> str:
    return stored[len(PREFIX):].partition(":")[0] if is_encrypted(stored) else ""


def decrypt(stored: str, context: str) -> str:
    """The value of a stored ``enc1:`` token; raises :class:`UnreadableValue` when no configured key opens it."""
    key_id, _, body = stored[len(PREFIX):].partition(":")
    cipher = _known().get(key_id)
    if cipher is None:
        raise UnreadableValue(f"{context}: encrypted with key {key_id}, which is neither CREDERE_DATA_KEY nor in "
                              "CREDERE_DATA_PREVIOUS_KEYS")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return cipher.decrypt(raw, [context.encode("utf-8")]).decode("utf-8")
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise UnreadableValue(f"{context}: the stored value does not open with key {key_id}") from exc


def encrypt_stored_values(model: type, names: list[str], *, reencrypt: bool = False) -> int:
    """Encrypt the values of ``names`` that are stored in plain text (written before these columns were
    encrypted) — or, with ``reencrypt``, every value under a key other than the current one. Used by the
    migrations that turned the columns into encrypted ones and by ``credere privacy rotate-key``.
    Returns how many rows were rewritten."""
    from django.db import connections

    from credere.core.bulk import update_rows

    db = model._default_manager.db  # type: ignore[attr-defined]
    connection = connections[db]
    meta = model._meta  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    columns = [meta.get_field(n).column for n in names]
    current = current_key_id()
    changed = 0
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {quote(meta.pk.column)}, {', '.join(quote(c) for c in columns)} "
                           f"FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} > %s "
                           f"ORDER BY {quote(meta.pk.column)} LIMIT 5000", [last])
            rows = cursor.fetchall()
        if not rows:
            return changed
        last = rows[-1][0]
        stale = [row for row in rows if any(
            v and (not is_encrypted(v) or (reencrypt and key_id_of(v) != current)) for v in row[1:])]
        objs = []
        for pk, *stored in stale:
            obj = model(pk=pk)
            for name, value in zip(names, stored, strict=True):
                context = f"{meta.label_lower}.{meta.get_field(name).attname}"
                setattr(obj, meta.get_field(name).attname,
                        decrypt(value, context) if value and is_encrypted(value) else value)
            objs.append(obj)
        update_rows(model, objs, names)
        changed += len(objs)


def rotate_all() -> dict[str, int]:
    """Encrypt every stored value of every encrypted column under the current key (after a key rotation, with
    the replaced keys in ``CREDERE_DATA_PREVIOUS_KEYS``); rows rewritten per model."""
    from django.apps import apps
    from django.db import transaction

    from credere.core.fields import EncryptedTextField

    out: dict[str, int] = {}
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            with transaction.atomic():
                out[model._meta.label_lower] = encrypt_stored_values(model, names, reencrypt=True)
    return out
