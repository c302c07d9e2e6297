"""Encryption at rest for 公民身份号码 (and any other field that must never be stored in clear).

AES-256-GCM with a random nonce per value; a keyed HMAC "blind index" lets the importer match a
person by ID number without decrypting every row. Keys come from settings.FIELD_ENCRYPTION_KEY
(base64 of 32 bytes, or any passphrase) or are derived from SECRET_KEY.

Key rotation: settings.FIELD_ENCRYPTION_OLD_KEYS (comma separated in the environment) lists keys
that are still tried for decryption. A token is ``v1:<key id>:<base64>``; the key id (8 hex digits,
a digest of the derived MAC key that reveals nothing about it) names the key that wrote it, so
`dangjian rotate_id_key` recognises rows that are already on the current key. Tokens written before
key ids existed (``v1:<base64>``) are decrypted by trying the current key, then the old ones.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes
from django.conf import settings

PREFIX = "v1:"


class DecryptionError(ValueError):
    """No configured key opens this value (a wrong FIELD_ENCRYPTION_KEY, or an old key removed too early)."""


@functools.lru_cache(maxsize=16)
def _keys(secret: str) -> tuple[bytes, bytes]:
    material = secret.encode("utf-8")
    okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=b"dangjian-field-encryption",
               info=b"aes-gcm+hmac").derive(material)
    return okm[:32], okm[32:]


@functools.lru_cache(maxsize=16)
def _key_id(secret: str) -> str:
    return hashlib.sha256(_keys(secret)[1] + b"dangjian-key-id").hexdigest()[:8]


def current_secret() -> str:
    return settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY


def old_secrets() -> list[str]:
    """The keys still accepted for decryption, oldest last; the current key is never repeated here."""
    raw = getattr(settings, "FIELD_ENCRYPTION_OLD_KEYS", None) or ()
    if isinstance(raw, str):
        raw = raw.split(",")
    current = current_secret()
    out = []
    for k in raw:
        k = k.strip()
        if k and k != current and k not in out:
            out.append(k)
    return out


def keys() -> tuple[bytes, bytes]:
    return _keys(current_secret())


def key_id() -> str:
    """The id of the current key, as written into new tokens."""
    return _key_id(current_secret())


def encrypt(plaintext: str | None) -> str:
    if not plaintext:
        return ""
    secret = current_secret()
    enc_key, _ = _keys(secret)
    nonce = os.urandom(12)
    ct = AESGCM(enc_key).encrypt(nonce, plaintext.encode("utf-8"), b"dangjian")
    return f"{PREFIX}{_key_id(secret)}:" + base64.b64encode(nonce + ct).decode("ascii")


def _split(token: str) -> tuple[str | None, bytes]:
    if not token.startswith(PREFIX):
        raise ValueError("未知的密文格式")
    body = token[len(PREFIX):]
    kid = None
    if len(body) > 9 and body[8] == ":":  # base64 never contains ":"
        kid, body = body[:8], body[9:]
    return kid, base64.b64decode(body)


def token_key_id(token: str | None) -> str | None:
    """The key id written in a token (None for a token from before key ids, or an empty value)."""
    if not token:
        return None
    return _split(token)[0]


def is_current(token: str | None) -> bool:
    """True when the token was written with the current key (an empty value counts as current)."""
    return not token or (token.startswith(PREFIX) and token_key_id(token) == key_id())


def decrypt(token: str | None) -> str:
    return decrypt_with(token, [current_secret(), *old_secrets()])


def decrypt_with(token: str | None, secrets_: list[str]) -> str:
    """Decrypt with one of the given keys only (the rotation's final check uses the current key alone)."""
    if not token:
        return ""
    kid, raw = _split(token)
    if kid is not None:
        secrets_ = [s for s in secrets_ if _key_id(s) == kid]
    for secret in secrets_:
        try:
            return AESGCM(_keys(secret)[0]).decrypt(raw[:12], raw[12:], b"dangjian").decode("utf-8")
        except InvalidTag:
            continue
    raise DecryptionError("无法解密：当前配置的密钥（FIELD_ENCRYPTION_KEY 及 FIELD_ENCRYPTION_OLD_KEYS）"
                          "都不是写入该数据时使用的密钥")


def can_decrypt(token: str | None) -> bool:
    try:
        decrypt(token)
    except ValueError:
        return False
    return True


def _digest(secret: str, plaintext: str) -> str:
    return hmac.new(_keys(secret)[1], plaintext.strip().upper().encode("utf-8"), hashlib.sha256).hexdigest()


def blind_index(plaintext: str | None) -> str:
    """A keyed digest for equality look-ups; empty for an empty value."""
    if not plaintext:
        return ""
    return _digest(current_secret(), plaintext)


def blind_indexes(plaintext: str | None) -> list[str]:
    """The digest under the current key and under every old key (current first): a look-up that must
    also find rows a key rotation has not reached yet filters with `__in` on these."""
    if not plaintext:
        return []
    return [_digest(s, plaintext) for s in (current_secret(), *old_secrets())]


def blind_index_aliases(plaintexts) -> dict[str, str]:
    """For batch look-ups during a key rotation: the digest of each value under every configured key
    (current and old) → its digest under the current key. Filter with `__in` on the keys, then map a
    found row's digest through this to the value it stands for."""
    out: dict[str, str] = {}
    for value in plaintexts:
        digests = blind_indexes(value)
        for d in digests:
            out.setdefault(d, digests[0])
    return out


def key_check_token() -> str:
    """A ciphertext of a fixed text: stored in backups so a restore can tell whether its key fits."""
    return encrypt(KEY_CHECK_TEXT)


KEY_CHECK_TEXT = "dangjian-key-check"


def mask_id_number(value: str | None) -> str:
    """110105********123X — region prefix and last four only."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_fully(value) -> str:  # used by auditlog for masked fields
    return "******" if value not in (None, "") else ""


# --- 公民身份号码 (GB 11643-1999) -------------------------------------------------------------
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def normalize_id_number(value: str | None) -> str:
    return (value or "").strip().replace(" ", "").upper()


def id_number_problem(value: str) -> str | None:
    """Returns a Chinese message saying what is wrong, or None when the number is valid."""
    import datetime as _dt

    v = normalize_id_number(value)
    if len(v) != 18:
        return "公民身份号码应为18位"
    if not v.isascii() or not v[:17].isdigit() or not (v[17].isdigit() or v[17] == "X"):
        return "公民身份号码前17位应为数字，最后一位为数字或X"
    try:
        _dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return "公民身份号码中的出生日期无效"
    if id_check_digit(v[:17]) != v[17]:
        return "公民身份号码校验码错误，请核对后重新输入"
    return None


def id_number_birth_date(value: str):
    import datetime as _dt

    v = normalize_id_number(value)
    return _dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))


# --- which columns hold ciphertext ----------------------------------------------------------------
def encrypted_columns():
    """Every (model, field) whose column holds tokens of this module: found generically, so a new
    encrypted field is rotated and checked without a list to keep up to date. A field is encrypted
    when it says so (`encrypted = True` on the field or its class) or is named `<something>_encrypted`.
    A `<something>_digest` field on the same model is its blind index."""
    from django.apps import apps
    from django.db import models

    out = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for f in model._meta.concrete_fields:
            if not isinstance(f, (models.TextField, models.CharField)):
                continue
            if getattr(f, "encrypted", False) or f.name.endswith("_encrypted"):
                out.append((model, f))
    return out


def digest_field_for(model, field):
    """The blind-index field kept beside an encrypted field (`id_number_encrypted` → `id_number_digest`)."""
    base = field.name[:-len("_encrypted")] if field.name.endswith("_encrypted") else field.name
    try:
        return model._meta.get_field(base + "_digest")
    except Exception:
        return None


def orphan_digest_columns():
    """Blind-index fields without ciphertext beside them (a disposition keeps the person's
    `id_number_digest` so that a later record of the same person is still matched): (model, field, base)."""
    from django.apps import apps

    bases = {f.name[:-len("_encrypted")] for _, f in encrypted_columns() if f.name.endswith("_encrypted")}
    out = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = {f.name for f in model._meta.concrete_fields}
        for f in model._meta.concrete_fields:
            if f.name.endswith("_digest"):
                base = f.name[:-len("_digest")]
                if base in bases and base + "_encrypted" not in names:
                    out.append((model, f, base))
    return out
