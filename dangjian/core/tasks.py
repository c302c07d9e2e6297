"""Background jobs (Huey; `dangjian run_huey` runs the worker).

Actions re-judge what they touched as soon as they commit (`engine.schedule`). Dates, however, move
on when no record changes: a term reaches its reminder date, a quarter ends. The nightly run judges
the whole database as of the new day so those findings appear (and others clear) by morning; it judges
the background rules (`Rule.background`, TXT-01) too, in full.

Background rules are not judged in a request: the request's run (`engine.run(background="defer")`) asks
for them here (`defer`) once it commits, and `judge_background_rules` judges them. Requests pile up
instead of each costing a run: each adds its orgs and rules to one pending set (`PENDING`, per as-of
date; a full run's request makes it a full run), and the job holding `LOCK` takes the whole set and judges
it with one `engine.run` — the union of the rules over the union of the orgs (judging is idempotent, so
judging a little more than one request needed is harmless) — and goes again while requests came in
meanwhile. What is waiting is `pending()` (empty: every background finding is as current as the last
job's or night's run, whose time each finding's 最近确认 `last_seen` shows). With Huey in immediate mode
(tests, DEBUG) the job runs at once, right after the request's own run."""
import contextlib
import datetime as dt
import logging
import time

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, lock_task
from huey.exceptions import TaskLockedException

from . import engine
from .db import refresh_planner_statistics

log = logging.getLogger(__name__)
PENDING = "engine-background-pending"
# The batch the running job has taken off PENDING, until it is judged: a job killed in the middle (deploy restart,
# OOM killer, kill -9) leaves it here, and the next job (`drain`) or worker start (`resume_after_restart`) redoes it.
INFLIGHT = "engine-background-inflight"
LOCK = HUEY.lock_task("engine-background-rules")            # one job judges at a time
_MUTEX = HUEY.lock_task("engine-background-pending-mutex")  # guards PENDING's read-modify-write (held for µs)


@db_periodic_task(crontab(hour="1", minute="30"))
@lock_task("nightly-evaluation")
def nightly_evaluation():
    from dangjian.notify.actions import create_reminders

    refresh_planner_statistics()
    result = engine.run()
    drop_pending_before(timezone.localdate())
    # Reminders for what the night's run opened go out now, not up to an hour later.
    create_reminders()
    return str(result)


@contextlib.contextmanager
def _pending_mutex(wait: float = 10.0):
    """Hold the mutex over PENDING (web workers and the job change it). A holder that died with it (Huey
    flushes locks when the consumer starts; a web process's is not) is waited for `wait` seconds, then cleared."""
    deadline = time.monotonic() + wait
    held = False
    while not held:
        try:
            held = _MUTEX.acquire()
        except TaskLockedException:
            if time.monotonic() > deadline:
                # Held for microseconds by a live process: one this old belongs to a process that died with it.
                log.warning("后台规则待办锁等待超时，视为失效并清除")
                _MUTEX.clear()
                deadline = time.monotonic() + wait
            time.sleep(0.005)
    try:
        yield
    finally:
        if held:
            _MUTEX.release()


def defer(rule_ids, org_ids, as_of: dt.date) -> None:
    """Note that `rule_ids` must be judged over `org_ids` (None: everywhere) as of `as_of`, and enqueue the job
    (`engine.run(background="defer")` calls this once the request's transaction commits)."""
    with _pending_mutex():
        pending = HUEY.get(PENDING, peek=True) or {}
        entry = pending.setdefault(as_of.isoformat(), {"rules": [], "orgs": []})
        entry["rules"] = sorted(set(entry["rules"]) | set(rule_ids))
        entry["orgs"] = (None if org_ids is None or entry["orgs"] is None
                         else sorted(set(entry["orgs"]) | set(org_ids)))
        HUEY.put(PENDING, pending)
    enqueue()


def enqueue() -> None:
    judge_background_rules()


def _merge(into: dict, more: dict) -> dict:
    """Pending requests `more` added to `into` (union of rules; union of orgs, None — everywhere — wins)."""
    for day, e in more.items():
        entry = into.setdefault(day, {"rules": [], "orgs": []})
        entry["rules"] = sorted(set(entry["rules"]) | set(e["rules"]))
        entry["orgs"] = (None if e["orgs"] is None or entry["orgs"] is None
                         else sorted(set(entry["orgs"]) | set(e["orgs"])))
    return into


@HUEY.on_startup()
def resume_after_restart() -> None:
    """A worker killed inside the job lost the job's message (Huey takes it off the queue when it starts a task),
    but not its batch (INFLIGHT): a starting worker asks for the job again (duplicates find the lock or nothing)."""
    if HUEY.storage.has_data_for_key(INFLIGHT) or HUEY.storage.has_data_for_key(PENDING):
        enqueue()


def pending() -> dict:
    """What the background job has yet to judge: {as-of date: {"rules": [...], "orgs": [...] or None (all)}}."""
    return HUEY.get(PENDING, peek=True) or {}


def clear_pending() -> None:
    HUEY.get(PENDING)
    HUEY.get(INFLIGHT)


def drop_pending_before(day: dt.date) -> None:
    """Forget the requests of days before `day`: the nightly full run as of `day` has judged everything (a request
    kept from yesterday would otherwise be judged as of yesterday, after the night's run)."""
    with _pending_mutex():
        pending = HUEY.get(PENDING) or {}
        kept = {d: e for d, e in pending.items() if d >= day.isoformat()}
        if kept:
            HUEY.put(PENDING, kept)


@db_task()
def judge_background_rules() -> None:
    drain()     # (returns nothing: Huey would keep every non-None result in its storage)


def drain() -> int:
    """Judge what is pending until nothing is; returns how many engine runs this call made (0: another job holds
    the lock and will see the requests, or nothing was pending)."""
    done = 0
    while True:
        try:
            LOCK.acquire()
        except TaskLockedException:
            return done
        try:
            with _pending_mutex():
                # Holding LOCK, no job is running: a batch still in flight belongs to one that died. Judge it again.
                stale = HUEY.get(INFLIGHT)
                if stale:
                    HUEY.put(PENDING, _merge(HUEY.get(PENDING, peek=True) or {}, stale))
            while True:
                with _pending_mutex():
                    batch = HUEY.get(PENDING, peek=True) or {}
                    if batch:       # (noted in flight before it leaves PENDING: a kill in between loses nothing)
                        HUEY.put(INFLIGHT, batch)
                        HUEY.get(PENDING)
                if not batch:
                    break
                for day, entry in sorted(batch.items()):
                    try:
                        engine.run(as_of=dt.date.fromisoformat(day), org_ids=entry["orgs"],
                                   rule_ids=entry["rules"])
                    except Exception:
                        log.exception("后台规则判断失败（%s，%s）；每晚的全量运行会重新判断", day,
                                      ",".join(entry["rules"]))
                    done += 1
                HUEY.get(INFLIGHT)      # judged (or logged as failed): no longer in flight
        finally:
            LOCK.release()
        # A request that came after the last look but failed to get the lock before the release: go again.
        if not HUEY.storage.has_data_for_key(PENDING):
            return done
