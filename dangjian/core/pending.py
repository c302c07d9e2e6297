"""后台检查进行中: what a findings page cannot show yet.

Some judgement happens after the request that changed the data: the background rules (`Rule.background`, TXT-01)
wait in the Huey job's pending set (`tasks.PENDING`, then `tasks.INFLIGHT` while the job judges them), and an import
leaves an `OwedRun` marker until its run is done (`core.owed`). Between the save and the job a secretary looking at
the findings sees the old state: `pending_checks(user, orgs)` says what is still being judged for the orgs a page
shows, so the page can say so (the banner `core/_pending_checks.html`, polled while something is pending) and the
API can too (`GET /api/findings/pending/`).

Cost: two reads of Huey's storage (peeks: nothing is taken off), one query for the markers, and one query (per
ID_CHUNK pending orgs) to keep the pending orgs inside the user's scope and the page's subtree — never a query
per org. Scope: only orgs the user may view count (a secretary of branch B does not learn that branch A has
pending checks); a member without a management scope sees nothing. It never raises: a storage or database error
is logged and the page shows nothing."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

log = logging.getLogger(__name__)

POLL_SECONDS = 15       # the banner asks again this often, only while something is pending
ID_CHUNK = 5000         # pending org ids looked up per query (SQLite and PostgreSQL both take this many parameters)
MARKERS = 200           # import markers read at most (each is one import waiting for its run: normally none or a few)
# Rule-id prefixes that read better as a family than as titles.
FAMILIES = {"TXT": "文字质量"}


@dataclass(frozen=True)
class PendingChecks:
    rule_ids: tuple[str, ...] = ()      # background rules waiting or being judged for the shown orgs
    org_count: int = 0                  # how many of the shown orgs they concern (0 with `everywhere`)
    everywhere: bool = False            # a full run of them is pending (e.g. a changed TXT-01 setting)
    imported: bool = False              # an import's run concerning the shown orgs is not done yet
    imported_since: dt.datetime | None = None

    def __bool__(self) -> bool:
        return bool(self.rule_ids) or self.imported

    @property
    def rules_text(self) -> str:
        return rules_text(self.rule_ids)

    @property
    def message(self) -> str:
        """The banner's text (empty when nothing is pending)."""
        lines = []
        if self.rule_ids:
            n = len(self.rule_ids)
            what = self.rules_text + (f"等 {n} 项规则" if n > 1 else "")
            where = "涉及全部组织" if self.everywhere else f"涉及 {self.org_count} 个组织"
            lines.append(f"后台正在检查：{what}，{where}；结果出来后此处自动更新。")
        if self.imported:
            since = f"（自 {_when(self.imported_since)} 起）" if self.imported_since else ""
            lines.append(f"刚导入的数据正在后台检查{since}。")
        return "\n".join(lines)

    @property
    def poll_seconds(self) -> int:
        return POLL_SECONDS

    @property
    def lines(self) -> list[str]:
        return self.message.splitlines()

    def as_dict(self) -> dict:
        return {"pending": bool(self), "rule_ids": list(self.rule_ids), "rules": self.rules_text,
                "org_count": self.org_count, "everywhere": self.everywhere, "imported": self.imported,
                "imported_since": self.imported_since, "message": self.message}


NOTHING = PendingChecks()


def _when(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M}"
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def rules_text(rule_ids: Iterable[str]) -> str:
    """"文字质量（TXT-01—04）、党费足额交纳（DUES-02）": families by prefix, other rules by title."""
    from .engine import registry

    groups: dict[str, list[str]] = {}
    for rid in sorted(rule_ids):
        prefix = rid.split("-", 1)[0]
        groups.setdefault(prefix if prefix in FAMILIES else rid, []).append(rid)
    parts = []
    for key, ids in groups.items():
        if key in FAMILIES:
            span = ids[0] if len(ids) == 1 else f"{ids[0]}—{ids[-1].split('-', 1)[-1]}"
            parts.append(f"{FAMILIES[key]}（{span}）")
        else:
            rule = registry.get(key)
            parts.append(f"{rule.title}（{key}）" if rule else key)
    return "、".join(parts[:3]) + ("等" if len(parts) > 3 else "")


def _queued() -> list[tuple[list[str], list[int] | None]]:
    """(rule ids, org ids or None for all) of every batch waiting (PENDING) or being judged (INFLIGHT), read
    without taking anything off Huey's storage."""
    from . import tasks

    out = []
    for batch in (tasks.pending(), tasks._inflight()[0]):
        for entry in (batch or {}).values():
            out.append((list(entry.get("rules") or ()), entry.get("orgs")))
    return out


def pending_checks(user, orgs: Iterable | None = None) -> PendingChecks:
    """What background judgement is pending for the orgs a page shows: `orgs` (Org instances: each with its
    subtree, e.g. the org of an org-level page) or None (the user's whole scope, e.g. 预警中心), always within
    what `user` may view. Never raises."""
    try:
        return _pending_checks(user, orgs)
    except Exception:
        log.exception("无法读取后台检查的进度（页面不显示提示）")
        return NOTHING


def _pending_checks(user, orgs) -> PendingChecks:
    from .models import OwedRun
    from .permissions import VIEW, subtree_q, user_scope

    scope = user_scope(user, VIEW)
    if scope.empty:
        return NOTHING
    pages = None if orgs is None else [o.path for o in orgs if o is not None]
    if pages is not None:
        if not scope.everything:        # (an org outside the scope shows nothing of its own)
            pages = [p for p in pages if any(p.startswith(s) for s in scope.prefixes)]
        if not pages:
            return NOTHING
    try:
        queued = _queued()
    except Exception:       # (Redis down: say nothing of the queue, still look at the markers)
        log.exception("无法读取后台检查队列（页面不显示提示）")
        queued = []
    markers = list(OwedRun.objects.order_by("pk").values_list("org_ids", "created")[:MARKERS])
    if not queued and not markers:
        return NOTHING

    wanted = {i for _, ids in queued if ids for i in ids} | {i for ids, _ in markers if ids for i in ids}
    shown = _shown(wanted, scope, pages, subtree_q)

    rules: set[str] = set()
    touched: set[int] = set()
    everywhere = False
    for rule_ids, ids in queued:
        if ids is None:
            everywhere = True
            rules.update(rule_ids)
        elif hit := shown.intersection(ids):
            touched |= hit
            rules.update(rule_ids)
    since = [created for ids, created in markers if ids is None or shown.intersection(ids)]
    return PendingChecks(rule_ids=tuple(sorted(rules)), org_count=0 if everywhere else len(touched),
                         everywhere=everywhere, imported=bool(since), imported_since=min(since) if since else None)


def _shown(ids: set[int], scope, pages, subtree_q) -> set[int]:
    """The pending org ids inside the user's scope and the page's subtrees: one query per ID_CHUNK ids."""
    if not ids:
        return set()
    if scope.everything and pages is None:
        return ids
    from dangjian.orgs.models import Org

    qs = Org.objects.all()
    if not scope.everything:
        qs = qs.filter(subtree_q("path", scope.prefixes))
    if pages is not None:
        qs = qs.filter(subtree_q("path", pages))
    ordered = sorted(ids)
    out: set[int] = set()
    for i in range(0, len(ordered), ID_CHUNK):
        out.update(qs.filter(pk__in=ordered[i:i + ID_CHUNK]).values_list("pk", flat=True))
    return out
