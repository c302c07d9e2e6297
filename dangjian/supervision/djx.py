"""DJX `rectifications` (djx.md): `id`, `org`, `source`, `found`, `problem`, `owner`, `deadline`, `closed`,
`evidence`. A closed one is taken as closed with the issuing level's approval (DJX cannot say otherwise),
so `check` judges its evidence and its dates (SUP-01…04), not an approval it cannot see."""
from __future__ import annotations

import datetime as dt
import re

from dangjian.core.permissions import CHANGE, can_in_org

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
        # A problem the platform recorded is exported as "r-<pk>": the same record when it comes back.
        generated = {int(m.group(1)): r["id"] for _, r in rows if (m := re.fullmatch(r"r-(\d+)", str(r["id"])))}
        for x in imp.candidates(Rectification.objects.filter(pk__in=list(generated), org_id__in=orgs, external_id="")):
            existing[(x.org_id, generated[x.pk])] = x
    new = []
    for i, r in rows:
        org = imp.orgs[r["org"]]
        closed = _d(r.get("closed"))
        found = _d(r.get("found")) or closed or _d(r.get("deadline"))
        if found is None:
            imp.fail(f"rectifications[{i}].found", "请写明发现日期 found")
            continue
        deadline = _d(r.get("deadline"))
        if deadline and deadline < found:
            imp.fail(f"rectifications[{i}].deadline", "整改时限早于发现日期")
            continue
        values = {"source": r.get("source") or Kind.ROUTINE, "found": found, "problem": r.get("problem") or "",
                  "owner_id": imp.people[r["owner"]] if r.get("owner") else None, "deadline": deadline,
                  "evidence": r.get("evidence") or ""}
        x = existing.get((org.pk, r["id"]))
        if imp.restricted:
            # An import by a user is not a 销号: only the issuing level approves one, in the platform. A
            # closure in the file is kept only where the user is that level; the state of a problem the
            # platform holds is never changed by a file.
            approver = imp.user
            issuer = x.issuing_org if x is not None else default_issuer(org)
            may = bool(closed) and issuer is not None and issuer.pk != org.pk and can_in_org(approver, CHANGE, issuer)
            state = {} if x is not None else {"closed": closed if may else None,
                                              "state": State.CLOSED if may else State.OPEN, "approved": may}
            if closed and not may:
                imp.report.warnings.append(f"rectifications[{i}].closed：销号须由上级党组织在平台中审核，"
                                           f"导入的文件不能销号（该问题按整改中导入）")
        else:
            # (the CLI and `check`: a closure in the file is taken as approved; DJX cannot say otherwise)
            state = {"closed": closed, "state": State.CLOSED if closed else (
                x.state if x is not None and x.state == State.REQUESTED else State.OPEN), "approved": bool(closed)}
        values.update(state)
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
        row = {"id": x.external_id or f"r-{x.pk}", "org": org_ids[x.org_id], "source": x.source,
               "found": x.found.isoformat(), "problem": x.problem,
               "owner": person_ids.get(x.owner_id) if x.owner_id else None,
               "deadline": x.deadline and x.deadline.isoformat(), "closed": x.closed and x.closed.isoformat(),
               "evidence": x.evidence or None}
        out.append({k: v for k, v in row.items() if v is not None})
    return out
