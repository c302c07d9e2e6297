"""The read-replica router without servers: who reads where, when the replica is skipped, and the fallback of a
read-only view whose replica query fails. (The same with two real PostgreSQL servers: test_deploy.py.)"""
import contextlib
import runpy
import threading
import time
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.db.utils import OperationalError
from django.test import RequestFactory

from dangjian.core import dbrouter
from dangjian.core.dbrouter import REPLICA, ReplicaRouter, replica_reads, replica_view
from dangjian.orgs.models import Org

SETTINGS = Path(__file__).resolve().parents[2] / "settings.py"


REAL_REPLICA_CONNECTED = dbrouter._replica_connected


@contextlib.contextmanager
def _alias():
    """A "replica" alias: a second connection to the test database (what `TEST = {"MIRROR": "default"}` gives a
    configured replica)."""
    connections.settings[REPLICA] = {**connections.settings["default"]}
    try:
        yield connections[REPLICA]
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture
def replica_alias():
    with _alias() as conn:
        yield conn


@pytest.fixture
def with_replica(monkeypatch):
    """A replica is configured and (unless a test says otherwise) healthy and connected."""
    state = {"healthy": True, "probes": 0}

    def healthy():
        state["probes"] += 1
        return state["healthy"]

    monkeypatch.setattr(dbrouter, "replica_configured", lambda: True)
    monkeypatch.setattr(dbrouter, "replica_healthy", healthy)
    monkeypatch.setattr(dbrouter, "_replica_connected", lambda: True)
    return state


@pytest.fixture
def real_replica(with_replica, transactional_db, monkeypatch):
    """As with_replica, with a real second connection that the router opens itself. Outside a test transaction:
    inside one the router always answers the primary. (Made after the test case, which would refuse an alias it
    was not told of, and opened here: new connections are checked against that list.)"""
    monkeypatch.setattr(dbrouter, "_replica_connected", REAL_REPLICA_CONNECTED)
    with _alias() as conn:
        conn.connect()
        yield with_replica


def test_without_a_replica_the_router_says_nothing():
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Org) is None
    assert router.db_for_write(Org) is None


def test_reads_go_to_the_replica_only_inside_the_read_only_scope(with_replica):
    router = ReplicaRouter()
    assert router.db_for_read(Org) == "default"
    with replica_reads():
        assert router.db_for_read(Org) == REPLICA
        assert router.db_for_write(Org) == "default"      # writes never
    assert router.db_for_read(Org) == "default"


def test_scope_works_as_a_decorator(with_replica):
    router = ReplicaRouter()

    @replica_reads()
    def read():
        return router.db_for_read(Org)

    assert read() == REPLICA
    assert router.db_for_read(Org) == "default"


def test_a_down_replica_sends_reads_to_the_primary(with_replica):
    with_replica["healthy"] = False
    with replica_reads():
        assert ReplicaRouter().db_for_read(Org) == "default"


def test_sessions_and_accounts_always_read_the_primary(with_replica):
    from dangjian.accounts.models import User

    with replica_reads():
        assert ReplicaRouter().db_for_read(Session) == "default"
        assert ReplicaRouter().db_for_read(User) == "default"
    assert with_replica["probes"] == 0


def test_reads_inside_a_write_transaction_stay_on_the_primary(with_replica, transactional_db):
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Org) == REPLICA
        with transaction.atomic():
            assert router.db_for_read(Org) == "default"
        assert router.db_for_read(Org) == REPLICA


def test_the_replica_is_never_migrated():
    assert ReplicaRouter().allow_migrate(REPLICA, "orgs") is False
    assert ReplicaRouter().allow_migrate("default", "orgs") is None


