"""Keeping the dashboards' rollups (`models.MonthRollup`, `models.Snapshot`).

An org's *own* figures come from its own records (findings stored under it, meetings it held, its members'
dues ledger, its rectifications and recruitment files), computed set-wise with a few aggregate queries for
any number of orgs; a stored row is the sum of the own figures over the org's subtree.

* `rebuild(as_of)` computes the own figures of every org, adds each into its ancestors by the materialised
  path, and rewrites both tables in bulk (`dangjian rollups --rebuild`; the engine's full runs).
* `refresh(org_ids, as_of)` after an incremental run: an org's previous own figures are its stored row less
  its children's stored rows; the difference to its new own figures is added to its row and its ancestors'
  rows — a handful of rows, whatever the size of the tree.
* Concurrency: both lock the one `RollupState` row (`lock_state`) before they read stored rows, and `_apply`
  re-reads the rows it changes at the write, so a refresh never writes back totals another run has changed
  since; the orgs refreshed while a rebuild reads the tree are refreshed again after it writes
  (`PendingOrg`). A refresh never waits for the row (NOWAIT): when a rebuild is writing, it notes its orgs
  instead. The background job coalesces rebuild requests (`tasks.py`).

The meeting and dues judgements are the ones the assessment indicators use (`assessment.metrics`: the
periods a branch owes while it exists and has members; `dues.ledger`: a person-month due unless exempt with
approval, paid in full when nothing is short), so a dashboard and a score never disagree.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import time
import uuid
from collections import defaultdict

from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from .models import MONTH_FIELDS, SNAPSHOT_FIELDS, MonthRollup, PendingOrg, RollupState, Snapshot

logger = logging.getLogger(__name__)

WINDOW_MONTHS = 12
QUARTERLY = ("member_assembly", "lecture")
MONTHLY = ("committee", "theme_day")
_M = {f: i for i, f in enumerate(MONTH_FIELDS)}
_S = {f: i for i, f in enumerate(SNAPSHOT_FIELDS)}


def first_of(d: dt.date) -> dt.date:
    return d.replace(day=1)


def add_months(d: dt.date, n: int) -> dt.date:
    k = d.year * 12 + d.month - 1 + n
    return dt.date(k // 12, k % 12 + 1, 1)


def window(as_of: dt.date) -> list[dt.date]:
    """The months the dashboards show: the running month and the eleven before it, oldest first."""
    last = first_of(as_of)
    return [add_months(last, -i) for i in range(WINDOW_MONTHS - 1, -1, -1)]


_PERIOD = [(re.compile(r"^(\d{4})-(\d{2})$"), lambda y, n: (y, n)),
           (re.compile(r"^(\d{4})Q([1-4])$"), lambda y, n: (y, 3 * n)),
           (re.compile(r"^(\d{4})H([12])$"), lambda y, n: (y, 6 * n)),
           (re.compile(r"^(\d{4})$"), lambda y, n: (y, 12))]


def period_month(period: str, first_seen) -> dt.date:
    """The month a finding belongs to on the heat map: the last month of its period ("2026-03", "2026Q1",
    "2026H1", "2026"), or the month it was found when it has none."""
    for rx, to in _PERIOD:
        m = rx.match(period or "")
        if m:
            y = int(m.group(1))
            y, mo = to(y, int(m.group(2)) if m.lastindex > 1 else 0)
            return dt.date(y, mo, 1)
    return first_of(timezone.localtime(first_seen).date()) if first_seen else None


# ---------------------------------------------------------------------------------------------------------
# Own figures: {org_id: {month: [ints per MONTH_FIELDS]}} and {org_id: ([ints per SNAPSHOT_FIELDS], by_rule)}


class Own:
    def __init__(self):
        self.months: dict[int, dict[dt.date, list[int]]] = defaultdict(dict)
        self.snap: dict[int, list[int]] = {}
        self.rules: dict[int, dict[str, int]] = defaultdict(dict)

    def m(self, org_id: int, month: dt.date) -> list[int]:
        row = self.months[org_id].get(month)
        if row is None:
            row = self.months[org_id][month] = [0] * len(MONTH_FIELDS)
        return row

    def s(self, org_id: int) -> list[int]:
        row = self.snap.get(org_id)
        if row is None:
            row = self.snap[org_id] = [0] * len(SNAPSHOT_FIELDS)
        return row


def _in(qs, field: str, org_ids):
    return qs if org_ids is None else qs.filter(**{f"{field}__in": list(org_ids)})


def own_figures(org_ids, as_of: dt.date) -> Own:
    """The own figures of `org_ids` (None: every org) as of `as_of`."""
    own = Own()
    months = window(as_of)
    _findings(own, org_ids, months, as_of)
    _meetings(own, org_ids, months, as_of)
    _dues(own, org_ids, months, as_of)
    _members(own, org_ids)
    _rectifications(own, org_ids, as_of)
    _recruitment(own, org_ids)
    return own


def _findings(own: Own, org_ids, months, as_of):
    from dangjian.core.models import Finding, FindingState

    start, last = months[0], months[-1]
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    sev = {"BLOCK": _M["findings_block"], "WARN": _M["findings_warn"], "INFO": _M["findings_info"]}
    snap_sev = {"BLOCK": _S["findings_block"], "WARN": _S["findings_warn"], "INFO": _S["findings_info"]}
    qs = _in(Finding.objects.filter(Q(state=FindingState.OPEN) | Q(first_seen__gte=since) | Q(resolved_at__gte=since)),
             "org_id", org_ids)
    for org_id, rule_id, severity, state, period, first_seen, resolved_at in qs.order_by().values_list(
            "org_id", "rule_id", "severity", "state", "period", "first_seen", "resolved_at").iterator(chunk_size=5000):
        if state == FindingState.OPEN:
            own.s(org_id)[snap_sev[severity]] += 1
            rules = own.rules[org_id]
            rules[rule_id] = rules.get(rule_id, 0) + 1
            m = period_month(period, first_seen)
            if m is not None and m >= start:
                own.m(org_id, min(m, last))[sev[severity]] += 1
        if first_seen:
            m = first_of(timezone.localtime(first_seen).date())
            if start <= m <= last:
                own.m(org_id, m)[_M["opened"]] += 1
        if state == FindingState.RESOLVED and resolved_at:
            m = first_of(timezone.localtime(resolved_at).date())
            if start <= m <= last:
                own.m(org_id, m)[_M["resolved"]] += 1


def _meetings(own: Own, org_ids, months, as_of):
    """三会一课/主题党日 periods due and held per branch and month, judged like the assessment indicator
    `meetings_held`: 支委会 and 主题党日 each ended month, 党员大会 and 党课 each ended quarter (counted in
    its last month; 党课 yearly in December when `lecture_per` = year), only periods the branch existed
    through while it has members."""
    from dangjian.assessment.metrics import _existed, _month_end
    from dangjian.core import engine
    from dangjian.orglife.choices import MeetingState
    from dangjian.orglife.models import Meeting
    from dangjian.orgs.models import Org
    from dangjian.people.choices import MEMBER_STATUSES
    from dangjian.people.models import Person

    yearly_lecture = (engine.effective_settings().get("lecture_per") or "quarter") == "year"
    branches = {pk: (f, d) for pk, f, d in _in(Org.objects.filter(type="branch"), "pk", org_ids)
                .order_by().values_list("pk", "founded", "dissolved")}
    if not branches:
        return
    with_members = set(_in(Person.objects.filter(status__in=list(MEMBER_STATUSES)), "org_id",
                           None if org_ids is None else list(branches))
                       .order_by().values_list("org_id", flat=True).distinct())
    branches = {b: v for b, v in branches.items() if b in with_members}
    if not branches:
        return
    # Held meetings from the first day of the year of the window's first quarter (a yearly 党课 counts anywhere
    # in its year), as distinct (branch, type, year, month).
    since = dt.date(months[0].year, 1, 1)
    held = set(_in(Meeting.objects.filter(state=MeetingState.HELD, type__in=MONTHLY + QUARTERLY,
                                          date__gte=since, date__lte=as_of), "org_id",
                   None if org_ids is None else list(branches))
               .order_by().values_list("org_id", "type", "date__year", "date__month").distinct())
    by_branch = defaultdict(set)
    for o, t, y, m in held:
        by_branch[o].add((t, y, m))
    due_i, held_i = _M["meetings_due"], _M["meetings_held"]
    for b, (founded, dissolved) in branches.items():
        got = by_branch.get(b, ())
        for m in months:
            end = _month_end(m.year, m.month)
            if end > as_of:
                continue        # a month counts once it has ended
            due = held_n = 0
            if _existed(founded, dissolved, m, end):
                for t in MONTHLY:
                    due += 1
                    held_n += (t, m.year, m.month) in got
            if m.month % 3 == 0:
                q_start = dt.date(m.year, m.month - 2, 1)
                if _existed(founded, dissolved, q_start, end):
                    qtypes = ("member_assembly",) if yearly_lecture else QUARTERLY
                    for t in qtypes:
                        due += 1
                        held_n += any((t, m.year, mm) in got for mm in range(m.month - 2, m.month + 1))
            if yearly_lecture and m.month == 12 and _existed(founded, dissolved, dt.date(m.year, 1, 1), end):
                due += 1
                held_n += any(("lecture", m.year, mm) in got for mm in range(1, 13))
            if due:
                row = own.m(b, m)
                row[due_i] += due
                row[held_i] += held_n


def _dues(own: Own, org_ids, months, as_of):
    """Person-months due and paid in full, from the dues ledger (as the `dues_paid` indicator counts them)."""
    from dangjian.core import engine
    from dangjian.dues.ledger import accounts
    from dangjian.dues.models import DuesBase, DuesPayment
    from dangjian.people.models import Person

    people = Person.objects.filter(Q(pk__in=DuesBase.objects.values("person_id"))
                                   | Q(pk__in=DuesPayment.objects.values("person_id")))
    people = _in(people, "org_id", org_ids)
    start = months[0]
    due_i, paid_i = _M["dues_due"], _M["dues_paid"]
    for acc in accounts(people, as_of, engine.effective_settings()).values():
        if acc.org_id is None:
            continue
        for m in acc.months:
            if m.month < start or m.due is None or (m.exempt == "exempt" and m.exempt_approved):
                continue
            row = own.m(acc.org_id, m.month)
            row[due_i] += 1
            row[paid_i] += 1 if (not m.unpaid and m.short == 0) else 0


def _members(own: Own, org_ids):
    from dangjian.people.choices import MEMBER_STATUSES
    from dangjian.people.models import Person

    i = _S["members"]
    for org_id, n in _in(Person.objects.filter(status__in=list(MEMBER_STATUSES)), "org_id", org_ids).order_by() \
            .values_list("org_id").annotate(n=Count("pk")):
        if org_id is not None:
            own.s(org_id)[i] += n


def _rectifications(own: Own, org_ids, as_of):
    from dangjian.supervision.models import Rectification

    for org_id, found, deadline in _in(Rectification.objects.filter(closed__isnull=True), "org_id", org_ids) \
            .order_by().values_list("org_id", "found", "deadline"):
        row = own.s(org_id)
        row[_S["rect_open"]] += 1
        age = (as_of - found).days
        key = "rect_age_30" if age <= 30 else "rect_age_90" if age <= 90 else "rect_age_180" if age <= 180 \
            else "rect_age_more"
        row[_S[key]] += 1
        if deadline and deadline < as_of:
            row[_S["rect_overdue"]] += 1


def _recruitment(own: Own, org_ids):
    """Open 发展党员纪实 by the furthest stage reached (`recruitment.workflow.stage_of`: a stage is reached
    when one of its steps is recorded)."""
    from dangjian.recruitment.choices import STAGES
    from dangjian.recruitment.models import RecruitmentEvent, RecruitmentFile

    stage_of_step = {str(st): i for i, (_, steps) in enumerate(STAGES) for st in steps}
    files = dict(_in(RecruitmentFile.objects.filter(closed__isnull=True), "org_id", org_ids)
                 .order_by().values_list("pk", "org_id"))
    if not files:
        return
    stage = dict.fromkeys(files, 0)
    events = RecruitmentEvent.objects.filter(file__closed__isnull=True)
    if org_ids is not None:
        events = events.filter(file_id__in=list(files))
    for file_id, step in events.order_by().values_list("file_id", "step").distinct():
        s = stage_of_step.get(step)
        if s is not None and file_id in stage and s > stage[file_id]:
            stage[file_id] = s
    for file_id, org_id in files.items():
        own.s(org_id)[_S[f"stage_{stage[file_id]}"]] += 1


# ---------------------------------------------------------------------------------------------------------
# Storing


def _prefixes(path: str, steplen: int) -> list[str]:
    return [path[:i] for i in range(steplen, len(path) + 1, steplen)]


def rebuild(as_of: dt.date | None = None) -> dict:
    """Recompute every rollup row (bulk). Returns counts and the time taken. Callers other than tests go
    through `tasks.drain` (one rebuild at a time, requests coalesced); each rebuild still clears only its
    own entry in `RollupState.rebuilds`, so two that overlap anyway never lose a refresh."""
    from dangjian.orgs.models import Org

    t0 = time.perf_counter()
    as_of = as_of or timezone.localdate()
    token = uuid.uuid4().hex
    with transaction.atomic():          # from now on the refreshes note their orgs (`PendingOrg`)
        state = lock_state()
        active = _active(state)
        active[token] = timezone.now().isoformat()
        _save_rebuilds(state, active)
    try:
        return _rebuild(as_of, token, t0, Org)
    except BaseException:
        # (a failed rebuild ends its entry; its pending orgs wait for the next rebuild or refresh)
        try:
            with transaction.atomic():
                state = lock_state()
                active = _active(state)
                active.pop(token, None)
                _save_rebuilds(state, active)
        except Exception:       # pragma: no cover - (the entry goes stale after STALE_REBUILD)
            logger.exception("看板汇总重建失败后未能清除重建标记")
        raise


def _rebuild(as_of: dt.date, token: str, t0: float, Org) -> dict:
    own = own_figures(None, as_of)
    paths = dict(Org.objects.order_by().values_list("pk", "path"))
    by_path = {p: pk for pk, p in paths.items()}
    steplen = Org.steplen
    months_tot: dict[tuple[int, dt.date], list[int]] = {}
    snap_tot: dict[int, list[int]] = {}
    rules_tot: dict[int, dict[str, int]] = defaultdict(dict)
    n_m, n_s = len(MONTH_FIELDS), len(SNAPSHOT_FIELDS)
    for org_id in set(own.months) | set(own.snap) | set(own.rules):
        path = paths.get(org_id)
        if path is None:
            continue
        ups = [by_path[p] for p in _prefixes(path, steplen) if p in by_path]
        for m, vals in own.months.get(org_id, {}).items():
            for up in ups:
                row = months_tot.get((up, m))
                if row is None:
                    row = months_tot[(up, m)] = [0] * n_m
                for i, v in enumerate(vals):
                    row[i] += v
        vals = own.snap.get(org_id)
        rules = own.rules.get(org_id)
        for up in ups:
            if vals is not None:
                row = snap_tot.get(up)
                if row is None:
                    row = snap_tot[up] = [0] * n_s
                for i, v in enumerate(vals):
                    row[i] += v
            if rules:
                tot = rules_tot[up]
                for r, n in rules.items():
                    tot[r] = tot.get(r, 0) + n
    with transaction.atomic():
        state = lock_state()            # (no refresh between the rewrite and the pending orgs' refresh)
        MonthRollup.objects.all()._raw_delete(MonthRollup.objects.db)
        Snapshot.objects.all()._raw_delete(Snapshot.objects.db)
        MonthRollup.objects.bulk_create(
            (MonthRollup(org_id=o, month=m, **dict(zip(MONTH_FIELDS, vals)))
             for (o, m), vals in months_tot.items() if any(vals)), batch_size=5000)
        Snapshot.objects.bulk_create(
            (Snapshot(org_id=o, by_rule=rules_tot.get(o, {}), **dict(zip(SNAPSHOT_FIELDS, snap_tot.get(o, [0] * n_s))))
             for o in set(snap_tot) | set(rules_tot)), batch_size=5000)
        # "数据截至": a refresh later in the same month may have moved it on meanwhile — never back.
        shown = state.as_of if (state.as_of and first_of(state.as_of) == first_of(as_of)
                                and state.as_of > as_of) else as_of
        # The runs that refreshed while this rebuild read the tree may be missing from what it read: their
        # orgs are refreshed again, now, from the records (a refresh re-derives an org's own figures).
        pending = _pending()
        if pending:
            _refresh_locked({o for _, o in pending}, shown)
        active = _active(state)
        active.pop(token, None)
        if not active:                  # (another rebuild under way still needs them after its write)
            _drop_pending([pk for pk, _ in pending])
        seconds = time.perf_counter() - t0
        state.as_of, state.seconds = shown, seconds
        state.rebuilds, state.rebuilding_since = _rebuilds_fields(active)
        state.save()
    return {"months": sum(1 for v in months_tot.values() if any(v)), "snapshots": len(set(snap_tot) | set(rules_tot)),
            "seconds": time.perf_counter() - t0}


STALE_REBUILD = dt.timedelta(hours=1)     # a rebuild that started longer ago has died (a killed worker)


def lock_state() -> RollupState:
    """The rollups' state row, locked until the transaction ends: on PostgreSQL (`SELECT … FOR UPDATE`) each
    refresh and each rebuild's write waits for the one before it to commit, and then reads what it wrote —
    no refresh writes totals it read before another refresh or a rebuild changed them. (SQLite runs one
    write transaction at a time anyway.) Call inside `transaction.atomic()`."""
    state = RollupState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        RollupState.objects.get_or_create(pk=1)
        state = RollupState.objects.select_for_update().get(pk=1)
    return state


def _lock_nowait() -> RollupState | None:
    """The state row locked without waiting (`NOWAIT`: PostgreSQL raises at once when another transaction holds
    it). SQLite ignores row locks; there the refresh's first write waits for the other writer instead."""
    return RollupState.objects.select_for_update(nowait=True).filter(pk=1).first()


