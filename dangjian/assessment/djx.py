"""DJX `reports` (djx.md): `id`, `org`, `person`, `year`, `kind` (`secretary_duty` | `self_check` | `other`),
`title`, `text` — texts people write and others judge, kept as `Report`s (a DJX 对照检查材料 names no meeting, so it
is a Report of kind `self_check`, not an orglife SelfCheck). Matched by (org, id) like the other sections; a report
the platform recorded goes out as "rep-<pk>" and comes back as the same record."""
from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from .choices import ReportKind
from .models import Report

TITLES = {ReportKind.SECRETARY_DUTY: "书记抓基层党建工作述职报告", ReportKind.SELF_CHECK: "对照检查材料",
          ReportKind.OTHER: "报告"}
FIELDS = ("kind", "person_id", "year", "title", "text")


def import_reports(imp, count) -> None:
    rows = [(i, r) for i, r in enumerate(imp.doc.get("reports") or []) if isinstance(r, dict)]
    if not rows:
        return
    existing: dict[tuple[int, str], Report] = {}
    if imp.match_existing:
        orgs = sorted({imp.orgs[r["org"]].pk for _, r in rows})
        for x in imp.candidates(Report.objects.filter(org_id__in=orgs, external_id__in=[r["id"] for _, r in rows])):
            existing[(x.org_id, x.external_id)] = x
        generated = {int(m.group(1)): r["id"] for _, r in rows if (m := re.fullmatch(r"rep-(\d+)", str(r["id"])))}
        for x in imp.candidates(Report.objects.filter(pk__in=list(generated), org_id__in=orgs, external_id="")):
            existing[(x.org_id, generated[x.pk])] = x
    as_of = (imp.doc.get("meta") or {}).get("as_of")
    default_year = int(as_of[:4]) if isinstance(as_of, str) and as_of[:4].isdigit() else timezone.localdate().year
    new = []
    for i, r in rows:
        org = imp.orgs[r["org"]]
        kind = r["kind"] if r["kind"] in ReportKind.values else ReportKind.OTHER
        year = int(r.get("year") or default_year)
        values = {"kind": kind, "person_id": imp.people[r["person"]] if r.get("person") else None, "year": year,
                  "title": (r.get("title") or "").strip()[:200] or f"{year}年度{TITLES.get(kind, '报告')}",
                  "text": r.get("text") or ""}
        x = existing.get((org.pk, r["id"]))
        if x is None:
            # DJX carries no submission date: the end of the report's year stands for it.
            new.append(Report(org=org, external_id=str(r["id"])[:64], submitted=dt.date(year, 12, 31), **values))
            count.created += 1
        elif any(getattr(x, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(x, k, v)
            x.save(update_fields=[f for f in FIELDS])
            count.updated += 1
        else:
            count.unchanged += 1
    if not imp.errors:
        Report.objects.bulk_create(new, batch_size=1000)


def export_reports(org_ids: dict[int, str], person_ids: dict[int, str]) -> list[dict]:
    """Reports of the kinds DJX knows (a 党组's yearly report is not one) of the exported orgs."""
    out = []
    kinds = (ReportKind.SECRETARY_DUTY, ReportKind.SELF_CHECK, ReportKind.OTHER)
    for x in Report.objects.filter(org_id__in=list(org_ids), kind__in=kinds).order_by("year", "org_id", "pk"):
        row = {"id": x.external_id or f"rep-{x.pk}", "org": org_ids[x.org_id],
               "person": person_ids.get(x.person_id) if x.person_id else None, "year": x.year, "kind": x.kind,
               "title": x.title or None, "text": x.text or None}
        out.append({k: v for k, v in row.items() if v is not None})
    return out
