"""Read replica routing (docs/deploy.md). With `DATABASE_REPLICA_URL` set, settings define a second alias
"replica" (a PostgreSQL streaming standby). Reads go there only inside a read-only scope — `replica_reads()`,
which the dashboards, 党内统计 and 台账/report downloads open for GET requests through `replica_view` — and only
while the replica answers a cheap health check. Everything else reads and writes the primary ("default"):

* writes always go to default; inside a `transaction.atomic()` on default, reads stay on default too (a read in
  a write transaction must see what that transaction wrote);
* sessions and accounts always read default: a login must not look lost because the standby trails by a moment;
* the health verdict is cached `HEALTH_TTL` seconds per process (one thread probes, the others keep the previous
  verdict meanwhile); a probe connects with a short `connect_timeout` and asks the replica whether it still
  follows the primary (`replication_problem`: in recovery, WAL receiver streaming, replay lag under
  `DATABASE_REPLICA_MAX_LAG` seconds whenever it has received WAL not yet replayed);
* the router opens the replica connection itself before answering "replica": a refused connection marks it down
  and that read goes to the primary;
* a query that fails on the replica connection (it died between two probes) marks it down and `replica_view` runs
  the view again on the primary, so a page renders from the primary instead of failing. Only the replica's own
  errors do: `replica_view` watches its connection (an execute_wrapper), so a failure of the primary inside the
  scope propagates unchanged (the database-down page, dangjian/core/dbdown.py). A replica query cancelled by WAL
  replay (a recovery conflict) is read again from the primary without marking the replica down; a statement
  timeout there (`DATABASE_REPLICA_STATEMENT_TIMEOUT`) is an error like any slow query.

The replica trails the primary by the replication lag (normally well under a second, seconds under load): the
pages that read it say figures as of a moment ago, which is what a dashboard or a yearly report tolerates.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import threading
import time
from typing import NamedTuple

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import DatabaseError

from dangjian.core.dbdown import exception_chain, is_unavailable, sqlstate

log = logging.getLogger(__name__)

REPLICA = "replica"
HEALTH_TTL = 5.0          # seconds a health verdict (up or down) is trusted before the next probe
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Apps whose rows a request needs fresh whatever the scope: who is logged in, with which session.
PRIMARY_ONLY_APPS = frozenset({"sessions", "accounts", "auth", "contenttypes"})
DEFAULT_MAX_LAG = 30      # seconds; settings.DATABASE_REPLICA_MAX_LAG
# SQLSTATE of a standby query cancelled because WAL replay needed what it held (a recovery conflict).
RECOVERY_CONFLICT = ("40001", "57P04")

_scope: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_reads", default=False)

_health_lock = threading.Lock()
_probe_lock = threading.Lock()        # single flight: one thread of a process probes at a time
_health = {"ok": False, "at": None}   # shared by the threads of a process


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def in_replica_scope() -> bool:
    return _scope.get()


@contextlib.contextmanager
def replica_reads():
    """Reads inside this block may go to the replica (a context manager, and a decorator: `@replica_reads()`)."""
    token = _scope.set(True)
    try:
        yield
    finally:
        _scope.reset(token)


@contextlib.contextmanager
def primary_reads():
    """Reads inside this block go to the primary even within a replica scope."""
    token = _scope.set(False)
    try:
        yield
    finally:
        _scope.reset(token)


class ReplicationState(NamedTuple):
    in_recovery: bool               # pg_is_in_recovery(): still a standby (not promoted)
    receiver_pid: int | None        # pg_stat_wal_receiver.pid: a WAL receiver process runs
    receiver_status: str | None     # its status ('streaming'); NULL without pg_read_all_stats
    caught_up: bool                 # everything received has been replayed
    lag: float | None               # seconds since the last replayed commit (NULL: none replayed since start)


STATE_SQL = """
SELECT pg_is_in_recovery(),
       (SELECT pid FROM pg_stat_wal_receiver),
       (SELECT status FROM pg_stat_wal_receiver),
       pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn(),
       extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8