def try_lock_state() -> RollupState | None:
    """`lock_state`, or None when another transaction holds the row (a rebuild writing the whole tree)."""
    try:
        with transaction.atomic():      # (a savepoint: the failed statement does not break the caller's)
            state = _lock_nowait()
    except DatabaseError:
        return None
    return state if state is not None else lock_state()


def _active(state: RollupState) -> dict[str, str]:
    """The rebuilds under way (token → start), without those started so long ago that they have died."""
    now = timezone.now()
    return {t: s for t, s in (state.rebuilds or {}).items()
            if now - dt.datetime.fromisoformat(s) < STALE_REBUILD}


def _rebuilds_fields(active: dict[str, str]):
    return active, (min(dt.datetime.fromisoformat(s) for s in active.values()) if active else None)


def _save_rebuilds(state: RollupState, active: dict[str, str]) -> None:
    state.rebuilds, state.rebuilding_since = _rebuilds_fields(active)
    RollupState.objects.filter(pk=state.pk).update(rebuilds=state.rebuilds, rebuilding_since=state.rebuilding_since)


def _rebuilding(state: RollupState) -> bool:
    return bool(_active(state))


def _pending() -> list[tuple[int, int]]:
    return list(PendingOrg.objects.order_by("pk").values_list("pk", "org_id"))


