"""Writing a validated DJX document into the database.

Records are matched by `external_id` (the id they carry in the file), so importing the same file
twice updates instead of duplicating. People without a match by id are matched by their ID number
(through the keyed blind index) so that a person typed in by hand and later imported stays one
person. Units and orgs are few and go one by one (orgs through treebeard paths, parents first);
people and posts are many and go in bulk.

Meetings (with their attendance, votes and critiques), talks and 民主评议 results go in bulk too:
expected attendees and the derived counts are computed with orglife's own semantics
(`expected_attendees_many`, `plan_attendance`) for all meetings at once, not a few queries per
meeting. Sections whose module is not built yet are validated with everything else and reported as
skipped. Call through `dangjian.djx.actions.do_import_djx`, which owns the transaction.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Min
from django.utils import timezone

from dangjian.core import crypto
from dangjian.core.bulk import RawInserter
from dangjian.core.errors import ActionError
from dangjian.core.permissions import ADD, user_scope
from dangjian.orglife import actions as orglife
from dangjian.orglife.choices import MeetingState, counts_as_org_life
from dangjian.orglife.models import Appraisal, AppraisalGrade, Attendance, Critique, Meeting, Resolution, Talk
from dangjian.orgs.models import Org, Post, Unit
from dangjian.people.models import Person
from dangjian.recruitment.models import RecruitmentEvent, RecruitmentFile

from .validation import SECTION_LABELS, SECTIONS, DjxError

IMPORTED_SECTIONS = ("units", "orgs", "people", "posts", "meetings", "talks", "appraisals", "recruitment", "dues",
                     "transfers", "study", "rectifications", "elections", "reports")

PERSON_FIELDS = ("name", "gender", "birth_date", "ethnicity", "education", "org_id", "group_id",
                 "status", "probationary_date", "full_member_date", "dues_category", "unit_id",
                 "leading_cadre", "on_probation_sanction", "lost_contact_since", "away_since",
                 "away_fixed_location")
ORG_FIELDS = ("name", "type", "unit_id", "founded", "committee_elected", "term_years",
              "village_or_community")


class ImportAborted(Exception):
    """Raised inside the transaction when the data cannot be written; everything rolls back."""

    def __init__(self, errors: list[DjxError]):
        self.errors = errors
        super().__init__("; ".join(map(str, errors)))


@dataclass
class SectionCount:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    dry_run: bool = False
    committed: bool = False
    errors: list[DjxError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, SectionCount] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    # file id → primary key, per section (used by `check` to name subjects with the file's ids)
    maps: dict[str, dict[str, int]] = field(default_factory=dict)
    org_ids: set[int] = field(default_factory=set)
    top_org: Any = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        out: list[str] = []
        if self.errors:
            out.append(f"导入失败，未写入任何数据。共 {len(self.errors)} 处错误：")
            out += [f"  {e}" for e in self.errors]
            return out
        head = "试导入（未写入数据库）" if self.dry_run else "导入完成"
        out.append(head + "：")
        for section in IMPORTED_SECTIONS:
            c = self.counts.get(section)
            if c and c.total:
                out.append(f"  {section}（{SECTION_LABELS[section]}）{c.total} 条：新增 {c.created}，"
                           f"更新 {c.updated}，无变化 {c.unchanged}")
        if self.skipped:
            out.append("已校验，暂未导入（模块尚未实现）: " + "，".join(
                f"{s} {n} 条" for s, n in self.skipped.items()))
        out += [f"  注意：{w}" for w in self.warnings]
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def as_dict(self) -> dict:
        return {"ok": self.ok, "dry_run": self.dry_run, "committed": self.committed,
                "errors": [{"path": e.path, "message": e.message} for e in self.errors],
                "warnings": self.warnings,
                "counts": {s: vars(c) for s, c in self.counts.items()}, "skipped": self.skipped}


def _generated_pks(ids, prefix: str) -> dict[str, int]:
    """Ids an export generated for records without an exchange id (`org-12`): importing such a file
    back into the same database matches those records by primary key."""
    out = {}
    for i in ids:
        m = re.fullmatch(rf"{prefix}-(\d+)", i)
        if m:
            out[i] = int(m.group(1))
    return out


def _match_generated(qs, existing: dict, ids, prefix: str) -> None:
    wanted = {k: pk for k, pk in _generated_pks(ids, prefix).items() if k not in existing}
    if wanted:
        found = {o.pk: o for chunk in in_chunks(wanted.values())
                 for o in qs.filter(pk__in=chunk, external_id="")}
        for key, pk in wanted.items():
            if pk in found:
                existing[key] = found[pk]


def in_chunks(values, size: int = 2000):
    """Long `__in` lists go in slices: SQLite limits the parameters of one statement."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _rows(doc: dict, section: str) -> list[dict]:
    return [r for r in (doc.get(section) or []) if isinstance(r, dict)]


