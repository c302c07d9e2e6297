"""The read-replica router without servers: who reads where, when the replica is skipped, and the fallback of a
read-only view whose replica query fails. (The same with two real PostgreSQL servers: test_deploy.py.)"""
import runpy
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.utils import OperationalError
from django.test import RequestFactory

from dangjian.core import dbrouter
from dangjian.core.dbrouter import REPLICA, ReplicaRouter, replica_reads, replica_view
from dangjian.orgs.models import Org

SETTINGS = Path(__file__).resolve().parents[2] / "settings.py"


@pytest.fixture
def with_replica(monkeypatch):
    """A replica is configured and (unless a test says otherwise) healthy."""
    state = {"healthy": True, "probes": 0}

    def healthy():
        state["probes"] += 1
        return state["healthy"]

    monkeypatch.setattr(dbrouter, "replica_configured", lambda: True)
    monkeypatch.setattr(dbrouter, "replica_healthy", healthy)
    return state


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


def _flaky_view(fail_times, calls):
    def view(request):
        where = ReplicaRouter().db_for_read(Org)
        calls.append(where)
        if where == REPLICA and len(calls) <= fail_times:
            raise OperationalError("server closed the connection unexpectedly")
        return where

    return replica_view(view)


def test_a_failing_replica_query_is_run_again_on_the_primary(with_replica, monkeypatch):
    downs = []
    monkeypatch.setattr(dbrouter, "mark_replica_down", lambda: downs.append(1))
    calls = []
    result = _flaky_view(1, calls)(RequestFactory().get("/dashboards/1/"))
    assert calls == [REPLICA, "default"]
    assert result == "default"
    assert downs == [1]


def test_an_error_not_caused_by_the_replica_is_not_hidden(with_replica):
    with_replica["healthy"] = False

    @replica_view
    def view(request):
        ReplicaRouter().db_for_read(Org)
        raise OperationalError("primary is gone")

    with pytest.raises(OperationalError):
        view(RequestFactory().get("/dashboards/1/"))


def test_only_safe_methods_read_the_replica(with_replica):
    calls = []
    view = _flaky_view(0, calls)
    view(RequestFactory().get("/x/"))
    view(RequestFactory().post("/x/"))
    assert calls == [REPLICA, "default"]


@pytest.mark.parametrize("url", ["/dashboards/{pk}/", "/api/dashboards/{pk}/summary/", "/partystats/{pk}/2025/",
                                 "/partystats/{pk}/2025/tables.xlsx", "/api/partystats/{pk}/?year=2025",
                                 "/orglife/ledger/org/{pk}/2025-summary.xlsx"])
def test_dashboards_and_reports_open_the_read_only_scope(url, tree, users, client_as, with_replica, monkeypatch):
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
    assert s["HUEY"]["url"] == "redis://127.0.0.1:6390/0"
    assert "filename" not in s["HUEY"]
    assert s["HUEY"]["immediate"] is True                       # DANGJIAN_TESTING
    assert _settings_with(monkeypatch, REDIS_URL="redis://x/0", HUEY_IMMEDIATE="0")["HUEY"]["immediate"] is False
