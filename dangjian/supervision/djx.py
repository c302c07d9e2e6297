"""DJX `rectifications` (djx.md): `id`, `org`, `source`, `found`, `problem`, `owner`, `deadline`, `closed`,
`evidence`. A closed one is taken as closed with the issuing level's approval (DJX cannot say otherwise),
so `check` judges its evidence and its dates (SUP-01…04), not an approval it cannot see."""
from __future__ import annotations

import datetime as dt

from .actions import default_issuer
from .choices import Kind, State
from .models import Rectification


def _d(v):
    return dt.date.fromisoformat(v) if v else None


def import_rectifications(imp, count) -> None:
    rows = [(i, r) for i, r in enumerate(imp.doc.get("rectifications") or []) if isinstance(r, dict)]
    if not rows:
        return
    existing = {}
    if imp.match_existing:
        orgs = [imp.orgs[r["org"]].pk for _, r in rows]
        for x in imp.candidates(Rectification.objects.filter(org_id__in=orgs, external_id__in=[r["id"] for _, r in rows])):
            existing[(x.org_id, x.external_id)] = x
    new = []
    for i, r in rows:
        org = imp.orgs[r["org"]]
        closed = _d(r.get("closed"))
        found = _d(r.get("found")) or closed or _d(r.get("deadline"))
        if found is None:
            imp.fail(f"rectifications[{i}].found", "请写明发现日期 found")
            continue
        values = {"source": r.get("source") or Kind.ROUTINE, "found": found, "problem": r.get("problem") or "",
                  "owner_id": imp.people[r["owner"]] if r.get("owner") else None, "deadline": _d(r.get("deadline")),
                  "closed": closed, "evidence": r.get("evidence") or "", "state": State.CLOSED if closed else State.OPEN,
                  "approved": bool(closed)}
        x = existing.get((org.pk, r["id"]))
        if x is None:
            new.append(Rectification(org=org, issuing_org=default_issuer(org), external_id=r["id"], **values))
            count.created += 1
        elif any(getattr(x, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(x, k, v)
            x.save()
            count.updated += 1
        else:
            count.unchanged += 1
    if not imp.errors:
        Rectification.objects.bulk_create(new, batch_size=2000)


def export_rectifications(org_ids: dict[int, str], person_ids: dict[int, str]) -> list[dict]:
    out = []
    for x in Rectification.objects.filter(org_id__in=list(org_ids)).order_by("found", "pk"):
        row = {"id": x.external_id or f"r{x.pk}", "org": org_ids[x.org_id], "source": x.source,
               "found": x.found.isoformat(), "problem": x.problem,
               "owner": person_ids.get(x.owner_id) if x.owner_id else None,
               "deadline": x.deadline and x.deadline.isoformat(), "closed": x.closed and x.closed.isoformat(),
               "evidence": x.evidence or None}
        out.append({k: v for k, v in row.items() if v is not None})
    return out
