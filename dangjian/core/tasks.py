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
import os
import socket
import threading
import time
import uuid

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, lock_task
from huey.exceptions import TaskLockedException

from . import engine, owed
from .db import refresh_planner_statistics

log = logging.getLogger(__name__)
PENDING = "engine-background-pending"
# The batch the running job has taken off PENDING, until it is judged ({"batch": {...}, "attempts": resumes so far}):
# a job killed in the middle (deploy restart, OOM killer, kill -9) leaves it here, and the next job to take the lease
# (`drain`, or the one `resume_after_restart` enqueues) redoes it — at most MAX_RESUMES times (a batch that kills
# its worker every time is dropped with an error; the nightly full run judges everything anyway).
INFLIGHT = "engine-background-inflight"
MAX_RESUMES = 3
RETRY_DELAY = 30            # seconds: a batch met a lost database connection and is tried again this much later
LEASE_TTL = 120.0           # seconds a job's lease lasts without a heartbeat (a dead worker on another machine)
HEARTBEAT = 20.0            # seconds between a running job's heartbeats
_PROCESS = uuid.uuid4().hex     # this process (a restarted container may have the same host name and pid)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Lease:
    """One job at a time, across worker threads, processes and machines (a Redis queue), that survives both a
    worker's death and another consumer's start. A Huey task lock is neither: `run_huey -f` (flush_locks) deletes a
    live worker's lock, and a dead worker's lock is only cleared by such a start. The lease is a storage entry
    (not a Huey lock: flush_locks leaves it alone) naming its holder — host, pid, process, token — with an expiry
    that the holder's heartbeat (`held`) moves on every HEARTBEAT seconds. It is free when its holder is gone:
    expired, or on this host with a dead pid (a restarted worker need not wait LEASE_TTL)."""

    def __init__(self, name: str):
        self.key = f"lease.{name}"
        self._mutex = HUEY.lock_task(f"{name}-lease-mutex")     # guards the read-modify-write (held for µs)
        self._local = threading.local()

    def holder(self) -> dict | None:
        return HUEY.get(self.key, peek=True)

    @staticmethod
    def alive(h: dict) -> bool:
        if h["expires"] < time.time():
            return False
        if h["host"] == socket.gethostname():
            if h["pid"] == os.getpid():
                return h["process"] == _PROCESS    # (another thread of this process, or a pid reused after a restart)
            return _pid_alive(h["pid"])
        return True

    def acquire(self) -> bool:
        """Take the lease (TaskLockedException while a live holder has it). True: taken over from a dead holder."""
        token = uuid.uuid4().hex
        with _mutex(self._mutex):
            h = self.holder()
            if h and self.alive(h):
                raise TaskLockedException(f"unable to acquire lease {self.key}")
            HUEY.put(self.key, {"token": token, "host": socket.gethostname(), "pid": os.getpid(),
                                "process": _PROCESS, "expires": time.time() + LEASE_TTL})
        if h:
            log.warning("接管已失效的后台任务租约 %s（%s 进程 %s）", self.key, h["host"], h["pid"])
        self._local.token = token
        return h is not None

    def renew(self, token: str | None = None) -> bool:
        token = token or getattr(self._local, "token", None)
        with _mutex(self._mutex):
            h = self.holder()
            if not h or h["token"] != token:
                return False
            h["expires"] = time.time() + LEASE_TTL
            HUEY.put(self.key, h)
        return True

    def release(self) -> None:
        token = getattr(self._local, "token", None)
        self._local.token = None
        with _mutex(self._mutex):
            h = self.holder()
            if h and h["token"] == token:
                HUEY.get(self.key)

    @contextlib.contextmanager
    def heartbeat(self):
        """While inside, a thread renews the lease this thread holds every HEARTBEAT seconds."""
        token, stop = getattr(self._local, "token", None), threading.Event()

        def beat():
            while not stop.wait(HEARTBEAT):
                try:
                    if not self.renew(token):
                        log.error("后台任务租约 %s 已被接管", self.key)
                        return
                except Exception:       # (a storage hiccup: try again at the next beat)
                    log.exception("后台任务租约 %s 续期失败", self.key)

        thread = threading.Thread(target=beat, name=f"heartbeat {self.key}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


@contextlib.contextmanager
def _mutex(lock, wait: float = 10.0):
    """Hold the Huey lock `lock` for a few µs. A holder that died with it (Huey flushes locks when the consumer
    starts; a web process's is not) is waited for `wait` seconds, then cleared."""
    deadline = time.monotonic() + wait
    held = False
    while not held:
        try:
            held = lock.acquire()
        except TaskLockedException:
            if time.monotonic() > deadline:
                # Held for microseconds by a live process: one this old belongs to a process that died with it.
                log.warning("后台任务锁 %s 等待超时，视为失效并清除", lock._name)
                lock.clear()
                deadline = time.monotonic() + wait
            time.sleep(0.005)
    try:
        yield
    finally:
        if held:
            lock.release()


LOCK = Lease("engine-background-rules")                      # one job judges at a time
_MUTEX = HUEY.lock_task("engine-background-pending-mutex")  # guards PENDING's read-modify-write (held for µs)


@db_periodic_task(crontab(hour="1", minute="30"))
@lock_task("nightly-evaluation")
def nightly_evaluation():
    from dangjian.notify.actions import create_reminders

    refresh_planner_statistics()
    started = timezone.now()
    result = engine.run()
    drop_pending_before(timezone.localdate())
    owed.clear_before(started)      # (the imports committed before this full run: judged by it)
    # Reminders for what the night's run opened go out now, not up to an hour later.
    create_reminders()
    return str(result)


def _pending_mutex(wait: float = 10.0):
    """Hold the mutex over PENDING and INFLIGHT (web workers and the job change them)."""
    return _mutex(_MUTEX, wait)


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


def later(task, delay: int) -> None:
    """Ask the worker to run `task` in `delay` seconds. Huey in immediate mode (tests, `make run` with DEBUG) has no
    worker: a delayed task would sit on its in-memory schedule, never run, and only grow — skip it (the in-process
    run or the immediate job has already done the work)."""
    if HUEY.immediate:
        log.debug("立即模式：不登记 %s 秒后的后台任务 %s", delay, getattr(getattr(task, "func", None), "__name__", task))
        return
    task.schedule(delay=delay)


def _merge(into: dict, more: dict) -> dict:
    """Pending requests `more` added to `into` (union of rules; union of orgs, None — everywhere — wins)."""
    for day, e in more.items():
        entry = into.setdefault(day, {"rules": [], "orgs": []})
        entry["rules"] = sorted(set(entry["rules"]) | set(e["rules"]))
        entry["orgs"] = (None if e["orgs"] is None or entry["orgs"] is None
                         else sorted(set(entry["orgs"]) | set(e["orgs"])))
    return into


@HUEY.on_startup("engine-background-resume")     # (named: Huey keys startup hooks by name)
def resume_after_restart() -> None:
    """A worker killed inside the job lost the job's message (Huey takes it off the queue when it starts a task),
    but not its batch (INFLIGHT): a starting worker asks for the job again (duplicates find the lease or nothing).
    A lease held on another machine may belong to a dead worker there: ask again once it would have run out."""
    if HUEY.storage.has_data_for_key(INFLIGHT) or HUEY.storage.has_data_for_key(PENDING):
        enqueue()
        h = LOCK.holder()
        if h and h["host"] != socket.gethostname():
            later(judge_background_rules, max(1, int(h["expires"] - time.time()) + 1))


def pending() -> dict:
    """What the background job has yet to judge: {as-of date: {"rules": [...], "orgs": [...] or None (all)}}."""
    return HUEY.get(PENDING, peek=True) or {}


def clear_pending() -> None:
    HUEY.get(PENDING)
    HUEY.get(INFLIGHT)


def _inflight() -> tuple[dict, int]:
    """(the batch in flight, how many times it has been resumed); ({}, 0) when none. (Also reads the bare batch
    an earlier version stored.)"""
    v = HUEY.get(INFLIGHT, peek=True)
    if not v:
        return {}, 0
    if "batch" in v:
        return v["batch"], v.get("attempts", 0)
    return v, 0


def drop_pending_before(day: dt.date) -> None:
    """Forget the requests of days before `day`, waiting or in flight (a dead job's batch): the nightly full run
    as of `day` has judged everything (a request kept from yesterday would otherwise be judged as of yesterday,
    after the night's run)."""
    with _pending_mutex():
        pending = HUEY.get(PENDING) or {}
        kept = {d: e for d, e in pending.items() if d >= day.isoformat()}
        if kept:
            HUEY.put(PENDING, kept)
        batch, attempts = _inflight()
        kept = {d: e for d, e in batch.items() if d >= day.isoformat()}
        if kept != batch:
            if kept:
                HUEY.put(INFLIGHT, {"batch": kept, "attempts": attempts})
            else:
                HUEY.get(INFLIGHT)


@db_task()
def evaluate_owed() -> None:
    """The evaluations an importing process owed and did not finish (killed after its commit): `owed`."""
    owed.evaluate_owed()    # (returns nothing: Huey would keep every non-None result in its storage)


@HUEY.on_startup("engine-owed-resume")     # (named: Huey keys startup hooks by name)
def resume_owed_after_restart() -> None:
    """A starting worker does the runs owed by processes killed while it was down."""
    from .models import OwedRun

    try:
        if OwedRun.objects.exists():
            evaluate_owed()
    except Exception:       # (the database is not up yet: the import's own delayed job or the night catches up)
        log.exception("启动时无法检查待补判断")


@db_task()
def judge_background_rules() -> None:
    drain()     # (returns nothing: Huey would keep every non-None result in its storage)


class _DatabaseLost(Exception):
    pass


def drain() -> int:
    """Judge what is pending until nothing is; returns how many engine runs this call made (0: another job holds
    the lease and will see the requests, or nothing was pending)."""
    done = 0
    while True:
        try:
            LOCK.acquire()
        except TaskLockedException:
            return done
        try:
            with LOCK.heartbeat():
                done += _judge_all()
        except _DatabaseLost:
            return done
        finally:
            LOCK.release()
        # A request that came after the last look but failed to get the lease before the release: go again.
        if not HUEY.storage.has_data_for_key(PENDING):
            return done


def _judge_all() -> int:
    done = 0
    # Holding the lease, no live job is running: a batch still in flight belongs to one that died. Judge it again
    # (on its own, counting the resumes: a batch that kills its worker every time must not do so for ever).
    with _pending_mutex():
        stale, attempts = _inflight()
        if stale:
            attempts += 1
            if attempts > MAX_RESUMES:
                HUEY.get(INFLIGHT)
            else:
                HUEY.put(INFLIGHT, {"batch": stale, "attempts": attempts})
    if stale and attempts > MAX_RESUMES:
        log.error("后台规则判断（%s）已中断 %d 次，不再重试；每晚的全量运行会重新判断", ",".join(sorted(stale)),
                  attempts - 1)
    elif stale:
        log.warning("重新判断中断的后台规则判断（%s，第 %d 次）", ",".join(sorted(stale)), attempts)
        done += _judge(stale)
    while True:
        with _pending_mutex():
            batch = HUEY.get(PENDING, peek=True) or {}
            if batch:       # (noted in flight before it leaves PENDING: a kill in between loses nothing)
                HUEY.put(INFLIGHT, {"batch": batch, "attempts": 0})
                HUEY.get(PENDING)
        if not batch:
            return done
        done += _judge(batch)


def _judge(batch: dict) -> int:
    from .dbdown import _drop_broken_connections, is_unavailable

    done = 0
    days = sorted(batch)
    for i, day in enumerate(days):
        entry = batch[day]
        try:
            engine.run(as_of=dt.date.fromisoformat(day), org_ids=entry["orgs"], rule_ids=entry["rules"])
        except Exception as e:
            if is_unavailable(e):
                # The database went away (restart, failover): the batch is not judged, not poison. Back to PENDING
                # and again in RETRY_DELAY seconds, on a fresh connection.
                log.warning("后台规则判断时数据库不可用（%s）：%s 秒后重试", day, RETRY_DELAY, exc_info=e)
                with _pending_mutex():
                    HUEY.put(PENDING, _merge(HUEY.get(PENDING, peek=True) or {},
                                             {d: batch[d] for d in days[i:]}))
                    HUEY.get(INFLIGHT)
                _drop_broken_connections()
                later(judge_background_rules, RETRY_DELAY)
                raise _DatabaseLost from e
            log.exception("后台规则判断失败（%s，%s）；每晚的全量运行会重新判断", day, ",".join(entry["rules"]))
        done += 1
    with _pending_mutex():
        HUEY.get(INFLIGHT)      # judged (or logged as failed): no longer in flight
    return done