def _note_pending(org_ids) -> None:
    PendingOrg.objects.bulk_create([PendingOrg(org_id=o) for o in org_ids])


def _drop_pending(pks) -> None:
    for i in range(0, len(pks), 1000):
        PendingOrg.objects.filter(pk__in=pks[i:i + 1000]).delete()


def refresh(org_ids, as_of: dt.date | None = None) -> None:
    """Bring the rows of `org_ids` and their ancestors up to date after their records changed. Never waits for
    a rebuild's write (tens of seconds at province scale, in a user's request): when the state row is locked
    the orgs are noted (`PendingOrg`) and applied by the rebuild, the background job or the next refresh."""
    as_of = as_of or timezone.localdate()
    org_ids = sorted(set(org_ids))
    with transaction.atomic():
        state = try_lock_state()
        if state is None:
            _note_pending(org_ids)
            from .tasks import request_pending

            request_pending()
            return
        if state.as_of is None or first_of(as_of) > first_of(state.as_of):
            # Never built, or a later month (the window has moved): a whole rebuild, which at province scale
            # takes minutes — by the background job after this run commits, not inside the request that
            # caused it.
            from .tasks import request_rebuild

            request_rebuild(as_of)
            return
        # A back-dated run (an earlier date or month) refreshes at the rollups' date: the stored window.
        as_of = max(as_of, state.as_of)
        if _rebuilding(state):
            _note_pending(org_ids)
            pending = []
        else:                           # (orgs noted while the row was locked or a rebuild failed)
            pending = _pending()
        _refresh_locked(set(org_ids) | {o for _, o in pending}, as_of)
        _drop_pending([pk for pk, _ in pending])
        if as_of > state.as_of:         # the page's "数据截至"
            RollupState.objects.filter(pk=state.pk).update(as_of=as_of)


