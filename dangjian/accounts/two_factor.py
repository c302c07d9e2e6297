"""双因素认证（TOTP, RFC 6238）: who must use it, checking codes, recovery codes, the half-logged-in state.

Who must use it (`required`): superusers/staff, 工委管理员 anywhere, and 党组织管理员, 只读审计 and 纪检 on an
org above the branch level (机关党委、党组、党总支…: they read the personal data of a whole subtree; 三员).
A branch secretary (org_admin on a 党支部 or 党小组) may enrol voluntarily and is then asked for a code too
(`applies`), but is not forced (减负). A session that completed the code step carries VERIFIED_KEY; the
middleware sends a session without it back to the code step once 2FA becomes required of its user (role
granted mid-session, enforcement switched on). With
settings.TWO_FACTOR_ENFORCED off (development with DJANGO_DEBUG=1, and the test suite unless a test turns it
on) nobody is forced, but enrolled users still need their code.

Codes: 6 digits, 30-second steps, accepted one step either side of now; the step of the last accepted code is
remembered on the device and a code of that step or an earlier one is refused (no replay).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils import timezone

from dangjian.core import crypto

from .models import RecoveryCode, Role, RoleAssignment, TOTPDevice, User

ISSUER = "机关党建"
STEP_SECONDS = 30
DIGITS = 6
VALID_WINDOW = 1  # steps either side of now
# The roles that require a second factor, and the org types on which they are "branch level" (not forced):
# 工委管理员 is forced everywhere, the others only above branch level.
TWO_FACTOR_ROLES = (Role.WORK_COMMITTEE_ADMIN, Role.ORG_ADMIN, Role.AUDITOR, Role.DISCIPLINE)
BRANCH_LEVEL_ORG_TYPES = ("branch", "group")
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols, no 0/O, 1/I/L look-alikes
_RECOVERY_LENGTH = 16  # 80 random bits
PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 300  # between the password and the code
VERIFIED_KEY = "2fa_verified"  # set on a session logged in through the code step
ENROL_KEY = "two_factor_enrol_device"  # the unconfirmed device this session shows (its secret is for it only)
ENROL_SECONDS = 600  # an unconfirmed secret is void after ten minutes
REAUTH_KEY = "two_factor_reauth_until"  # re-binding from a logged-in session: code or password asked again


# --- who ------------------------------------------------------------------------------------------
def required(user) -> bool:
    """Must this account use a second factor before logging in (TWO_FACTOR_ENFORCED on)?"""
    if not getattr(settings, "TWO_FACTOR_ENFORCED", True) or user is None or not user.pk:
        return False
    if user.is_superuser or user.is_staff:
        return True
    from dangjian.core.permissions import active_roles

    # (the request's own role query, shared with the scope: the check costs no query of its own per request)
    return any(role == Role.WORK_COMMITTEE_ADMIN or (role in TWO_FACTOR_ROLES and org_type not in BRANCH_LEVEL_ORG_TYPES)
               for role, _, org_type in active_roles(user))


def confirmed_device(user) -> TOTPDevice | None:
    if user is None or not user.pk:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).order_by("-confirmed_at").first()


def applies(user) -> bool:
    """Is a code asked for at login (the account is enrolled, or must be)?"""
    return confirmed_device(user) is not None or required(user)


# --- TOTP -----------------------------------------------------------------------------------------
def new_secret() -> str:
    import pyotp

    return pyotp.random_base32()  # 32 base32 characters: 160 bits


def secret_of(device: TOTPDevice) -> str:
    return crypto.decrypt(device.secret_encrypted)


def provisioning_uri(device: TOTPDevice) -> str:
    import pyotp

    return pyotp.TOTP(secret_of(device), digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=device.user.username, issuer_name=ISSUER)


def qr_data_uri(device: TOTPDevice) -> str:
    """The provisioning URI as a QR code: an SVG data: URI for an <img> (no script, no inline <svg>)."""
    import segno

    return segno.make(provisioning_uri(device), error="m").svg_data_uri(scale=5, border=2)


def grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def current_step(now=None) -> int:
    return int((now or timezone.now()).timestamp()) // STEP_SECONDS


def normalize_code(value: str) -> str:
    return "".join((value or "").split())


def is_totp_shaped(value: str) -> bool:
    v = normalize_code(value)
    return len(v) == DIGITS and v.isascii() and v.isdigit()


def is_recovery_shaped(value: str) -> bool:
    return len(_normalize_recovery(value)) == _RECOVERY_LENGTH


def matching_step(secret: str, code: str, now=None) -> int | None:
    """The time step (now ±VALID_WINDOW) whose code is `code`, or None."""
    import pyotp

    code = normalize_code(code)
    if not is_totp_shaped(code):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    step = current_step(now)
    found = None
    for s in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(s), code):
            found = s
    return found


def accept_totp(device: TOTPDevice, code: str) -> bool:
    """Check a code and consume its time step (atomically: two requests with one code, one wins)."""
    from django.db.models import Q

    step = matching_step(secret_of(device), code)
    if step is None:
        return False
    won = (TOTPDevice.objects.filter(pk=device.pk).filter(Q(last_step__isnull=True) | Q(last_step__lt=step))
           .update(last_step=step))
    if won:
        device.last_step = step
    return bool(won)


# --- recovery codes -------------------------------------------------------------------------------
def _normalize_recovery(value: str) -> str:
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def recovery_hash(device: TOTPDevice, code: str) -> str:
    return hashlib.sha256(f"{device.user_id}:{_normalize_recovery(code)}".encode()).hexdigest()


def new_recovery_codes(device: TOTPDevice) -> list[str]:
    """Replace the device's recovery codes with RECOVERY_CODE_COUNT new ones; returns them in clear (once)."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    RecoveryCode.objects.filter(device=device).delete()
    RecoveryCode.objects.bulk_create([RecoveryCode(device=device, code_hash=recovery_hash(device, c))
                                      for c in codes])
    return codes


