"""DJX `elections` (djx.md): `id`, `org`, `date`, `kind`, `seats`, `candidates`, `expected_voters`,
`present_voters`, `ballots_issued`, `ballots_returned`, `results` ({person: yes votes}), `request_date`
(请示), `approved_date` (批复). Matched again by (org, id); platform records go out as `e-<pk>`."""
from __future__ import annotations

import datetime as dt
import re

from .choices import Kind
from .models import Candidate, Election

NUMBERS = ("seats", "expected_voters", "present_voters", "ballots_issued", "ballots_returned")
MAX = 1_000_000                 # (more voters than any assembly has; keeps the columns' range on PostgreSQL)
LIMITS = {"seats": 999}


def _d(v):
    return dt.date.fromisoformat(v) if v else None


def import_elections(imp, count) -> None:
    rows = [(i, r) for i, r in enumerate(imp.doc.get("elections") or []) if isinstance(r, dict)]
    if not rows:
        return
    existing = {}
    if imp.match_existing:
        orgs = [imp.orgs[r["org"]].pk for _, r in rows]
        for x in imp.candidates(Election.objects.filter(org_id__in=orgs, external_id__in=[r["id"] for _, r in rows])):
            existing[(x.org_id, x.external_id)] = x
        generated = {int(m.group(1)): r["id"] for _, r in rows if (m := re.fullmatch(r"e-(\d+)", str(r["id"])))}
        for x in imp.candidates(Election.objects.filter(pk__in=list(generated), org_id__in=orgs, external_id="")):
            existing[(x.org_id, generated[x.pk])] = x
    todo = []
    for i, r in rows:
        p = f"elections[{i}]"
        bad = [k for k in NUMBERS if r.get(k) is not None and (not isinstance(r[k], int) or isinstance(r[k], bool)
                                                                  or not 0 <= r[k] <= LIMITS.get(k, MAX))]
        if bad:
            imp.fail(f"{p}.{bad[0]}", f"{bad[0]} 应为 0 到 {LIMITS.get(bad[0], MAX)} 之间的整数")
            continue
        if not r.get("seats"):
            imp.fail(f"{p}.seats", "请写明应选人数 seats（正整数）")
            continue
        if r.get("kind") and r["kind"] not in Kind.values:
            imp.fail(f"{p}.kind", "kind 应为 committee（委员）或 delegates（代表）")
            continue
        results = r.get("results") or {}
        if any(not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= MAX for v in results.values()):
            imp.fail(f"{p}.results", f"results 的票数应为 0 到 {MAX} 之间的整数")
            continue
        values = {"kind": r.get("kind") or Kind.COMMITTEE, "date": _d(r.get("date")),
                  "request_date": _d(r.get("request_date")), "approved_date": _d(r.get("approved_date")),
                  **{k: r.get(k) for k in NUMBERS}}
        org = imp.orgs[r["org"]]
        people = list(dict.fromkeys(list(r.get("candidates") or []) + list(results)))
        cands = [(n, imp.people[pid], results.get(pid)) for n, pid in enumerate(people)]
        todo.append((org, r["id"], values, cands, existing.get((org.pk, r["id"]))))
    if imp.errors:
        return
    for org, ident, values, cands, x in todo:
        if x is None:
            x = Election.objects.create(org=org, external_id=ident, **values)
            count.created += 1
        elif any(getattr(x, k) != v for k, v in values.items()) or sorted(
                (c.person_id, c.votes) for c in x.candidates.all()) != sorted((pid, v) for _, pid, v in cands):
            for k, v in values.items():
                setattr(x, k, v)
            x.save()
            x.candidates.all().delete()
            count.updated += 1
        else:
            count.unchanged += 1
            continue
        Candidate.objects.bulk_create([Candidate(election=x, person_id=pid, order=n, votes=v) for n, pid, v in cands])


def export_elections(org_ids: dict[int, str], person_ids: dict[int, str]) -> list[dict]:
    """DJX v1 has no field for a 增补选举: it goes out as a plain committee election (the rules judge both alike,
    and the org's term travels in `orgs[].committee_elected`, which a by-election never moves)."""
    out = []
    # Elections held (DJX requires the date; one in progress stays on the platform). The expected count goes
    # out net of the approved exclusions (ELEC-08), which DJX cannot carry: the meeting judged as it was.
    for e in Election.objects.filter(org_id__in=[pk for pk, v in org_ids.items() if v], date__isnull=False).prefetch_related(
            "candidates", "exclusions").order_by("org_id", "date", "pk"):
        cands = [c for c in e.candidates.all() if person_ids.get(c.person_id)]
        row = {"id": e.external_id or f"e-{e.pk}", "org": org_ids[e.org_id], "kind": e.kind, "seats": e.seats,
               "candidates": [person_ids[c.person_id] for c in cands]}
        for k in ("date", "request_date", "approved_date"):
            if getattr(e, k):
                row[k] = getattr(e, k).isoformat()
        for k in NUMBERS[1:]:
            if getattr(e, k) is not None:
                row[k] = getattr(e, k)
        if e.expected_voters is not None:
            row["expected_voters"] -= sum(1 for x in e.exclusions.all() if x.upper_consent and x.assembly_passed)
        votes = {person_ids[c.person_id]: c.votes for c in cands if c.votes is not None}
        if votes:
            row["results"] = votes
        out.append(row)
    return out
