"""Read replica routing (docs/deploy.md). With `DATABASE_REPLICA_URL` set, settings define a second alias
"replica" (a PostgreSQL streaming standby). Reads go there only inside a read-only scope — `replica_reads()`,
which the dashboards, 党内统计 and 台账/report downloads open for GET requests through `replica_view` — and only
while the replica answers a cheap health check. Everything else reads and writes the primary ("default"):

* writes always go to default; inside a `transaction.atomic()` on default, reads stay on default too (a read in
  a write transaction must see what that transaction wrote);
* sessions and accounts always read default: a login must not look lost because the standby trails by a moment;
* the health verdict is cached `HEALTH_TTL` seconds per process; a probe connects with a short `connect_timeout`;
* a query that still fails on the replica (it died between two probes) marks it down and `replica_view` runs the
  view again on the primary, so a page renders from the primary instead of failing.

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

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import InterfaceError, OperationalError

log = logging.getLogger(__name__)

REPLICA = "replica"
HEALTH_TTL = 5.0          # seconds a health verdict (up or down) is trusted before the next probe
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Apps whose rows a request needs fresh whatever the scope: who is logged in, with which session.
PRIMARY_ONLY_APPS = frozenset({"sessions", "accounts", "auth", "contenttypes", "otp"})

_scope: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_reads", default=False)
# One mutable flag per attempt of a view: set when the router handed out the replica.
_used: contextvars.ContextVar[list | None] = contextvars.ContextVar("replica_used", default=None)

_health_lock = threading.Lock()
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


def _probe() -> bool:
    conn = connections[REPLICA]
    try:
        conn.ensure_connection()
        if conn.is_usable():
            return True
        raise OperationalError("SELECT 1 失败")
    except Exception as exc:   # noqa: BLE001 — any failure to reach the replica means "use the primary"
        log.warning("只读副本不可用，读取改走主库：%s", exc)
        _close_quietly()
        return False


def _close_quietly() -> None:
    try:
        connections[REPLICA].close()
    except Exception:   # noqa: BLE001 — closing a dead connection may itself fail
        connections[REPLICA].connection = None


def replica_healthy() -> bool:
    """The cached verdict, probing again when it is older than HEALTH_TTL."""
    now = time.monotonic()
    with _health_lock:
        if _health["at"] is not None and now - _health["at"] < HEALTH_TTL:
            return _health["ok"]
    ok = _probe()
    with _health_lock:
        _health.update(ok=ok, at=time.monotonic())
    return ok


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
        if not replica_healthy():
            return DEFAULT_DB_ALIAS
        used = _used.get()
        if used is not None:
            used[0] = True
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


def replica_view(view):
    """Decorator for read-only views (GET/HEAD): run inside `replica_reads()`; if a query fails on the replica,
    mark it down and run the view once more on the primary. Other methods run unchanged on the primary.
    For class-based views: `method_decorator(replica_view, name="dispatch")`."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in SAFE_METHODS or not replica_configured():
            return view(request, *args, **kwargs)
        used = [False]
        token = _used.set(used)
        try:
            with replica_reads():
                return view(request, *args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            if not used[0]:
                raise
            log.warning("只读副本查询失败，改从主库重新读取：%s", exc)
            mark_replica_down()
        finally:
            _used.reset(token)
        with primary_reads():
            return view(request, *args, **kwargs)

    return wrapper