def use_recovery_code(device: TOTPDevice, code: str) -> bool:
    if len(_normalize_recovery(code)) != _RECOVERY_LENGTH:
        return False
    return bool(RecoveryCode.objects.filter(device=device, code_hash=recovery_hash(device, code),
                                            used_at__isnull=True).update(used_at=timezone.now()))


def recovery_codes_left(device: TOTPDevice | None) -> int:
    if device is None:
        return 0
    return RecoveryCode.objects.filter(device=device, used_at__isnull=True).count()


# --- the half-logged-in state (password checked, code not yet) ------------------------------------
def start_pending(request, user, next_url: str) -> None:
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk, "backend": getattr(user, "backend", "") or "",
        "until": timezone.now().timestamp() + PENDING_SECONDS, "next": next_url or ""}


def pending(request) -> tuple[User | None, dict]:
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict) or data.get("until", 0) < timezone.now().timestamp():
        clear_pending(request)
        return None, {}
    user = User.objects.filter(pk=data.get("user"), is_active=True).select_related("person__org").first()
    return user, data


def clear_pending(request) -> None:
    request.session.pop(PENDING_KEY, None)
    request.session.pop(ENROL_KEY, None)


# --- sessions ---------------------------------------------------------------------------------------
def end_sessions(user, *, keep: str | None = None) -> int:
    """End the logins of `user` (database sessions), except the session `keep`. Returns how many ended."""
    from importlib import import_module

    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    if settings.SESSION_ENGINE not in ("django.contrib.sessions.backends.db",
                                       "django.contrib.sessions.backends.cached_db"):
        return 0  # pragma: no cover - the project keeps sessions in the database
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for key, data in (Session.objects.filter(expire_date__gt=timezone.now()).exclude(session_key=keep or "")
                      .values_list("session_key", "session_data").iterator()):
        if str(store().decode(data).get(SESSION_KEY)) == str(user.pk):
            store(session_key=key).delete()
            ended += 1
    return ended
