"""最小必要 in the audit trail: what a reader of the 痕迹 sees of the personal values in it.

The before/after of an AuditEvent (`data`) and the field diffs of django-auditlog (`LogEntry.changes`) keep the
former and current phone numbers, e-mail addresses and ID numbers of a person. A reader of the trail (the history
pages, `GET /api/audit-events/`) sees that such a value changed and a masked form (`137****1111`); only a role that
may see full personal data — `view_id_number` on the event's org, the rule of the full 公民身份号码 — or the person
themself sees the values in full. `Disclosure` decides that once per org per request (no query per row: the user's
scope is cached for the request) and remembers whose values it showed in full, so that a caller writes one
个人信息访问记录 INSERT for the whole page (`record_access`).

`PERSONAL_KEYS` is also the core of `privacy.actions.SENSITIVE_KEYS` (the keys 去标识化 blanks for good): one list."""
from __future__ import annotations

from dangjian.core.crypto import mask_fully, mask_id_number
from dangjian.core.permissions import VIEW_ID_NUMBER, can_in_org


def mask_phone(value: str) -> str:
    """13700001111 → 137****1111: the first three and the last four characters (shorter values: all stars)."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_email(value: str) -> str:
    """lihongmei@example.com → l***@example.com."""
    local, at, domain = value.partition("@")
    if not at or not local:
        return mask_fully(value)
    return f"{local[0]}***@{domain}"


# Key (at any depth of the JSON) → how its values are masked. ID numbers as everywhere else (crypto.mask_id_number,
# the form of the people list); ciphertexts, digests and exchange ids carry nothing a reader needs: all stars.
MASKERS = {
    "phone": mask_phone, "mobile": mask_phone,
    "id_number": mask_id_number, "id_number_masked": mask_id_number,
    "id_number_encrypted": mask_fully, "id_number_digest": mask_fully,
    "email": mask_email, "address": mask_fully, "external_id": mask_fully,
}
PERSONAL_KEYS = frozenset(MASKERS)
_EMPTY = (None, "", "None")   # django-auditlog writes a missing value as "None"


def _mask_value(masker, value):
    if value in _EMPTY:
        return value
    if isinstance(value, (list, tuple)):
        return [_mask_value(masker, v) for v in value]
    if isinstance(value, dict):
        return {k: _mask_value(masker, v) for k, v in value.items()}
    return masker(str(value))


def mask_personal(data):
    """A copy of `data` (JSON: dicts, lists, scalars) with the values of `PERSONAL_KEYS` masked at any depth —
    including former values (`{"phone": ["old", "new"]}`). Everything else is returned as it is."""
    if isinstance(data, dict):
        return {k: (_mask_value(MASKERS[k], v) if k in MASKERS else mask_personal(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [mask_personal(v) for v in data]
    return data


def has_personal(data) -> bool:
    """Does `data` hold a non-empty value under one of `PERSONAL_KEYS`, at any depth?"""
    if isinstance(data, dict):
        return any((k in MASKERS and _filled(v)) or has_personal(v) for k, v in data.items())
    if isinstance(data, list):
        return any(has_personal(v) for v in data)
    return False


def _filled(value) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_filled(v) for v in value)
    if isinstance(value, dict):
        return any(_filled(v) for v in value.values())
    return value not in _EMPTY


class Disclosure:
    """One request's reading of the trail by `user`: `show(data, org=…, person=…)` returns the data in full or
    masked, and `revealed` lists the people whose personal values were shown in full (for `record_access`)."""

    def __init__(self, user):
        self.user = user
        self.own_person_id = getattr(user, "person_id", None)
        self._full: dict[int | None, bool] = {}
        self.revealed: list = []

    def full(self, org, person_id=None) -> bool:
        if person_id is not None and person_id == self.own_person_id:
            return True   # a member's own values: nothing is disclosed to anyone else
        key = getattr(org, "pk", None)
        if key not in self._full:
            self._full[key] = can_in_org(self.user, VIEW_ID_NUMBER, org)
        return self._full[key]

    def show(self, data, *, org, person=None):
        if not has_personal(data):
            return data
        masked = mask_personal(data)
        if masked == data:
            return data     # stored masked already (`person.id_number`, a roster import's ID numbers): nothing disclosed
        if self.full(org, getattr(person, "pk", None)):
            if person is not None:
                self.revealed.append(person)
            return data
        return masked
