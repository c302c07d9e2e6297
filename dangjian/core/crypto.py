"""Encryption at rest for 公民身份号码 (and any other field that must never be stored in clear).

AES-256-GCM with a random nonce per value; a keyed HMAC "blind index" lets the importer match a
person by ID number without decrypting every row. Keys come from settings.FIELD_ENCRYPTION_KEY
(base64 of 32 bytes, or any passphrase) or are derived from SECRET_KEY.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes
from django.conf import settings

PREFIX = "v1:"


@functools.lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[bytes, bytes]:
    material = secret.encode("utf-8")
    okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=b"dangjian-field-encryption",
               info=b"aes-gcm+hmac").derive(material)
    return okm[:32], okm[32:]


def keys() -> tuple[bytes, bytes]:
    return _keys(settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY)


def encrypt(plaintext: str | None) -> str:
    if not plaintext:
        return ""
    enc_key, _ = keys()
    nonce = os.urandom(12)
    ct = AESGCM(enc_key).encrypt(nonce, plaintext.encode("utf-8"), b"dangjian")
    return PREFIX + base64.b64encode(nonce + ct).decode("ascii")


def decrypt(token: str | None) -> str:
    if not token:
        return ""
    if not token.startswith(PREFIX):
        raise ValueError("未知的密文格式")
    raw = base64.b64decode(token[len(PREFIX):])
    enc_key, _ = keys()
    return AESGCM(enc_key).decrypt(raw[:12], raw[12:], b"dangjian").decode("utf-8")


def blind_index(plaintext: str | None) -> str:
    """A keyed digest for equality look-ups; empty for an empty value."""
    if not plaintext:
        return ""
    _, mac_key = keys()
    return hmac.new(mac_key, plaintext.strip().upper().encode("utf-8"), hashlib.sha256).hexdigest()


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