def apply_pending() -> int:
    """The background job's part of a refresh that found the row locked: apply the noted orgs once the lock
    is free (waiting is fine here). Under a rebuild they are left to it. Returns how many orgs were applied."""
    with transaction.atomic():
        state = lock_state()
        if state.as_of is None or _rebuilding(state):
            return 0
        pending = _pending()
        if pending:
            _refresh_locked({o for _, o in pending}, state.as_of)
            _drop_pending([pk for pk, _ in pending])
        return len({o for _, o in pending})


def _refresh_locked(org_ids, as_of: dt.date) -> None:
    """`refresh` with the state row locked: an org's previous own figures are its stored row less its
    children's stored rows, read now; its new own figures come from the records."""
    from dangjian.orgs.models import Org

    touched = {pk: (path, depth) for pk, path, depth in
               Org.objects.filter(pk__in=list(org_ids)).order_by().values_list("pk", "path", "depth")}
    if not touched:
        return
    steplen = Org.steplen
    anc_paths = {p for path, _ in touched.values() for p in _prefixes(path, steplen)}
    ancestors = dict(Org.objects.filter(path__in=anc_paths).order_by().values_list("path", "pk"))
    child_q = Q(*[Q(path__subtree=path, depth=depth + 1) for path, depth in touched.values()], _connector=Q.OR)
    children = dict(Org.objects.filter(child_q).order_by().values_list("pk", "path"))
    new = own_figures(list(touched), as_of)
    involved = set(ancestors.values()) | set(children) | set(touched)
    months = window(as_of)
    stored_m = {(r.org_id, r.month): r for r in MonthRollup.objects.filter(org_id__in=involved, month__gte=months[0])}
    stored_s = {r.org_id: r for r in Snapshot.objects.filter(org_id__in=involved)}
    n_m, n_s = len(MONTH_FIELDS), len(SNAPSHOT_FIELDS)

    def mvals(o, m):
        r = stored_m.get((o, m))
        return [getattr(r, f) for f in MONTH_FIELDS] if r else [0] * n_m

    def svals(o):
        r = stored_s.get(o)
        return ([getattr(r, f) for f in SNAPSHOT_FIELDS], dict(r.by_rule)) if r else ([0] * n_s, {})

    kids = defaultdict(list)
    for c, path in children.items():
        parent = ancestors.get(path[:-steplen]) or next((t for t, (p, _) in touched.items() if p == path[:-steplen]), None)
        if parent is not None:
            kids[parent].append(c)
    d_m: dict[tuple[int, dt.date], list[int]] = {}
    d_s: dict[int, list[int]] = {}
    d_r: dict[int, dict[str, int]] = defaultdict(dict)
    for t, (path, _) in touched.items():
        ups = [ancestors[p] for p in _prefixes(path, steplen) if p in ancestors]
        for m in months:
            old = mvals(t, m)
            for c in kids[t]:
                old = [a - b for a, b in zip(old, mvals(c, m))]
            cur = new.months.get(t, {}).get(m, [0] * n_m)
            delta = [a - b for a, b in zip(cur, old)]
            if any(delta):
                for up in ups:
                    row = d_m.setdefault((up, m), [0] * n_m)
                    for i, v in enumerate(delta):
                        row[i] += v
        old, old_rules = svals(t)
        for c in kids[t]:
            cv, cr = svals(c)
            old = [a - b for a, b in zip(old, cv)]
            for r, n in cr.items():
                old_rules[r] = old_rules.get(r, 0) - n
        delta = [a - b for a, b in zip(new.snap.get(t, [0] * n_s), old)]
        rules_delta = {r: new.rules.get(t, {}).get(r, 0) - old_rules.get(r, 0)
                       for r in set(old_rules) | set(new.rules.get(t, {}))}
        rules_delta = {r: n for r, n in rules_delta.items() if n}
        for up in ups:
            if any(delta):
                row = d_s.setdefault(up, [0] * n_s)
                for i, v in enumerate(delta):
                    row[i] += v
            for r, n in rules_delta.items():
                d_r[up][r] = d_r[up].get(r, 0) + n
    _apply(d_m, d_s, d_r)


