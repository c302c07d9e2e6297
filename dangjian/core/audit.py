"""Writing the domain audit trail (痕迹管理). Actions call `record()`; nothing else writes AuditEvent."""
from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from .middleware import get_request_id
from .models import AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return {"id": value.pk, "name": str(value)}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value


def record(verb: str, summary: str, *, actor=None, org=None, person=None, obj=None,
           before: dict | None = None, after: dict | None = None, **extra) -> AuditEvent:
    data = {}
    if before is not None:
        data["before"] = _jsonable(before)
    if after is not None:
        data["after"] = _jsonable(after)
    if extra:
        data.update(_jsonable(extra))
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        actor=actor, request_id=get_request_id() or "", verb=verb, summary=summary[:500],
        org=org, person=person,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "", data=data)


def snapshot(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}


def user_or_none(user):
    """The user to store as who recorded something (`created_by` …): None for nobody logged in (a
    command, an import run by the system, a test calling an action directly)."""
    return user if getattr(user, "is_authenticated", False) else None

