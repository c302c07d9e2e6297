"""后台检查进行中: what a findings page cannot show yet.

Some judgement happens after the request that changed the data: the background rules (`Rule.background`, TXT-01)
wait in the Huey job's pending set (`tasks.PENDING`, then `tasks.INFLIGHT` while the job judges them), and an import
leaves an `OwedRun` marker until its run is done (`core.owed`). Between the save and the job a secretary looking at
the findings sees the old state: `pending_checks(user, orgs)` says what is still being judged for the orgs a page
shows, so the page can say so (the banner `core/_pending_checks.html`, polled while something is pending) and the
API can too (`GET /api/findings/pending/`).

Order: the queue is read *before* the findings (`finding_list`; the card pages through `pending_checks_first`), so
a job finishing in between leaves a banner over fresh findings (its next poll clears it), never stale findings
without a banner. The poll carries the time the page was shown (`?since=`) and gives up after POLL_LIMIT
seconds, and it does not restart the session's idle clock (`accounts.middleware.leaves_session_alone`). A run of
everything (a changed setting, an import of a whole province: `owe(None)`) is worded neutrally (FULL_RECHECK),
with its time only for a reader of the whole tree — not another jurisdiction's import time.

Cost: two reads of Huey's storage (peeks: nothing is taken off), one query for the markers, and one query (per
ID_CHUNK pending orgs) to keep the pending orgs inside the user's scope and the page's subtree — never a query
per org. Scope: only orgs the user may view count (a secretary of branch B does not learn that branch A has
pending checks); a member without a management scope sees nothing. It never raises: a storage or database error
is logged and the page shows nothing; after a failed read of the queue (a Redis that hangs: its
socket timeout) the queue is left alone for BREAK_SECONDS, so the timeout is not paid on every page and poll."""
from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

log = logging.getLogger(__name__)

POLL_SECONDS = 15       # the banner asks again this often, only while something is pending
POLL_LIMIT = 30 * 60    # seconds after the page was shown: the banner stops asking and says to refresh later
ID_CHUNK = 5000         # pending org ids looked up per query (SQLite and PostgreSQL both take this many parameters)
MARKERS = 200           # import markers read at most (each is one import waiting for its run: normally none or a few)
RULES_SHOWN = 3         # rule ids (or ranges) named in the banner; more: "等 n 项"
FULL_RECHECK = "系统正在全面重新检查{since}，结果出来后此处自动更新。"
LATE = "后台检查用时较长，请稍后刷新页面查看结果。"
BREAK_SECONDS = 30       # after a failed read of the queue, it is left alone this long (peek)


@dataclass(frozen=True)
class PendingChecks:
    rule_ids: tuple[str, ...] = ()      # background rules waiting or being judged for the shown orgs
    org_count: int = 0                  # how many of the shown orgs they concern (0 with `everywhere`)
    everywhere: bool = False            # a run of everything is pending (a changed setting, owe(None))
    imported: bool = False              # an import's run concerning the shown orgs is not done yet
    imported_since: dt.datetime | None = None
    everywhere_since: dt.datetime | None = None     # an import of everything: its time, for a whole-tree reader only

    def __bool__(self) -> bool:
        return bool(self.rule_ids) or self.imported or self.everywhere

    @property
    def rules_text(self) -> str:
        return rules_text(self.rule_ids)

    @property
    def message(self) -> str:
        """The banner's text (empty when nothing is pending)."""
        lines = []
        if self.everywhere:
            since = f"（自 {_when(self.everywhere_since)} 起）" if self.everywhere_since else ""
            lines.append(FULL_RECHECK.format(since=since))
        elif self.rule_ids:
            lines.append(f"后台正在检查：规则 {self.rules_text}，涉及 {self.org_count} 个组织；结果出来后此处自动更新。")
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
        times = [t for t in (self.imported_since, self.everywhere_since) if t]
        return {"pending": bool(self), "rule_ids": list(self.rule_ids), "rules": self.rules_text,
                "org_count": self.org_count, "everywhere": self.everywhere,
                "imported": self.imported or self.everywhere_since is not None,
                "imported_since": min(times) if times else None, "message": self.message}


NOTHING = PendingChecks()


def _when(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M}"
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def rules_text(rule_ids: Iterable[str]) -> str:
    """"BR-01、TXT-01—03等 5 项": the rule ids, short; a range only for three or more consecutive numbers of one
    prefix (TXT-01 and TXT-03 stay two: TXT-02 is not pending); at most RULES_SHOWN of them, then how many in all."""
    ids = sorted(set(rule_ids), key=_rule_key)
    parts: list[str] = []
    run: list[str] = []

    def flush():
        if len(run) >= 3:
            parts.append(f"{run[0]}—{run[-1].rsplit('-', 1)[1]}")
        else:
            parts.extend(run)
        run.clear()

    for rid in ids:
        if run and not _follows(run[-1], rid):
            flush()
        run.append(rid)
    flush()
    if len(parts) > RULES_SHOWN:
        return "、".join(parts[:RULES_SHOWN]) + f"等 {len(ids)} 项"
    return "、".join(parts)


