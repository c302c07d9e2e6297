"""DJX `reports` (djx.md): `id`, `org`, `person`, `year`, `kind` (`secretary_duty` | `self_check` | `other`),
`title`, `text` — texts people write and others judge, kept as `Report`s (a DJX 对照检查材料 names no meeting, so it
is a Report of kind `self_check`, not an orglife SelfCheck). Matched by (org, id) like the other sections; a report
the platform recorded goes out as "rep-<pk>" and comes back as the same record."""
from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from dangjian.core.params import year_param

from .choices import ReportKind
from .models import Report

TITLES = {ReportKind.SECRETARY_DUTY: "书记抓基层党建工作述职报告", ReportKind.SELF_CHECK: "对照检查材料",
          ReportKind.OTHER: "报告"}
FIELDS = ("kind", "person_id", "year", "title", "text")


def _name(r: dict) -> str:
    title = (r.get("title") or "").strip()
    return f"报告“{r['id']}”" + (f"（{title[:20]}{'…' if len(title) > 20 else ''}）" if title else "")


def _authors_outside(imp, rows, existing) -> dict[int, tuple[str, str]]:
    """Rows whose `person` does not belong to the report's org. The author belongs when any of these holds:
    registered in the org or an organisation below it — for a 党小组, in the branch that holds it (members are
    registered in the branch); moved out of there (a transfer not cancelled, reported — or issued — on or after
    1 January of the report's year: she wrote it before she left; a transfer with neither date proves nothing and
does not count, the message says so); the report is already here with the same
    author (`existing`: (org id, id in the file) → Report); or holding a post in the org (a 机关党委's secretary is
    usually a member of one of its branches). Read after the file's people, posts and transfers are in:
    index → (person name, org name)."""
    from dangjian.djx.importer import in_chunks
    from dangjian.membership.models import Transfer
    from dangjian.orgs.choices import OrgType
    from dangjian.orgs.models import Org, Post
    from dangjian.people.models import Person

    pairs = {i: (imp.people[r["person"]], imp.orgs[r["org"]]) for i, r in rows if r.get("person")}
    if not pairs:
        return {}
    people, posts, left, dateless = {}, set(), {}, {}
    for chunk in in_chunks(sorted({pid for pid, _ in pairs.values()})):
        people.update((p.pk, p) for p in Person.objects.filter(pk__in=chunk).select_related("org")
                      .only("id", "name", "org__path"))
        posts.update(Post.objects.filter(person_id__in=chunk).values_list("person_id", "org_id"))
        for pid, path, reported, letter in Transfer.objects.filter(
                person_id__in=chunk, cancelled_on__isnull=True, from_org__isnull=False).values_list(
                "person_id", "from_org__path", "reported_on", "letter_date"):
            day = reported or letter
            if day:
                left.setdefault(pid, []).append((path, day))
            else:   # no date: cannot show the move was in (or after) the report's year — does not count
                dateless.setdefault(pid, []).append(path)

    def home(org) -> str:
        # A 党小组's people are registered in the branch that holds it.
        return org.path[:-Org.steplen] if org.type == OrgType.GROUP and org.depth > 1 else org.path

    row_of = dict(rows)
    as_of = (imp.doc.get("meta") or {}).get("as_of")
    default_year = year_param(as_of[:4] if isinstance(as_of, str) else None, default=timezone.localdate().year)
    out = {}
    for i, (pid, org) in pairs.items():
        p, path = people[pid], home(org)
        if p.org_id is not None and p.org.path.startswith(path):
            continue
        if (pid, org.pk) in posts:
            continue
        x = existing.get((org.pk, row_of[i]["id"]))
        if x is not None and x.person_id == pid:
            continue
        try:
            began = dt.date(int(row_of[i].get("year") or default_year), 1, 1)
        except (TypeError, ValueError):
            began = dt.date(default_year, 1, 1)
        if any(from_path.startswith(path) and day >= began for from_path, day in left.get(pid, ())):
            continue
        undated = any(from_path.startswith(path) for from_path in dateless.get(pid, ()))
        out[i] = (p.name, org.name, undated)
    return out


def import_reports(imp, count) -> None:
    """Every row is checked before anything is written: a title longer than the model keeps (200 characters) is
    refused, not cut; so is an author who does not belong to the report's org."""
    rows = [(i, r) for i, r in enumerate(imp.doc.get("reports") or []) if isinstance(r, dict)]
    if not rows:
        return
    limit = Report._meta.get_field("title").max_length
    for i, r in rows:
        title = (r.get("title") or "").strip()
        if len(title) > limit:
            imp.fail(f"reports[{i}].title", f"{_name(r)}的标题有{len(title)}个字，超过{limit}个字的上限，请缩短后再导入"
                                            "（不会自动截断）。")
    existing: dict[tuple[int, str], Report] = {}
    if imp.match_existing:
        orgs = sorted({imp.orgs[r["org"]].pk for _, r in rows})
        for x in imp.candidates(Report.objects.filter(org_id__in=orgs, external_id__in=[r["id"] for _, r in rows])):
            existing[(x.org_id, x.external_id)] = x
        generated = {int(m.group(1)): r["id"] for _, r in rows if (m := re.fullmatch(r"rep-(\d+)", str(r["id"])))}
        for x in imp.candidates(Report.objects.filter(pk__in=list(generated), org_id__in=orgs, external_id="")):
            existing[(x.org_id, generated[x.pk])] = x
    for i, (person, org, undated) in _authors_outside(imp, rows, existing).items():
        hint = ("；文件中有其从该组织转出的记录，但没有日期，无法判断是否在报告年度内转出，请在 transfers 中补上 "
                "letter_date 或 reported_date") if undated else ""
        imp.fail(f"reports[{i}].person", f"{_name(dict(rows)[i])}的报告人“{person}”不属于报告的党组织“{org}”"
                                         "（不在该组织或其下级组织（党小组：所在党支部），报告年度内也没有从该组织转出，"
                                         f"也未在该组织任职{hint}），请核对 person 或 org。")
    if imp.errors:
        return
    as_of = (imp.doc.get("meta") or {}).get("as_of")
    default_year = year_param(as_of[:4] if isinstance(as_of, str) else None, default=timezone.localdate().year)
    new, changed = [], []
    for i, r in rows:
        org = imp.orgs[r["org"]]
        kind = r["kind"] if r["kind"] in ReportKind.values else ReportKind.OTHER
        year = int(r.get("year") or default_year)
        values = {"kind": kind, "person_id": imp.people[r["person"]] if r.get("person") else None, "year": year,
                  "title": (r.get("title") or "").strip() or f"{year}年度{TITLES.get(kind, '报告')}",
                  "text": r.get("text") or ""}
        x = existing.get((org.pk, r["id"]))
        if x is None:
            # DJX carries no submission date: the end of the report's year stands for it.
            new.append(Report(org=org, external_id=str(r["id"]), submitted=dt.date(year, 12, 31), **values))
            count.created += 1
        elif any(getattr(x, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(x, k, v)
            changed.append(x)
            count.updated += 1
        else:
            count.unchanged += 1
    if imp.errors:
        return
    for x in changed:
        x.save(update_fields=list(FIELDS))
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
