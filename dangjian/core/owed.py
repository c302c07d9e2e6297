"""An evaluation owed after a large import, that survives the death of the process that owes it.

An import commits its data and then judges it in the same process (`transaction.on_commit`): the web request in
gunicorn or the `dangjian import` command. A process killed between the two (a gunicorn timeout at province scale,
kill -9, the OOM killer) used to leave committed data without findings, and nothing said that a run was owed.

`owe()` writes an `OwedRun` marker inside the import's transaction (it commits with the data or not at all), and
registers the run for after the commit. That run, here in the process:

1. asks the worker to look again in RECHECK seconds (`tasks.evaluate_owed`: queued before the run starts, so a
   process killed during the run has already asked);
2. takes the marker's lease (`tasks.Lease`, owner-tagged with a heartbeat: the worker sees whether its holder is
   alive) — a worker that already took it does the run instead;
3. judges (`engine.run(..., background="defer")`, as before) and deletes the marker.

The worker's job (`evaluate_owed`: queued by step 1, when a worker starts, and after a lost database) takes every
marker whose lease is free — its holder is dead or there never was one — judges their orgs in one run and deletes
them; a marker held by a live process is left to it and looked at again later. The nightly full run deletes every
marker older than itself. A marker whose run fails MAX_ATTEMPTS times in the worker is dropped with an error (the
nightly run judges everything anyway)."""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

log = logging.getLogger(__name__)

RECHECK = 60            # seconds: the worker looks at a marker this long after its import committed, and again
                        # while a live process holds it
MAX_ATTEMPTS = 3        # worker runs of a marker that failed or killed its worker before it is dropped
BATCH = 20              # markers one worker run takes at most (a lease and a heartbeat thread each)


def _lease(pk: int):
    from .tasks import Lease

    return Lease(f"owed-run-{pk}")


def owe(org_ids: Iterable[int] | None, *, reason: str, changed: Iterable | None = None,
        run_here: bool = True):
    """Inside the caller's transaction: note that `org_ids` (None: everything) must be judged, and judge them once it
    commits (`run_here`), here, falling back on the worker. `changed`: the models the import wrote (as for
    `engine.schedule`; None: every rule). Returns the marker (None: nothing to judge)."""
    from . import engine
    from .models import OwedRun

    if org_ids is not None:
        org_ids = sorted({i for i in org_ids if i})
        if not org_ids:
            return None
    marker = OwedRun.objects.create(
        org_ids=org_ids, changed=None if changed is None else sorted(engine.model_labels(changed)),
        as_of=timezone.localdate(), reason=reason[:200])
    if run_here:
        transaction.on_commit(functools.partial(run_here_now, marker.pk), robust=True)
    return marker


def run_here_now(pk: int) -> bool:
    """The run after the import's commit, in the importing process. False: someone else did or does it."""
    from huey.exceptions import TaskLockedException

    from . import tasks
    from .models import OwedRun

    try:
        tasks.later(tasks.evaluate_owed, RECHECK)     # (first: a kill during the run has already asked)
    except Exception:
        log.exception("无法登记待补判断的后台检查（每晚的全量运行会补上）")
    lease = _lease(pk)
    try:
        lease.acquire()
    except TaskLockedException:
        return False                # a worker took it (this process was slow to get here)
    except Exception:               # (the queue's storage is unreachable: judge anyway, judging is idempotent)
        log.exception("无法取得待补判断 %s 的租约", pk)
        lease = None
    try:
        with lease.heartbeat() if lease else contextlib.nullcontext():
            marker = OwedRun.objects.filter(pk=pk).first()
            if marker is None:
                return False        # done by the worker or the night's run
            _evaluate([marker], background="defer")
            OwedRun.objects.filter(pk=pk).delete()
            return True
    finally:
        if lease:
            lease.release()


def _evaluate(markers, *, background: str):
    from . import engine

    as_of = max([m.as_of for m in markers] + [timezone.localdate()])   # (never judge an earlier day than today)
    if any(m.org_ids is None for m in markers):
        return engine.run(as_of=as_of, background=background)
    orgs = sorted({i for m in markers for i in m.org_ids})
    changed = None if any(m.changed is None for m in markers) else {c for m in markers for c in m.changed}
    return engine.run(as_of=as_of, org_ids=orgs, rule_ids=engine.affected_rules(changed), background=background)


def evaluate_owed() -> int:
    """The worker's part: judge the markers no live process holds, and delete them. Returns the engine runs made."""
    from huey.exceptions import TaskLockedException

    from . import tasks
    from .dbdown import _drop_broken_connections, is_unavailable
    from .models import OwedRun

    runs, busy, seen = 0, False, set()
    while True:
        taken = []
        for pk in OwedRun.objects.exclude(pk__in=seen).order_by("pk").values_list("pk", flat=True)[:BATCH]:
            seen.add(pk)
            lease = _lease(pk)
            try:
                lease.acquire()
            except TaskLockedException:
                busy = True         # a live process is judging it
                continue
            taken.append((pk, lease))
        if not taken:
            break
        try:
            with contextlib.ExitStack() as stack:
                for _, lease in taken:
                    stack.enter_context(lease.heartbeat())
                pks = [pk for pk, _ in taken]
                # (re-read under the leases: a process may have finished and deleted its marker meanwhile)
                OwedRun.objects.filter(pk__in=pks).update(attempts=F("attempts") + 1)
                markers = list(OwedRun.objects.filter(pk__in=pks))
                poison = [m for m in markers if m.attempts > MAX_ATTEMPTS]
                if poison:
                    log.error("待补判断（%s）已失败 %d 次，不再重试；每晚的全量运行会重新判断",
                              "，".join(m.reason for m in poison), MAX_ATTEMPTS)
                    OwedRun.objects.filter(pk__in=[m.pk for m in poison]).delete()
                markers = [m for m in markers if m.attempts <= MAX_ATTEMPTS]
                if markers:
                    log.warning("补做中断的判断：%s", "，".join(str(m) for m in markers))
                    try:
                        _evaluate(markers, background="inline")
                    except Exception as e:
                        if is_unavailable(e):
                            log.warning("补做判断时数据库不可用：%s 秒后重试", tasks.RETRY_DELAY, exc_info=e)
                            _drop_broken_connections()
                            tasks.later(tasks.evaluate_owed, tasks.RETRY_DELAY)
                            return runs
                        log.exception("补做判断失败（%s）", "，".join(m.reason for m in markers))
                        continue
                    runs += 1
                    OwedRun.objects.filter(pk__in=[m.pk for m in markers]).delete()
        finally:
            for _, lease in taken:
                lease.release()
    if busy:        # a live process holds a marker: look again later (it may yet die)
        tasks.later(tasks.evaluate_owed, RECHECK)
    return runs


def clear_before(moment: dt.datetime) -> int:
    """Delete the markers written before `moment` (the nightly full run, started then, judged their data)."""
    from .models import OwedRun

    return OwedRun.objects.filter(created__lt=moment).delete()[0]