def _rule_key(rid: str):
    prefix, _, number = rid.rpartition("-")
    return (prefix, int(number), rid) if number.isascii() and number.isdigit() else (rid, -1, rid)


def _follows(before: str, rid: str) -> bool:
    """TXT-02 follows TXT-01 (same prefix, the next number, the same width)."""
    p1, _, n1 = before.rpartition("-")
    p2, _, n2 = rid.rpartition("-")
    return (bool(p1) and p1 == p2 and len(n1) == len(n2) and n1.isascii() and n2.isascii() and n1.isdigit()
            and n2.isdigit() and int(n2) == int(n1) + 1)


def _queued() -> list[tuple[list[str], list[int] | None]]:
    """(rule ids, org ids or None for all) of every batch waiting (PENDING) or being judged (INFLIGHT), read
    without taking anything off Huey's storage."""
    from . import tasks

    out = []
    for batch in (tasks.pending(), tasks._inflight()[0]):
        for entry in (batch or {}).values():
            out.append((list(entry.get("rules") or ()), entry.get("orgs")))
    return out


class _Breaker:
    """The queue's circuit breaker (one per process): after a failed read, the queue is left alone until `until`."""

    def __init__(self):
        self.until: float | None = None


_breaker = _Breaker()
_clock = time.monotonic     # (a test sets the time here)


def peek() -> tuple[list, list]:
    """(queued batches, import markers) as they are now: read before the findings a page shows. Never raises for the
    queue (Redis down: nothing queued is said, the markers still are). A Redis that hangs costs its socket timeout
    once, not on every findings page and poll: after a failure the queue is not read for BREAK_SECONDS (logged
    once), then read again."""
    from .models import OwedRun

    breaker = _breaker
    if breaker.until is not None and _clock() < breaker.until:
        queued = []
    else:
        try:
            queued = _queued()
            breaker.until = None
        except Exception:       # (Redis down: say nothing of the queue, still look at the markers)
            breaker.until = _clock() + BREAK_SECONDS
            log.exception("无法读取后台检查队列（页面不显示提示，%d 秒内不再读取）", BREAK_SECONDS)
            queued = []
    markers = list(OwedRun.objects.order_by("pk").values_list("org_ids", "created")[:MARKERS])
    return queued, markers


def pending_checks_first(view):
    """Decorator of a page with the findings card (`{% pending_checks_banner org %}`): the queue is peeked before
    the view reads the findings, and the banner uses that peek (a job done in between then shows a banner over
    fresh findings, cleared at the next poll — never old findings without a banner). A GET of a user with a
    management scope only: no peek for a member, a POST or an anonymous request."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            try:
                from .permissions import VIEW, user_scope

                if not user_scope(request.user, VIEW).empty:
                    request.pending_peek = peek()
            except Exception:
                log.exception("无法读取后台检查的进度（页面不显示提示）")
        return view(request, *args, **kwargs)

    return wrapped


def poll_url(org=None, since: int | None = None) -> str:
    """The banner's poll: the org of the page (else the user's scope) and when the page was shown (epoch seconds)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    params = {"org": org.pk} if org is not None else {}
    params["since"] = int(time.time()) if since is None else since
    return f"{reverse('core:pending_checks')}?{urlencode(params)}"


def pending_checks(user, orgs: Iterable | None = None, *, peeked: tuple | None = None) -> PendingChecks:
    """What background judgement is pending for the orgs a page shows: `orgs` (Org instances: each with its
    subtree, e.g. the org of an org-level page) or None (the user's whole scope, e.g. 预警中心), always within
    what `user` may view. `peeked`: a `peek()` taken earlier in the request (before its findings). Never raises."""
    try:
        return _pending_checks(user, orgs, peeked)
    except Exception:
        log.exception("无法读取后台检查的进度（页面不显示提示）")
        return NOTHING


def _pending_checks(user, orgs, peeked) -> PendingChecks:
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
    queued, markers = peeked if peeked is not None else peek()
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
    since = [created for ids, created in markers if ids is not None and shown.intersection(ids)]
    full = [created for ids, created in markers if ids is None]
    everywhere = everywhere or bool(full)
    # An import of everything is someone's import: its time only for a reader of the whole tree.
    full_since = min(full) if full and _whole_tree(scope) else None
    return PendingChecks(rule_ids=tuple(sorted(rules)), org_count=0 if everywhere else len(touched),
                         everywhere=everywhere, imported=bool(since), imported_since=min(since) if since else None,
                         everywhere_since=full_since)


def _whole_tree(scope) -> bool:
    """Does the scope hold every org (a superuser, the 工委 admin at the root of the only tree)?"""
    if scope.everything:
        return True
    from dangjian.orgs.models import Org

    roots = Org.objects.filter(depth=1).values_list("path", flat=True)
    return all(any(r.startswith(p) for p in scope.prefixes) for r in roots)


def _shown(ids: set[int], scope, pages, subtree_q) -> set[int]:
    """The pending org ids that exist, inside the user's scope and the page's subtrees: one query per ID_CHUNK ids
    (an all-scope reader too — a queued id of a deleted org is not an org)."""
    if not ids:
        return set()
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