def _d(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


class Importer:
    def __init__(self, doc: dict, *, acting_user=None, attach_to: Org | None = None,
                 match_existing: bool = True):
        self.doc = doc
        self.user = acting_user
        self.attach_to = attach_to
        self.match_existing = match_existing
        self.report = ImportReport(counts={s: SectionCount() for s in IMPORTED_SECTIONS})
        self.errors: list[DjxError] = []
        self.scope = user_scope(acting_user, ADD) if acting_user is not None else None
        self.units: dict[str, Unit] = {}
        self.orgs: dict[str, Org] = {}
        self.people: dict[str, int] = {}      # file id → Person pk
        self.meetings: dict[str, int] = {}    # file id → Meeting pk
        self.org_index = {r["id"]: i for i, r in enumerate(doc.get("orgs") or []) if isinstance(r, dict)}
        self.person_index = {r["id"]: i for i, r in enumerate(doc.get("people") or []) if isinstance(r, dict)}

    # --- scope -----------------------------------------------------------------------------
    @property
    def restricted(self) -> bool:
        return self.scope is not None and not self.scope.everything

    def may_add_in(self, org: Org) -> bool:
        return not self.restricted or any(org.path.startswith(p) for p in self.scope.prefixes)

    def candidates(self, qs):
        """Existing records the import may match (and so change): the user's `add` scope."""
        return qs.restrict(self.user, ADD) if self.restricted else qs

    def fail(self, path: str, message: str) -> None:
        self.errors.append(DjxError(path, message))

    # --- run -------------------------------------------------------------------------------
    def run(self) -> ImportReport:
        self.import_units()
        self.import_orgs()
        if self.errors:
            raise ImportAborted(self.errors)
        self.import_people()
        if self.errors:
            raise ImportAborted(self.errors)
        self.import_posts()
        self.unit_heads()
        if self.errors:
            raise ImportAborted(self.errors)
        self.import_meetings()
        self.import_talks()
        self.import_appraisals()
        self.import_recruitment()
        from dangjian.dues.djx import import_dues

        import_dues(self, self.report.counts.setdefault("dues", SectionCount()))
        from dangjian.membership.djx import import_transfers
        from dangjian.study.djx import import_study

        import_transfers(self, self.report.counts.setdefault("transfers", SectionCount()))
        import_study(self, self.report.counts.setdefault("study", SectionCount()))
        from dangjian.supervision.djx import import_rectifications

        import_rectifications(self, self.report.counts.setdefault("rectifications", SectionCount()))
        from dangjian.elections.djx import import_elections

        import_elections(self, self.report.counts.setdefault("elections", SectionCount()))
        from dangjian.assessment.djx import import_reports

        import_reports(self, self.report.counts.setdefault("reports", SectionCount()))
        if self.errors:
            raise ImportAborted(self.errors)
        for section in SECTIONS:
            if section not in IMPORTED_SECTIONS and self.doc.get(section):
                self.report.skipped[section] = len(self.doc[section])
        settings = (self.doc.get("meta") or {}).get("settings")
        if settings:
            self.report.warnings.append("meta.settings 仅在 dangjian check 中生效，未写入本系统的辖区参数设置。")
        self.report.maps = {
            "units": {k: u.pk for k, u in self.units.items()},
            "orgs": {k: o.pk for k, o in self.orgs.items()},
            "people": dict(self.people),
            "meetings": dict(self.meetings),
        }
        self.report.org_ids = {o.pk for o in self.orgs.values()}
        self.report.top_org = min(self.orgs.values(), key=lambda o: (o.depth, o.path), default=None)
        return self.report

    # --- units -----------------------------------------------------------------------------
    def import_units(self) -> None:
        """Names and parents now; heads (people) once people exist; counts after that."""
        rows = _rows(self.doc, "units")
        self.unit_existing: set[str] = set()
        self.unit_dirty: set[str] = set()
        existing: dict[str, Unit] = {}
        if self.match_existing and rows:
            for chunk in in_chunks(r["id"] for r in rows):
                for u in self.candidates(Unit.objects.filter(external_id__in=chunk)).order_by("pk"):
                    existing.setdefault(u.external_id, u)
            _match_generated(self.candidates(Unit.objects.all()), existing, [r["id"] for r in rows], "u")
        for r in rows:
            u = existing.get(r["id"])
            if u is None:
                u = Unit(external_id=r["id"], name=r["name"])
                u.save()
            else:
                self.unit_existing.add(r["id"])
                if u.name != r["name"]:
                    u.name = r["name"]
                    u.save(update_fields=["name"])
                    self.unit_dirty.add(r["id"])
            self.units[r["id"]] = u
        for r in rows:  # a parent may come after its children in the file
            u = self.units[r["id"]]
            parent = self.units[r["parent"]] if r.get("parent") else None
            if u.parent_id != (parent.pk if parent else None):
                u.parent = parent
                u.save(update_fields=["parent"])
                self.unit_dirty.add(r["id"])

    def unit_heads(self) -> None:
        rows = _rows(self.doc, "units")
        for r in rows:
            u = self.units[r["id"]]
            head = self.people.get(r["head"]) if r.get("head") else None
            if u.head_id != head:
                u.head_id = head
                u.save(update_fields=["head"])
                self.unit_dirty.add(r["id"])
        count = self.report.counts.setdefault("units", SectionCount())
        for r in rows:
            if r["id"] not in self.unit_existing:
                count.created += 1
            elif r["id"] in self.unit_dirty:
                count.updated += 1
            else:
                count.unchanged += 1

    # --- orgs ------------------------------------------------------------------------------
    def _parent_first(self, rows: list[dict]) -> list[dict]:
        by_id = {r["id"]: r for r in rows}
        done: set[str] = set()
        out: list[dict] = []

        def visit(r):
            if r["id"] in done:
                return
            done.add(r["id"])
            if r.get("parent") in by_id:
                visit(by_id[r["parent"]])
            out.append(r)

        for r in rows:
            visit(r)
        return out

    def _org_values(self, r: dict) -> dict[str, Any]:
        return {"name": r["name"], "type": r["type"],
                "unit_id": self.units[r["unit"]].pk if r.get("unit") else None,
                "founded": _d(r.get("founded")), "committee_elected": _d(r.get("committee_elected")),
                "term_years": r.get("term_years"),
                "village_or_community": bool(r.get("village_or_community"))}

    def import_orgs(self) -> None:
        rows = self._parent_first(_rows(self.doc, "orgs"))
        count = self.report.counts.setdefault("orgs", SectionCount())
        existing: dict[str, Org] = {}
        if self.match_existing and rows:
            for chunk in in_chunks(r["id"] for r in rows):
                for o in self.candidates(Org.objects.filter(external_id__in=chunk)).order_by("path"):
                    existing.setdefault(o.external_id, o)
            _match_generated(self.candidates(Org.objects.all()), existing, [r["id"] for r in rows], "org")
        if self.attach_to is not None and not self.may_add_in(self.attach_to):
            self.fail("orgs", f"您无权在“{self.attach_to}”下导入组织（不在您的管理范围内）。")
            return

        steplen = Org.steplen
        next_pos: dict[str, int] = {}   # parent path ("" for roots) → next free position

        def allocate(parent_path: str, depth: int) -> str:
            if parent_path not in next_pos:
                siblings = Org.objects.filter(depth=depth)
                if parent_path:
                    siblings = siblings.filter(path__subtree=parent_path)
                last = siblings.order_by("-path").values_list("path", flat=True).first()
                next_pos[parent_path] = (Org._str2int(last[-steplen:]) + 1) if last else 1
            pos = next_pos[parent_path]
            next_pos[parent_path] = pos + 1
            return Org._get_path(parent_path or None, depth, pos)

        new: list[Org] = []
        changed: list[Org] = []
        changed_pks: set[int] = set()
        moves: list[tuple[Org, Org, int]] = []
        added_children: dict[int, int] = {}   # existing parent pk → how many new children
        for r in rows:
            i = self.org_index[r["id"]]
            values = self._org_values(r)
            parent_ref = r.get("parent")
            parent = self.orgs.get(parent_ref) if parent_ref else None
            org = existing.get(r["id"])
            if org is not None:
                if any(getattr(org, k) != v for k, v in values.items()):
                    for k, v in values.items():
                        setattr(org, k, v)
                    changed.append(org)
                    changed_pks.add(org.pk)
                # A file root that already exists stays where it is: a subtree exported from here
                # and imported back must not be torn out of its place in the tree.
                if parent is not None and org.path[:-steplen] != parent.path:
                    moves.append((org, parent, i))
                self.orgs[r["id"]] = org
                continue
            if parent is None:
                parent = self.attach_to
            if parent is None:
                if self.restricted:
                    self.fail(f"orgs[{i}].parent", "只有工委管理员可以导入最上级组织；请在导入页选择“挂接到”的上级组织。")
                    continue
            elif parent.pk is not None and not self.may_add_in(parent):
                self.fail(f"orgs[{i}].parent", f"您无权在“{parent}”下设立组织（不在您的管理范围内）。")
                continue
            depth = (parent.depth + 1) if parent is not None else 1
            org = Org(external_id=r["id"], depth=depth, numchild=0,
                      path=allocate(parent.path if parent is not None else "", depth), **values)
            if parent is not None:
                if parent.pk is None:
                    parent.numchild += 1
                else:
                    added_children[parent.pk] = added_children.get(parent.pk, 0) + 1
            new.append(org)
            self.orgs[r["id"]] = org
            count.created += 1
        if self.errors:
            return
        Org.objects.bulk_create(new, batch_size=500)
        for pk, n in added_children.items():
            Org.objects.filter(pk=pk).update(numchild=F("numchild") + n)
        if changed:
            Org.objects.bulk_update(changed, list(ORG_FIELDS), batch_size=500)
        moved: set[int] = set()
        for org, parent, i in moves:
            node, target = Org.objects.get(pk=org.pk), Org.objects.get(pk=parent.pk)
            if target.path.startswith(node.path):
                self.fail(f"orgs[{i}].parent", f"不能把组织“{node}”移到它自己的下级组织“{target}”之下。")
                continue
            if self.restricted and not self.may_add_in(target):
                self.fail(f"orgs[{i}].parent", f"您无权把组织移到“{target}”之下（不在您的管理范围内）。")
                continue
            Org.objects.move(node, target, pos="last-child")
            moved.add(org.pk)
        if moves:
            # Paths changed under the moved nodes: reload everything this import holds.
            fresh = Org.objects.in_bulk([o.pk for o in self.orgs.values()])
            self.orgs = {k: fresh[o.pk] for k, o in self.orgs.items()}
        for r in rows:
            org = self.orgs.get(r["id"])
            if r["id"] in existing:
                if org.pk in changed_pks or org.pk in moved:
                    count.updated += 1
                else:
                    count.unchanged += 1
        joint = {r["id"]: [self.units[u].pk for u in (r.get("joint_units") or [])] for r in rows}
        if any(joint.values()) or existing:
            through = Org.joint_units.through
            have: dict[int, set[int]] = {}
            for chunk in in_chunks(o.pk for o in self.orgs.values()):
                for org_id, unit_id in through.objects.filter(org_id__in=chunk).values_list("org_id", "unit_id"):
                    have.setdefault(org_id, set()).add(unit_id)
            for key, unit_ids in joint.items():
                org = self.orgs[key]
                if set(unit_ids) != have.get(org.pk, set()):
                    org.joint_units.set(unit_ids)
                    if key in existing and org.pk not in changed_pks and org.pk not in moved:
                        count.unchanged -= 1
                        count.updated += 1

    # --- people ----------------------------------------------------------------------------
    def _person_values(self, r: dict) -> dict[str, Any]:
        return {
            "name": r["name"], "gender": r.get("gender") or "", "birth_date": _d(r.get("birth_date")),
            "ethnicity": r.get("ethnicity") or "", "education": r.get("education") or "",
            "org_id": self.orgs[r["org"]].pk if r.get("org") else None,
            "group_id": self.orgs[r["group"]].pk if r.get("group") else None,
            "status": r["status"], "probationary_date": _d(r.get("probationary_date")),
            "full_member_date": _d(r.get("full_member_date")),
            "dues_category": r.get("dues_category") or "in_service",
            "unit_id": self.units[r["unit"]].pk if r.get("unit") else None,
            "leading_cadre": bool(r.get("leading_cadre")),
            "on_probation_sanction": bool(r.get("on_probation_sanction")),
            "lost_contact_since": _d(r.get("lost_contact_since")), "away_since": _d(r.get("away_since")),
            "away_fixed_location": bool(r.get("away_fixed_location")),
        }

    def import_people(self) -> None:
        rows = _rows(self.doc, "people")
        count = self.report.counts.setdefault("people", SectionCount())
        if not rows:
            return
        only = ("pk", "external_id", "id_number_digest") + PERSON_FIELDS
        by_ext: dict[str, Person] = {}
        by_digest: dict[str, Person] = {}
        digests = {r["id"]: crypto.blind_index(crypto.normalize_id_number(r["id_number"]))
                   for r in rows if r.get("id_number")}
        if self.match_existing:
            ids = [r["id"] for r in rows]
            for chunk in in_chunks(ids):
                for p in self.candidates(Person.objects.filter(external_id__in=chunk)).only(*only).order_by("pk"):
                    by_ext.setdefault(p.external_id, p)
            _match_generated(self.candidates(Person.objects.only(*only)), by_ext, ids, "p")
        if digests:
            # Old keys' digests too: rows a key rotation has not reached yet (crypto.blind_index_aliases).
            aliases = crypto.blind_index_aliases(crypto.normalize_id_number(r["id_number"])
                                                 for r in rows if r.get("id_number"))
            for chunk in in_chunks(aliases):
                for p in Person.objects.filter(id_number_digest__in=chunk).only(*only):
                    by_digest.setdefault(aliases[p.id_number_digest], p)
        claimed: dict[int, str] = {}
        new: list[Person] = []
        new_keys: list[str] = []
        changed: list[Person] = []
        fields_changed: set[str] = set()
        now = timezone.now()
        for r in rows:
            i = self.person_index[r["id"]]
            values = self._person_values(r)
            if r.get("org") is None and self.restricted:
                self.fail(f"people[{i}].org", "请填写人员所在的党组织（未编入组织的人员只能由工委管理员导入）。")
                continue
            p = by_ext.get(r["id"])
            digest = digests.get(r["id"])
            holder = by_digest.get(digest) if digest else None
            if p is None and holder is not None and self.match_existing:
                if self.restricted and not self.candidates(Person.objects.filter(pk=holder.pk)).exists():
                    self.fail(f"people[{i}].id_number",
                              "该公民身份号码已在您管理范围以外的组织登记，请先办理组织关系转接。")
                    continue
                p = holder
            elif holder is not None and (p is None or holder.pk != p.pk):
                self.fail(f"people[{i}].id_number", f"该公民身份号码已由系统中另一人员（{holder.name}）登记，请核对。")
                continue
            if p is not None:
                if p.pk in claimed:
                    self.fail(f"people[{i}]", f"与 people[{self.person_index[claimed[p.pk]]}] 对应系统中的同一人员，请核对编号和公民身份号码。")
                    continue
                claimed[p.pk] = r["id"]
                diff = [k for k, v in values.items() if getattr(p, k) != v]
                if p.external_id != r["id"] and not (p.external_id == "" and r["id"] == f"p-{p.pk}"):
                    diff.append("external_id")
                    p.external_id = r["id"]
                for k in diff:
                    if k != "external_id":
                        setattr(p, k, values[k])
                # An absent ID number keeps the stored one: exports for users who may not see ID
                # numbers leave them out, and importing such a file back must not erase them.
                if digest and getattr(by_digest.get(digest), "pk", None) != p.pk:
                    p.id_number = r["id_number"]
                    diff += ["id_number_encrypted", "id_number_digest"]
                if diff:
                    p.updated = now
                    fields_changed.update(diff)
                    changed.append(p)
                    count.updated += 1
                else:
                    count.unchanged += 1
                self.people[r["id"]] = p.pk
            else:
                p = Person(external_id=r["id"], **values)
                if r.get("id_number"):
                    p.id_number = r["id_number"]
                p.status_since = None
                new.append(p)
                new_keys.append(r["id"])
                count.created += 1
        if self.errors:
            return
        Person.objects.bulk_create(new, batch_size=1000)
        for key, p in zip(new_keys, new):
            self.people[key] = p.pk
        if changed:
            Person.objects.bulk_update(changed, sorted(fields_changed | {"updated"}), batch_size=1000)

    # --- posts -----------------------------------------------------------------------------
    def import_posts(self) -> None:
        rows = _rows(self.doc, "posts")
        count = self.report.counts.setdefault("posts", SectionCount())
        if not rows:
            return
        person_pks = sorted(set(self.people.values()))
        existing: dict[tuple, Post] = {}
        if self.match_existing:
            for chunk in in_chunks(person_pks):
                for post in Post.objects.filter(person_id__in=chunk).order_by("pk"):
                    existing.setdefault((post.person_id, post.org_id, post.role, post.start), post)
        new, changed = [], []
        for r in rows:
            person_id, org_id = self.people[r["person"]], self.orgs[r["org"]].pk
            start, end, approved = _d(r.get("start")), _d(r.get("end")), _d(r.get("approved"))
            post = existing.get((person_id, org_id, r["role"], start))
            if post is None:
                new.append(Post(person_id=person_id, org_id=org_id, role=r["role"], start=start,
                                end=end, approved=approved))
                count.created += 1
            elif (post.end, post.approved) != (end, approved):
                post.end, post.approved = end, approved
                changed.append(post)
                count.updated += 1
            else:
                count.unchanged += 1
        Post.objects.bulk_create(new, batch_size=1000)
        if changed:
            Post.objects.bulk_update(changed, ["end", "approved"], batch_size=1000)

    # --- meetings --------------------------------------------------------------------------
    def _loaded_people(self) -> dict[int, Person]:
        """The file's people with what attendance needs (membership dates, status, sanctions)."""
        if not hasattr(self, "_people_objs"):
            self._people_objs = {}
            for chunk in in_chunks(sorted(set(self.people.values()))):
                for p in Person.objects.filter(pk__in=chunk).only(*orglife.PERSON_FIELDS_FOR_ATTENDANCE):
                    self._people_objs[p.pk] = p
        return self._people_objs

    def _existing_meetings(self, rows: list[dict]) -> dict[str, Meeting]:
        existing: dict[str, Meeting] = {}
        if not self.match_existing:
            return existing
        file_orgs = {o.pk for o in self.orgs.values()}
        want_org = {r["id"]: self.orgs[r["org"]].pk for r in rows}

        def rank(m: Meeting) -> int:
            # Ids are unique within one file, not across files: prefer the meeting of the same org,
            # then one of the file's orgs; never take over another jurisdiction's "m1".
            return 0 if m.org_id == want_org[m.external_id] else 1 if m.org_id in file_orgs else 2

        for chunk in in_chunks(r["id"] for r in rows):
            for m in self.candidates(Meeting.objects.filter(external_id__in=chunk)).order_by("pk"):
                have = existing.get(m.external_id)
                if rank(m) < 2 and (have is None or rank(m) < rank(have)):
                    existing[m.external_id] = m
        _match_generated(self.candidates(Meeting.objects.all()), existing, [r["id"] for r in rows], "m")
        return existing

    def import_meetings(self) -> None:
        rows = _rows(self.doc, "meetings")
        count = self.report.counts.setdefault("meetings", SectionCount())
        if not rows:
            return
        index = {id(r): i for i, r in enumerate(self.doc["meetings"]) if isinstance(r, dict)}
        people = self._loaded_people()
        pk = self.people
        derive = {(self.orgs[r["org"]].pk, r["type"], _d(r["date"])) for r in rows if not r.get("expected")}
        derived = orglife.expected_attendees_many(derive) if derive else {}
        existing = self._existing_meetings(rows)
        children = self._meeting_children([m.pk for m in existing.values()])
        user = self.user if getattr(self.user, "is_authenticated", False) else None

        new: list[tuple[Meeting, tuple]] = []
        changed: list[tuple[Meeting, tuple]] = []
        for r in rows:
            i = index[id(r)]
            path = f"meetings[{i}]"
            org, day = self.orgs[r["org"]], _d(r["date"])
            if r.get("expected"):
                expected = [people[pk[x]] for x in dict.fromkeys(r["expected"])]
            else:
                expected = derived[(org.pk, r["type"], day)]
            present = {pk[x] for x in (r.get("present") or [])}
            excused = {pk[k]: (v or "") for k, v in (r.get("excused") or {}).items()}
            try:
                plan = orglife.plan_attendance(expected, present, excused, day, people)
            except ActionError as e:
                self.fail(f"{path}.present", e.message)
                continue
            votes = []
            for j, v in enumerate(r.get("votes") or []):
                # An absent tally is the meeting's own: those entitled to vote and those of them present.
                vote = orglife.VoteInput(
                    motion=(v.get("motion") or "").strip()[:300],
                    eligible=plan.voting_expected if v.get("eligible") is None else v["eligible"],
                    present=plan.voting_present if v.get("present") is None else v["present"],
                    yes=v.get("yes") or 0, no=v.get("no") or 0, abstain=v.get("abstain") or 0,
                    written_yes=v.get("written_yes") or 0)
                try:
                    orglife._validate_vote(vote, j)
                except ActionError as e:
                    self.fail(f"{path}.votes[{j}]", e.message)
                    continue
                votes.append(tuple(vote.__dict__.values()))
            critiques = [(pk[c["from"]], pk[c["to"]] if c.get("to") else None, c.get("text") or "")
                         for c in (r.get("critiques") or [])]
            values = {"org_id": org.pk, "type": r["type"], "state": MeetingState.HELD, "date": day,
                      "topic": (r.get("topic") or "").strip()[:300],
                      "chair_id": pk[r["chair"]] if r.get("chair") else None,
                      "lecturer_id": pk[r["lecturer"]] if r.get("lecturer") else None,
                      "minutes": r.get("minutes") or "",
                      "expected_count": plan.expected_count, "present_count": plan.present_count,
                      "voting_expected": plan.voting_expected, "voting_present": plan.voting_present}
            kids = (sorted(plan.rows), votes, critiques)
            m = existing.get(r["id"])
            if m is None:
                m = Meeting(external_id=r["id"], entered_by=user, **values)
                new.append((m, kids))
                count.created += 1
            else:
                same = all(getattr(m, k) == v for k, v in values.items()) and children.get(m.pk) == kids
                if m.external_id != r["id"] and not (m.external_id == "" and r["id"] == f"m-{m.pk}"):
                    m.external_id, same = r["id"], False
                if same:
                    count.unchanged += 1
                else:
                    for k, v in values.items():
                        setattr(m, k, v)
                    changed.append((m, kids))
                    count.updated += 1
            self.meetings[r["id"]] = m
        if self.errors:
            return
        self._insert_meetings([m for m, _ in new])
        if changed:
            ids = [m.pk for m, _ in changed]
            for chunk in in_chunks(ids):
                Attendance.objects.filter(meeting_id__in=chunk).delete()
                Resolution.objects.filter(meeting_id__in=chunk).delete()
                Critique.objects.filter(meeting_id__in=chunk).delete()
            Meeting.objects.bulk_update([m for m, _ in changed],
                                        [f.removesuffix("_id") for f in MEETING_FIELDS] + ["external_id"],
                                        batch_size=500)
        self._write_children(new + changed)
        if changed:
            self._resync_credits([m for m, _ in changed])
        self.meetings = {k: m.pk for k, m in self.meetings.items()}

    def _resync_credits(self, meetings: list[Meeting]) -> None:
        """A 中心组学习 that credits 学时 (study.MeetingCredit) rewritten by the file: its records follow the new
        attendance, date and state, as after the meeting actions."""
        from dangjian.study.actions import sync_meeting_credit
        from dangjian.study.models import MeetingCredit

        ids = [m.pk for m in meetings]
        credited = set()
        for chunk in in_chunks(ids):
            credited |= set(MeetingCredit.objects.filter(meeting_id__in=chunk).values_list("meeting_id", flat=True))
        for m in meetings:
            if m.pk in credited:
                sync_meeting_credit(m)

    def _insert_meetings(self, meetings: list[Meeting]) -> None:
        """INSERT with executemany, then read the new primary keys back: `bulk_create` spent most
        of a 17,000-meeting import preparing values one by one. The rows are found again by the
        import's own timestamp above the previous highest key (a concurrent writer's rows carry
        another timestamp)."""
        if not meetings:
            return
        from django.db import connection
        from django.db.models import Max

        now = timezone.now()
        before = Meeting.objects.aggregate(m=Max("pk"))["m"] or 0
        cols = ["external_id", "entered_by_id", "entered_at"] + list(MEETING_FIELDS)
        stamp = connection.ops.adapt_datetimefield_value(now)
        RawInserter(Meeting, cols, batch=5000).insert([
            (m.external_id, m.entered_by_id, stamp) + tuple(getattr(m, f) for f in MEETING_FIELDS) for m in meetings])
        keys = {(org_id, ext): pk for pk, org_id, ext in Meeting.objects.filter(pk__gt=before, entered_at=now)
                .values_list("pk", "org_id", "external_id")}
        for m in meetings:
            m.pk = keys[(m.org_id, m.external_id)]
            m.entered_at = now

    def _meeting_children(self, meeting_pks: list[int]) -> dict[int, tuple]:
        """What the stored meetings hold, in the shape `import_meetings` builds, to tell an
        unchanged meeting from a changed one without rewriting it."""
        att: dict[int, list] = {pk: [] for pk in meeting_pks}
        votes: dict[int, list] = {pk: [] for pk in meeting_pks}
        crit: dict[int, list] = {pk: [] for pk in meeting_pks}
        for chunk in in_chunks(meeting_pks):
            for mid, *row in Attendance.objects.filter(meeting_id__in=chunk).values_list(
                    "meeting_id", "person_id", "status", "reason", "voting"):
                att[mid].append(tuple(row))
            for mid, *row in Resolution.objects.filter(meeting_id__in=chunk).order_by("order", "pk").values_list(
                    "meeting_id", "motion", "eligible", "present", "yes", "no", "abstain", "written_yes"):
                votes[mid].append(tuple(row))
            for mid, *row in Critique.objects.filter(meeting_id__in=chunk).order_by("order", "pk").values_list(
                    "meeting_id", "author_id", "target_id", "text"):
                crit[mid].append(tuple(row))
        return {pk: (sorted(att[pk]), votes[pk], crit[pk]) for pk in meeting_pks}

    def _write_children(self, items: list[tuple[Meeting, tuple]]) -> None:
        att, votes, crit = [], [], []
        for m, (rows, vs, cs) in items:
            facts = (m.date, counts_as_org_life(m.state, m.type))   # copied onto each row (REL-01)
            att += [(m.pk,) + row + facts for row in rows]
            votes += [(m.pk, j) + v for j, v in enumerate(vs)]
            crit += [(m.pk, j) + c for j, c in enumerate(cs)]
        # Hundreds of thousands of attendance rows: one prepared statement stepped per row.
        RawInserter(Attendance, ["meeting_id", "person_id", "status", "reason", "voting", "meeting_date",
                                 "counts_as_org_life"], batch=5000).insert(att)
        RawInserter(Resolution, ["meeting_id", "order", "motion", "eligible", "present", "yes", "no", "abstain",
                                 "written_yes"]).insert(votes)
        RawInserter(Critique, ["meeting_id", "order", "author_id", "target_id", "text"]).insert(crit)

    # --- talks -----------------------------------------------------------------------------
    def import_talks(self) -> None:
        rows = _rows(self.doc, "talks")
        count = self.report.counts.setdefault("talks", SectionCount())
        if not rows:
            return
        pk = self.people
        person_org = {r["id"]: (self.orgs[r["org"]].pk if r.get("org") else None) for r in _rows(self.doc, "people")}
        existing: dict[tuple, Talk] = {}
        if self.match_existing:
            for chunk in in_chunks(sorted({pk[r["a"]] for r in rows})):
                for t in self.candidates(Talk.objects.filter(a_id__in=chunk)).order_by("pk"):
                    existing.setdefault((t.a_id, t.b_id, t.date), t)
        new, changed = [], []
        for i, r in enumerate(self.doc["talks"]):
            if not isinstance(r, dict):
                continue
            a, b, day = pk[r["a"]], pk[r["b"]], _d(r["date"])
            # As do_record_talk: recorded under the first person's organisation.
            org_id = person_org.get(r["a"]) or person_org.get(r["b"])
            if org_id is None:
                self.fail(f"talks[{i}].a", "谈话双方都不在任何党组织中，无法登记；请填写其中一人的 org。")
                continue
            topic = (r.get("topic") or "").strip()[:300]
            t = existing.get((a, b, day))
            if t is None:
                new.append(Talk(org_id=org_id, a_id=a, b_id=b, date=day, topic=topic))
                count.created += 1
            elif (t.org_id, t.topic) != (org_id, topic):
                t.org_id, t.topic = org_id, topic
                changed.append(t)
                count.updated += 1
            else:
                count.unchanged += 1
        if self.errors:
            return
        RawInserter(Talk, ["org_id", "a_id", "b_id", "date", "topic"]).insert(
            [(t.org_id, t.a_id, t.b_id, t.date, t.topic) for t in new])
        if changed:
            Talk.objects.bulk_update(changed, ["org", "topic"], batch_size=1000)

    # --- 民主评议 ----------------------------------------------------------------------------
    def import_appraisals(self) -> None:
        """Grades are written as the file has them: a file may carry what `do_record_appraisal`
        would refuse (优秀 over a third, a grade for a probationary member) — that is what `check`
        reports as EVAL-01/EVAL-02, so it must reach the rules, not be rejected here."""
        rows = _rows(self.doc, "appraisals")
        count = self.report.counts.setdefault("appraisals", SectionCount())
        if not rows:
            return
        existing: dict[tuple, Appraisal] = {}
        grades_now: dict[int, dict] = {}
        if self.match_existing:
            org_pks = sorted({self.orgs[r["org"]].pk for r in rows})
            for chunk in in_chunks(org_pks):
                for a in self.candidates(Appraisal.objects.filter(org_id__in=chunk)):
                    existing[(a.org_id, a.year)] = a
            for chunk in in_chunks([a.pk for a in existing.values()]):
                for aid, pid, grade in AppraisalGrade.objects.filter(appraisal_id__in=chunk).values_list(
                        "appraisal_id", "person_id", "grade"):
                    grades_now.setdefault(aid, {})[pid] = grade
        todo: list[tuple[Appraisal, dict]] = []
        rewrite: list[int] = []
        for r in rows:
            org_pk = self.orgs[r["org"]].pk
            grades = {self.people[k]: v for k, v in (r.get("grades") or {}).items()}
            a = existing.get((org_pk, r["year"]))
            if a is None:
                a = Appraisal(org_id=org_pk, year=r["year"])
                todo.append((a, grades))
                count.created += 1
            elif grades_now.get(a.pk, {}) != grades:
                rewrite.append(a.pk)
                todo.append((a, grades))
                count.updated += 1
            else:
                count.unchanged += 1
        Appraisal.objects.bulk_create([a for a, _ in todo if a.pk is None], batch_size=500)
        # A changed appraisal keeps its grade rows (updated in place): the tallies and texts recorded
        # on the platform and a disposition opened on a grade stay with the member.
        kept: dict[tuple[int, int], AppraisalGrade] = {}
        for chunk in in_chunks(rewrite):
            for g in AppraisalGrade.objects.filter(appraisal_id__in=chunk):
                kept[(g.appraisal_id, g.person_id)] = g
        wanted = {(a.pk, pid) for a, grades in todo for pid in grades}
        gone = [g.pk for key, g in kept.items() if key not in wanted]
        for chunk in in_chunks(gone):
            AppraisalGrade.objects.filter(pk__in=chunk).delete()
        changed = []
        for a, grades in todo:
            for pid, grade in grades.items():
                g = kept.get((a.pk, pid))
                if g is not None and g.grade != grade:
                    g.grade = grade
                    changed.append(g)
        AppraisalGrade.objects.bulk_update(changed, ["grade"], batch_size=500)
        RawInserter(AppraisalGrade, ["appraisal_id", "person_id", "grade"]).insert(
            [(a.pk, pid, g) for a, grades in todo for pid, g in grades.items() if (a.pk, pid) not in kept])

    # --- 发展党员 ----------------------------------------------------------------------------
    def import_recruitment(self) -> None:
        """One file per person, its events as the file has them (DEV rules judge what is wrong: a
        step out of order, a vote without a quorum). Re-importing keeps the events that did not
        change; events no longer in the file are voided (kept, with the reason), new ones added."""
        rows = _rows(self.doc, "recruitment")
        count = self.report.counts.setdefault("recruitment", SectionCount())
        if not rows:
            return
        person_org = {r["id"]: r.get("org") for r in _rows(self.doc, "people")}
        existing: dict[int, RecruitmentFile] = {}
        events_now: dict[int, dict[tuple, RecruitmentEvent]] = {}
        if self.match_existing:
            pks = sorted({self.people[r["person"]] for r in rows})
            files: dict[int, list[RecruitmentFile]] = {}
            for chunk in in_chunks(pks):
                for f in self.candidates(RecruitmentFile.objects.filter(person_id__in=chunk)).order_by("pk"):
                    files.setdefault(f.person_id, []).append(f)
            applied: dict[int, dt.date] = {}
            for chunk in in_chunks([f.pk for fs in files.values() for f in fs]):
                applied.update(RecruitmentEvent.objects.filter(
                    file_id__in=chunk, step="application", voided_at__isnull=True).values("file_id").annotate(
                    first=Min("date")).values_list("file_id", "first"))
            for r in rows:
                f = _same_file(r, files.get(self.people[r["person"]], []), applied)
                if f is not None:
                    existing[f.person_id] = f
            for chunk in in_chunks([f.pk for f in existing.values()]):
                for ev in RecruitmentEvent.objects.filter(file_id__in=chunk, voided_at__isnull=True).prefetch_related(
                        "persons"):
                    events_now.setdefault(ev.file_id, {})[_event_key(ev)] = ev
        now = timezone.now()
        for i, r in enumerate(self.doc["recruitment"]):
            if not isinstance(r, dict):
                continue
            org_key = r.get("org") or person_org.get(r["person"])
            if not org_key:
                self.fail(f"recruitment[{i}].person", "发展党员档案的本人须属于某个党组织（people[].org），"
                                                      "以确定负责培养考察的党支部。")
                continue
            pid, org = self.people[r["person"]], self.orgs[org_key]
            wanted = []
            for ev in r.get("events") or []:
                if not isinstance(ev, dict):
                    continue
                wanted.append(RecruitmentEvent(
                    step=ev["step"], date=_d(ev["date"]), conclusion=ev.get("conclusion") or "",
                    days=ev.get("days"), hours=ev.get("hours"), eligible=ev.get("eligible"),
                    present=ev.get("present"), yes=ev.get("yes"), written_yes=ev.get("written_yes"),
                    candidates_in_vote=ev.get("candidates_in_vote"),
                    approver_id=self.orgs[ev["by"]].pk if ev.get("by") else None, months=ev.get("months"),
                    docs=list(ev.get("docs") or []), publicity_for=ev.get("for") or "", end_date=_d(ev.get("end"))))
                wanted[-1]._persons = [self.people[p] for p in ev.get("persons") or []]
            f = existing.get(pid)
            is_new = f is None
            # The platform's own keys (absent in plain DJX v1): a key a file does not carry, or carries as
            # null, leaves the stored value as it is — an import never reopens an ended file, nor moves a
            # file the platform keeps elsewhere.
            file_data = {k: conv(r[k]) for k, conv in (("planned_leave", _d), ("closed", _d),
                                                       ("closed_reason", lambda v: v[:200])) if r.get(k) is not None}
            changed = []
            if is_new:
                f = RecruitmentFile.objects.create(person_id=pid, org=org, external_id=str(r["person"])[:64],
                                                   created_by=self.user if getattr(self.user, "is_authenticated", False)
                                                   else None, **file_data)
                count.created += 1
                keep: dict[tuple, RecruitmentEvent] = {}
            else:
                keep = events_now.get(f.pk, {})
                if r.get("org"):
                    file_data["org_id"] = org.pk
                changed = [k for k, v in file_data.items() if getattr(f, k) != v]
                for k in changed:
                    setattr(f, k, file_data[k])
                if changed:
                    f.save(update_fields=changed)
            new = [ev for ev in wanted if _event_key(ev) not in keep]
            gone = [ev.pk for key, ev in keep.items() if key not in {_event_key(w) for w in wanted}]
            if not is_new:
                if new or gone or changed:
                    count.updated += 1
                else:
                    count.unchanged += 1
            if gone:
                RecruitmentEvent.objects.filter(pk__in=gone).update(voided_at=now, void_reason="导入的文件中已没有此环节")
            for ev in new:
                ev.file = f
            RecruitmentEvent.objects.bulk_create(new)
            through = RecruitmentEvent.persons.through
            through.objects.bulk_create([through(recruitmentevent_id=ev.pk, person_id=p)
                                         for ev in new for p in ev._persons])


def _same_file(r: dict, files: list[RecruitmentFile], applied: dict[int, dt.date]) -> RecruitmentFile | None:
    """The stored file a DJX recruitment record is (a person may have several: one stopped, a later
    one open). The same application date decides; failing that, a record that does not say it ended
    is the person's open file (its application date corrected); otherwise it is a new file."""
    dates = [_d(ev["date"]) for ev in r.get("events") or [] if isinstance(ev, dict) and ev.get("step") == "application"]
    if dates:
        same = [f for f in files if applied.get(f.pk) == min(dates)]
        if same:
            return same[-1]
    if r.get("closed") is None:
        return next((f for f in files if f.closed is None), None)
    return None


def _event_key(ev: RecruitmentEvent) -> tuple:
    """What makes two events the same step record (for a re-import)."""
    persons = getattr(ev, "_persons", None)
    if persons is None:
        persons = [p.pk for p in ev.persons.all()]
    return (ev.step, ev.date, ev.conclusion or "", _num(ev.days), _num(ev.hours), ev.eligible, ev.present, ev.yes,
            ev.written_yes, ev.candidates_in_vote, ev.approver_id, ev.months, tuple(sorted(ev.docs or [])),
            tuple(sorted(persons)), ev.publicity_for or "", ev.end_date)


def _num(v):
    return None if v is None else float(v)


MEETING_FIELDS = ("org_id", "type", "state", "date", "topic", "chair_id", "lecturer_id", "minutes",
                  "expected_count", "present_count", "voting_expected", "voting_present")
