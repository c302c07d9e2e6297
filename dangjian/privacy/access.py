"""Writing the 个人信息访问记录. One helper, `record_access`, for every place that shows personal data; a list of
people (an export, an API page) is one bulk INSERT, never a query per person.

What is logged (最小必要 applies to the log too: it records views that disclose a person's data, not every
masked row a list page happens to show):
* the person page (人员详情) — full contact and party data of one person;
* the full 公民身份号码 (身份证号明文), on the page or through the API;
* a 花名册导出 — every person of the export, masked or not (the file leaves the system);
* an API read of people (retrieve, and each page of the list: the API returns phone and birth date);
* a 个人档案导出 (this app's export of one person's data);
* a 身份证号查询 hit (the people list searched by a full ID number — only by users who may see the number);
* the person's change history (former and current phone, job title), a DJX 数据交换导出 (every exported person),
  and the API's answers to create/update/status/move (the same data as a read);
* an API read of the audit trail (`/api/audit-events/`) that showed someone's phone, e-mail or ID number in full
  (`privacy.masking.Disclosure`; masked values are not logged).
Not logged: list pages and pickers (name, org, status and a masked ID number only), and a member looking at
their own record (no disclosure to anyone else)."""
from __future__ import annotations

import ipaddress
from django.db.models import QuerySet

from dangjian.core.middleware import get_request_id

from .choices import Channel
from .models import PersonalDataAccess


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or — behind the local reverse proxy (nginx on loopback) — the last
    X-Forwarded-For hop, the one that proxy appended (earlier hops are whatever the client claimed)."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or ""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    candidate = remote
    if forwarded and _is_loopback(remote):
        candidate = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def _is_loopback(value: str) -> bool:
    try:
        return ipaddress.ip_address(value).is_loopback
    except ValueError:
        return False


def _pairs(person_or_people) -> list[tuple[int, int | None]]:
    """(person id, org id) for a Person, an iterable of Persons, or a queryset (one SELECT of two columns)."""
    if person_or_people is None:
        return []
    if isinstance(person_or_people, QuerySet):
        return list(person_or_people.order_by().values_list("pk", "org_id"))
    if hasattr(person_or_people, "pk"):
        return [(person_or_people.pk, person_or_people.org_id)]
    return [(p.pk, p.org_id) for p in person_or_people]


def record_access(request, person_or_people, purpose: str, *, actor=None, channel: str | None = None,
                  skip_self: bool = True) -> int:
    """Log that `request.user` (or `actor`, for a command) saw the personal data of the given people for `purpose`
    (a `choices.Purpose`). One INSERT for any number of people; returns how many rows were written. A member's
    view of their own record is skipped (`skip_self`)."""
    user = actor if actor is not None else getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if channel is None:
        path = getattr(request, "path", "") or ""
        channel = Channel.CLI if request is None else Channel.API if path.startswith("/api/") else Channel.WEB
    own = getattr(user, "person_id", None) if skip_self else None
    rid = (getattr(request, "request_id", None) or get_request_id() or "")[:64]
    ip = client_ip(request)
    rows = [PersonalDataAccess(actor=user, person_id=pid, org_id=oid, purpose=purpose, channel=channel,
                               request_id=rid, ip=ip)
            for pid, oid in dict.fromkeys(_pairs(person_or_people)) if pid != own]
    if rows:
        # Batches of 2,000 rows: one statement for a page or a branch, bounded statements for a city's roster.
        PersonalDataAccess.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def record_djx_export(request, *, user=None, org=None, actor=None) -> int:
    """A DJX 数据交换导出 discloses the people of the export (names, birth dates, ID numbers where allowed): one
    access row per exported person, one INSERT — the same people `djx.exporter.export_document` selects."""
    from dangjian.core.permissions import VIEW
    from dangjian.people.models import Person

    from .choices import Purpose

    qs = Person.objects.all()
    if user is not None:
        qs = qs.restrict(user, VIEW)
    if org is not None:
        qs = qs.filter(org__path__subtree=org.path)
    return record_access(request, qs, Purpose.DJX_EXPORT, actor=actor, skip_self=False,
                         channel=None if request is not None else Channel.CLI)