"""


def _replication_state(conn) -> ReplicationState:
    with conn.cursor() as cur:
        cur.execute(STATE_SQL)
        return ReplicationState(*cur.fetchone())


def replication_problem(state: ReplicationState, max_lag: float) -> str | None:
    """Why this replica must not be read (None: it may). The rule:

    * it must still be a standby (a promoted replica no longer receives the primary's writes);
    * its WAL receiver must be streaming (no receiver, or one waiting/restarting: replication is broken and the
      data frozen at an unknown point). A silent network loss shows here after `wal_receiver_timeout` (60 s);
    * lag counts only while it has received WAL it has not replayed: then the time since the last replayed commit
      must stay under `max_lag`. A caught-up replica is fresh however old its last commit (an idle primary writes
      nothing to replay; `now() - pg_last_xact_replay_timestamp()` alone would call it late at night).
    """
    if not state.in_recovery:
        return "副本已不在恢复模式（可能已被提升为主库）"
    if state.receiver_pid is None:
        return "副本没有 WAL 接收进程，复制已中断"
    if state.receiver_status is not None and state.receiver_status != "streaming":
        return f"副本的 WAL 接收状态为 {state.receiver_status}，不是 streaming"
    if not state.caught_up and state.lag is not None and state.lag > max_lag:
        return f"副本回放落后 {state.lag:.0f} 秒，超过 {max_lag:g} 秒"
    return None


def _probe() -> bool:
    conn = connections[REPLICA]
    try:
        conn.ensure_connection()
        problem = replication_problem(_replication_state(conn),
                                      getattr(settings, "DATABASE_REPLICA_MAX_LAG", DEFAULT_MAX_LAG))
    except Exception as exc:   # noqa: BLE001 — any failure to reach the replica means "use the primary"
        log.warning("只读副本不可用，读取改走主库：%s", exc)
        _close_quietly()
        return False
    if problem:
        log.warning("只读副本暂不使用，读取改走主库：%s", problem)
        return False
    return True


def _close_quietly() -> None:
    try:
        connections[REPLICA].close()
    except Exception:   # noqa: BLE001 — closing a dead connection may itself fail
        connections[REPLICA].connection = None


def _cached() -> tuple[bool | None, bool | None]:
    """(fresh verdict or None, last verdict or None)."""
    with _health_lock:
        if _health["at"] is None:
            return None, None
        fresh = time.monotonic() - _health["at"] < HEALTH_TTL
        return (_health["ok"] if fresh else None), _health["ok"]


def replica_healthy() -> bool:
    """The cached verdict, probing again when it is older than HEALTH_TTL. One thread probes; the others keep
    the previous verdict meanwhile (or, before any verdict, wait for that probe)."""
    fresh, last = _cached()
    if fresh is not None:
        return fresh
    if not _probe_lock.acquire(blocking=last is None):
        return last
    try:
        fresh, _ = _cached()          # probed by another thread while this one waited
        if fresh is not None:
            return fresh
        ok = _probe()
        with _health_lock:
            _health.update(ok=ok, at=time.monotonic())
        return ok
    finally:
        _probe_lock.release()


def _replica_connected() -> bool:
    """Open the replica connection now, so that a replica gone since the last probe costs this read nothing:
    the router answers the primary instead of handing out a connection that fails."""
    conn = connections[REPLICA]
    if conn.connection is not None:
        return True
    try:
        conn.ensure_connection()
        return True
    except DatabaseError as exc:
        log.warning("只读副本连接失败，读取改走主库：%s", exc)
        mark_replica_down()
        return False


def mark_replica_down() -> None:
    """A query failed on the replica: use the primary until the next probe (HEALTH_TTL seconds)."""
    with _health_lock:
        _health.update(ok=False, at=time.monotonic())
    _close_quietly()


def reset_health() -> None:
    """Forget the cached verdict (tests; an operator's shell after bringing the replica back)."""
    with _health_lock:
        _health.update(ok=False, at=None)


class ReplicaRouter:
    """DATABASE_ROUTERS entry. Without a replica alias it says nothing (Django's single-database behaviour)."""

    def db_for_read(self, model, **hints):
        if not replica_configured():
            return None
        if not _scope.get() or model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        if not replica_healthy() or not _replica_connected():
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS if replica_configured() else None

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary: an object read there may be linked to one written here.
        dbs = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in dbs and obj2._state.db in dbs:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None


def _replica_fault(exc, replica_errors: list) -> str | None:
    """What a failure inside `replica_view` says about the replica: "down" (its connection is lost), "conflict"
    (a query cancelled by WAL replay), or None — not the replica's doing (the primary failed, or a bug)."""
    if not any(e is seen for e in exception_chain(exc) for seen in replica_errors):
        return None
    if is_unavailable(exc):
        return "down"
    if sqlstate(exc) in RECOVERY_CONFLICT or any("conflict with recovery" in str(e) for e in exception_chain(exc)):
        return "conflict"
    return None


def replica_view(view):
    """Decorator for read-only views (GET/HEAD): run inside `replica_reads()`; if a query fails on the replica
    connection, run the view once more on the primary (marking the replica down when the connection is lost).
    Errors of the primary propagate unchanged. Other methods run unchanged on the primary.
    For class-based views: `method_decorator(replica_view, name="dispatch")`."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in SAFE_METHODS or not replica_configured():
            return view(request, *args, **kwargs)
        replica_errors = []

        def watch(execute, sql, params, many, context):
            try:
                return execute(sql, params, many, context)
            except Exception as exc:
                replica_errors.append(exc)
                raise

        try:
            with connections[REPLICA].execute_wrapper(watch), replica_reads():
                return view(request, *args, **kwargs)
        except DatabaseError as exc:
            fault = _replica_fault(exc, replica_errors)
            if fault is None:
                raise
            if fault == "down":
                log.warning("只读副本查询失败，改从主库重新读取：%s", exc)
                mark_replica_down()
            else:
                log.info("只读副本查询因 WAL 回放冲突被取消，改从主库重新读取：%s", exc)
        with primary_reads():
            return view(request, *args, **kwargs)

    return wrapper