def _apply(d_m, d_s, d_r):
    """Add the differences to the rows as they are now: re-read (and row-locked) at the write, not the
    values read to compute the differences."""
    stored_m, stored_s = {}, {}
    if d_m:
        by_month = defaultdict(set)
        for o, m in d_m:
            by_month[m].add(o)
        q = Q(*[Q(month=m, org_id__in=sorted(os)) for m, os in by_month.items()], _connector=Q.OR)
        stored_m = {(r.org_id, r.month): r for r in MonthRollup.objects.select_for_update().filter(q)}
    if d_s or d_r:
        stored_s = {r.org_id: r for r in
                    Snapshot.objects.select_for_update().filter(org_id__in=sorted(set(d_s) | set(d_r)))}
    create_m, update_m, delete_m = [], [], []
    for (o, m), delta in d_m.items():
        r = stored_m.get((o, m))
        if r is None:
            r = MonthRollup(org_id=o, month=m)
            for f, v in zip(MONTH_FIELDS, delta):
                setattr(r, f, v)
            create_m.append(r)
            continue
        for f, v in zip(MONTH_FIELDS, delta):
            setattr(r, f, getattr(r, f) + v)
        (update_m if any(getattr(r, f) for f in MONTH_FIELDS) else delete_m).append(r)
    create_s, update_s = [], []
    for o in set(d_s) | set(d_r):
        r = stored_s.get(o)
        if r is None:
            r = Snapshot(org_id=o, by_rule={})
            create_s.append(r)
        else:
            update_s.append(r)
        for f, v in zip(SNAPSHOT_FIELDS, d_s.get(o, [0] * len(SNAPSHOT_FIELDS))):
            setattr(r, f, getattr(r, f) + v)
        rules = dict(r.by_rule)
        for rid, n in d_r.get(o, {}).items():
            rules[rid] = rules.get(rid, 0) + n
        r.by_rule = {rid: n for rid, n in sorted(rules.items()) if n}
    with transaction.atomic():
        if delete_m:
            MonthRollup.objects.filter(pk__in=[r.pk for r in delete_m]).delete()
        if update_m:
            MonthRollup.objects.bulk_update(update_m, list(MONTH_FIELDS))
        if create_m:
            MonthRollup.objects.bulk_create(create_m)
        if update_s:
            Snapshot.objects.bulk_update(update_s, [*SNAPSHOT_FIELDS, "by_rule"])
        if create_s:
            Snapshot.objects.bulk_create(create_s)


def after_run(org_ids, as_of: dt.date) -> None:
    """The engine's hook: an incremental run refreshes the orgs it judged, at once; a full run has the rollups
    rebuilt by a background job once its findings are committed (`tasks.request_rebuild`)."""
    if org_ids is not None:
        refresh(org_ids, as_of)
        return
    from .tasks import request_rebuild

    request_rebuild(as_of)