def test_health_verdict_is_cached_then_probed_again(monkeypatch):
    clock = [1000.0]
    probes = []
    monkeypatch.setattr(dbrouter.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(dbrouter, "_probe", lambda: probes.append(clock[0]) or True)
    dbrouter.reset_health()
    try:
        assert dbrouter.replica_healthy() and dbrouter.replica_healthy()
        assert len(probes) == 1
        clock[0] += dbrouter.HEALTH_TTL + 0.1
        assert dbrouter.replica_healthy()
        assert len(probes) == 2
        monkeypatch.setattr(dbrouter, "_close_quietly", lambda: None)
        dbrouter.mark_replica_down()              # a failed query: down until the next probe
        assert dbrouter.replica_healthy() is False
        assert len(probes) == 2
    finally:
        dbrouter.reset_health()


class _Failing:
    """An execute_wrapper raising `exc` the first `times` queries (a server that died, a cancelled statement)."""

    def __init__(self, exc, times=1):
        self.exc, self.times = exc, times

    def __call__(self, execute, sql, params, many, context):
        if self.times:
            self.times -= 1
            raise self.exc
        return execute(sql, params, many, context)


def _reading_view(calls, fail=None):
    """A view reading one row wherever the router says; `fail` breaks queries on the replica connection."""

    def view(request):
        where = ReplicaRouter().db_for_read(Org)
        calls.append(where)
        with connections[where].execute_wrapper(fail) if fail and where == REPLICA else contextlib.nullcontext():
            list(Org.objects.using(where).all()[:1])
        return where

    return replica_view(view)


def _pg_error(message, sqlstate):
    """A Django OperationalError caused by a driver error with this SQLSTATE (as psycopg raises them)."""
    cause = Exception(message)
    cause.sqlstate = sqlstate
    err = OperationalError(message)
    err.__cause__ = cause
    return err


def test_a_failing_replica_query_is_run_again_on_the_primary(real_replica, monkeypatch):
    downs = []
    monkeypatch.setattr(dbrouter, "mark_replica_down", lambda: downs.append(1))
    calls = []
    fail = _Failing(_pg_error("server closed the connection unexpectedly", "08006"))
    result = _reading_view(calls, fail)(RequestFactory().get("/dashboards/1/"))
    assert calls == [REPLICA, "default"]
    assert result == "default"
    assert downs == [1]


def test_a_primary_error_inside_the_scope_does_not_blame_the_replica(real_replica, monkeypatch):
    """The primary fails (a session read, an audit write) while the replica is fine: the replica is not marked
    down, the view is not run a second time, and the error reaches the database-down page as it is."""
    downs, calls = [], []
    monkeypatch.setattr(dbrouter, "mark_replica_down", lambda: downs.append(1))

    @replica_view
    def view(request):
        calls.append(ReplicaRouter().db_for_read(Org))
        list(Org.objects.using(REPLICA).all()[:1])                       # the replica answers
        with connections["default"].execute_wrapper(_Failing(_pg_error("terminating connection", "57P01"))):
            list(Org.objects.using("default").all()[:1])                 # the primary does not

    with pytest.raises(OperationalError):
        view(RequestFactory().get("/dashboards/1/"))
    assert calls == [REPLICA]
    assert downs == []


def test_a_replica_query_cancelled_by_replay_is_read_from_the_primary_without_marking_it_down(real_replica,
                                                                                               monkeypatch):
    downs, calls = [], []
    monkeypatch.setattr(dbrouter, "mark_replica_down", lambda: downs.append(1))
    conflict = _pg_error("canceling statement due to conflict with recovery", "40001")
    assert _reading_view(calls, _Failing(conflict))(RequestFactory().get("/x/")) == "default"
    assert calls == [REPLICA, "default"] and downs == []


def test_a_statement_timeout_on_the_replica_is_not_run_again(real_replica, monkeypatch):
    """A query too slow for the replica's statement_timeout would be as slow on the primary: a 500, not a rerun."""
    downs, calls = [], []
    monkeypatch.setattr(dbrouter, "mark_replica_down", lambda: downs.append(1))
    timeout = _pg_error("canceling statement due to statement timeout", "57014")
    with pytest.raises(OperationalError):
        _reading_view(calls, _Failing(timeout))(RequestFactory().get("/x/"))
    assert calls == [REPLICA] and downs == []


def test_a_replica_that_refuses_connections_sends_the_read_to_the_primary(real_replica, monkeypatch):
    """The cached verdict says up but the replica died since: opening its connection fails in the router, which
    marks it down and answers the primary — no error, no rerun."""
    downs = []
    monkeypatch.setattr(dbrouter, "mark_replica_down", lambda: downs.append(1))

    def refuse():
        raise _pg_error("connection refused", "08001")

    monkeypatch.setattr(connections[REPLICA], "ensure_connection", refuse)
    monkeypatch.setattr(connections[REPLICA], "connection", None)    # not connected (close() spares in-memory SQLite)
    calls = []
    assert _reading_view(calls)(RequestFactory().get("/x/")) == "default"
    assert calls == ["default"] and downs == [1]


def test_an_error_not_caused_by_the_replica_is_not_hidden(with_replica, replica_alias):
    with_replica["healthy"] = False

    @replica_view
    def view(request):
        ReplicaRouter().db_for_read(Org)
        raise OperationalError("primary is gone")

    with pytest.raises(OperationalError):
        view(RequestFactory().get("/dashboards/1/"))


def test_only_safe_methods_read_the_replica(real_replica):
    calls = []
    view = _reading_view(calls)
    view(RequestFactory().get("/x/"))
    view(RequestFactory().post("/x/"))
    assert calls == [REPLICA, "default"]


@pytest.mark.parametrize("url", ["/dashboards/{pk}/", "/api/dashboards/{pk}/summary/", "/partystats/{pk}/2025/",
                                 "/partystats/{pk}/2025/tables.xlsx", "/api/partystats/{pk}/?year=2025",
                                 "/orglife/ledger/org/{pk}/2025-summary.xlsx"])
def test_dashboards_and_reports_open_the_read_only_scope(url, tree, users, client_as, with_replica, replica_alias,
                                                          monkeypatch):
    """The pages themselves, not only the decorator: their queries are asked for inside the scope (in a test
    transaction the router still answers "default", so this runs on the one test database)."""
    scoped = []
    real = ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        scoped.append(dbrouter.in_replica_scope())
        return real(self, model, **hints)

    monkeypatch.setattr(ReplicaRouter, "db_for_read", spy)
    resp = client_as(users.committee_admin).get(url.format(pk=tree.committee.pk))
    assert resp.status_code == 200, resp.content[:300]
    assert any(scoped)


def _settings_with(monkeypatch, **env):
    for name in ("DATABASE_REPLICA_URL", "REDIS_URL", "PGBOUNCER", "HUEY_IMMEDIATE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_settings_define_the_replica_mirrored_in_tests(monkeypatch):
    s = _settings_with(monkeypatch, DATABASE_URL="postgres://u@127.0.0.1:5432/dj",
                       DATABASE_REPLICA_URL="postgres://u@127.0.0.1:5433/dj")
    assert s["DATABASES"]["replica"]["PORT"] == 5433
    assert s["DATABASES"]["replica"]["TEST"] == {"MIRROR": "default"}
    assert s["DATABASES"]["replica"]["OPTIONS"]["connect_timeout"] == 2
    assert not s["DATABASES"]["default"].get("DISABLE_SERVER_SIDE_CURSORS")
    assert "replica" not in _settings_with(monkeypatch)["DATABASES"]


def test_settings_for_pgbouncer_disable_server_side_cursors(monkeypatch):
    s = _settings_with(monkeypatch, DATABASE_URL="postgres://u@127.0.0.1:6432/dj", PGBOUNCER="1")
    assert s["DATABASES"]["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True


def test_settings_queue_on_redis_when_asked_and_immediate_in_tests(monkeypatch):
    assert _settings_with(monkeypatch)["HUEY"]["huey_class"] == "huey.SqliteHuey"
    s = _settings_with(monkeypatch, REDIS_URL="redis://127.0.0.1:6390/0")
    assert s["HUEY"]["huey_class"] == "huey.RedisHuey"
    assert s["HUEY"]["url"] == "redis://127.0.0.1:6390/0?socket_timeout=5&socket_connect_timeout=3"
    # …so a Redis that hangs rather than refuses cannot hang a page that peeks at the queue
    import redis

    kwargs = redis.ConnectionPool.from_url(s["HUEY"]["url"]).connection_kwargs
    assert kwargs["socket_timeout"] == 5 and kwargs["socket_connect_timeout"] == 3
    own = _settings_with(monkeypatch, REDIS_URL="redis://x/0?socket_timeout=1")["HUEY"]["url"]
    assert own == "redis://x/0?socket_timeout=1"                 # the operator's own timeout is kept
    assert "filename" not in s["HUEY"]
    assert s["HUEY"]["immediate"] is True                       # DANGJIAN_TESTING
    assert _settings_with(monkeypatch, REDIS_URL="redis://x/0", HUEY_IMMEDIATE="0")["HUEY"]["immediate"] is False


def test_settings_bound_replica_statements_and_lag(monkeypatch):
    s = _settings_with(monkeypatch, DATABASE_REPLICA_URL="postgres://u@127.0.0.1:5433/dj")
    assert s["DATABASES"]["replica"]["OPTIONS"]["options"] == "-c statement_timeout=30000"
    assert s["DATABASE_REPLICA_MAX_LAG"] == 30
    s = _settings_with(monkeypatch, DATABASE_REPLICA_URL="postgres://u@127.0.0.1:5433/dj",
                       DATABASE_REPLICA_STATEMENT_TIMEOUT="5", DATABASE_REPLICA_MAX_LAG="10")
    assert s["DATABASES"]["replica"]["OPTIONS"]["options"] == "-c statement_timeout=5000"
    assert s["DATABASE_REPLICA_MAX_LAG"] == 10


# --- replication health: the decision on what the replica reports -------------------------------------------
def _state(in_recovery=True, receiver_pid=4242, status="streaming", caught_up=True, lag=0.0):
    return dbrouter.ReplicationState(in_recovery, receiver_pid, status, caught_up, lag)


@pytest.mark.parametrize("state, healthy", [
    (_state(), True),
    (_state(caught_up=True, lag=3600.0), True),     # an idle primary: nothing to replay, however old the last commit
    (_state(caught_up=False, lag=5.0), True),       # replaying, 5 s behind
    (_state(caught_up=False, lag=None), True),      # replaying, no transaction replayed yet since its start
    (_state(status=None), True),                    # receiver running, status hidden (no pg_read_all_stats)
    (_state(caught_up=False, lag=31.0), False),     # behind by more than DATABASE_REPLICA_MAX_LAG
    (_state(in_recovery=False), False),             # promoted: no longer follows the primary
    (_state(receiver_pid=None, status=None), False),   # no WAL receiver: replication is broken
    (_state(status="waiting"), False),              # receiver (re)connecting to the primary
])
def test_replication_decision(state, healthy):
    problem = dbrouter.replication_problem(state, max_lag=30)
    assert (problem is None) is healthy, problem


def test_probe_refuses_a_lagging_replica(monkeypatch, replica_alias):
    monkeypatch.setattr(replica_alias, "ensure_connection", lambda: None)
    monkeypatch.setattr(dbrouter, "_replication_state", lambda conn: _state(caught_up=False, lag=31.0))
    assert dbrouter._probe() is False
    monkeypatch.setattr(dbrouter, "_replication_state", lambda conn: _state(caught_up=False, lag=1.0))
    assert dbrouter._probe() is True


def test_only_one_thread_probes_at_a_time(monkeypatch):
    probes = []

    def slow_probe():
        probes.append(threading.get_ident())
        time.sleep(0.2)
        return True

    monkeypatch.setattr(dbrouter, "_probe", slow_probe)
    dbrouter.reset_health()
    try:
        results = []
        threads = [threading.Thread(target=lambda: results.append(dbrouter.replica_healthy())) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [True] * 4 and len(probes) == 1      # no verdict yet: the others wait for the one probe
        # An expired verdict: one thread probes, the others keep the old verdict meanwhile instead of waiting.
        with dbrouter._health_lock:
            dbrouter._health["at"] -= dbrouter.HEALTH_TTL + 1
        # The probe is held until released: the answer must come while it is still running (no wall-clock bound).
        started, release = threading.Event(), threading.Event()

        def held_probe():
            probes.append(threading.get_ident())
            started.set()
            release.wait(10)
            return True

        monkeypatch.setattr(dbrouter, "_probe", held_probe)
        t = threading.Thread(target=dbrouter.replica_healthy)
        t.start()
        assert started.wait(10)
        answers = []
        reader = threading.Thread(target=lambda: answers.append(dbrouter.replica_healthy()))
        reader.start()
        reader.join(10)
        answered_while_probing = list(answers) if t.is_alive() else None
        release.set()
        t.join()
        reader.join()
        assert answered_while_probing == [True]     # the old verdict, without waiting for the running probe
        assert len(probes) == 2
    finally:
        dbrouter.reset_health()


def test_otp_is_not_an_app_here():
    assert "otp" not in dbrouter.PRIMARY_ONLY_APPS
