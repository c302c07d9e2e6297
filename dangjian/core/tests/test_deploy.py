"""The deployment beyond one machine (docs/deploy.md), against the servers scripts/test-deploy.sh starts on
loopback: PostgreSQL primary + streaming replica, Redis, pgbouncer (transaction pooling), gunicorn behind nginx.

Without them (the normal suite) every test here skips; under the script (DANGJIAN_DEPLOY_TEST=1, which it sets)
a missing server fails. These tests use the real databases the script migrated, not a test database: the replica
must be a real standby, which a test database cannot be."""
from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection, connections
from huey.contrib.djhuey import db_task

pytestmark = [pytest.mark.deploy,
              pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")]  # self-signed, loopback

REPO = Path(__file__).resolve().parents[3]
STRICT = os.environ.get("DANGJIAN_DEPLOY_TEST") == "1"      # set by scripts/test-deploy.sh: servers must be there
RUNS_TABLE = "deploy_job_runs"


# --- a test-only job: each run leaves one row (no unique key, so that a second run of a job would show) -------
@db_task()
def record_run(job: int) -> None:
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {RUNS_TABLE} (job, pid) VALUES (%s, %s)", [job, os.getpid()])
    time.sleep(0.02)


def port(name: str) -> int:
    value = os.environ.get(f"DEPLOY_{name}_PORT")
    if not value:
        if STRICT:
            pytest.fail(f"DEPLOY_{name}_PORT 未设置：scripts/test-deploy.sh 应当启动该服务")
        pytest.skip("需要 scripts/test-deploy.sh 启动的服务（PostgreSQL 主从、Redis、pgbouncer、nginx）")
    p = int(value)
    try:
        socket.create_connection(("127.0.0.1", p), 2).close()
    except OSError as exc:
        (pytest.fail if STRICT else pytest.skip)(f"127.0.0.1:{p} 无法连接（{name}）：{exc}")
    return p


def figure(name: str, value, command: str = "bash scripts/test-deploy.sh") -> None:
    """A measured figure for docs/deploy.md, printed past pytest's capture and kept in the work directory."""
    line = json.dumps({"figure": name, "value": value, "command": command}, ensure_ascii=False)
    sys.__stdout__.write(f"\nDEPLOY-FIGURE {line}\n")
    if os.environ.get("DEPLOY_WORK"):
        with open(Path(os.environ["DEPLOY_WORK"]) / "figures.jsonl", "a") as fh:
            fh.write(line + "\n")


def pg_ctl(*args: str) -> None:
    cmd = [*shlex.split(os.environ.get("DEPLOY_AS_PG", "")), f"{os.environ['DEPLOY_PGBIN']}/pg_ctl", *args]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)


def app_env(**extra) -> dict:
    """The environment of an app node or worker: production settings, the primary through pgbouncer."""
    env = {k: v for k, v in os.environ.items() if k not in ("DANGJIAN_TESTING", "DJANGO_DEBUG")}
    env.update(DATABASE_URL=f"postgres://postgres@127.0.0.1:{port('PGBOUNCER')}/dangjian", PGBOUNCER="1",
               HUEY_IMMEDIATE="0", **extra)
    return env


@pytest.fixture(scope="module")
def servers(django_db_blocker):
    ports = {name: port(name) for name in ("PRIMARY", "REPLICA", "REDIS", "PGBOUNCER")}
    with django_db_blocker.unblock():
        yield ports


@pytest.fixture(scope="module")
def site(servers):
    """A small tree on the primary: 机关党委 with one 党支部, and its administrator."""
    from dangjian.accounts.actions import do_assign_role, do_create_user
    from dangjian.orgs.actions import do_create_org, do_create_unit

    tag = uuid.uuid4().hex[:6]
    unit = do_create_unit(name=f"市交通运输局{tag}")
    wc = do_create_org(name=f"市直机关工委{tag}", type="work_committee")
    committee = do_create_org(name=f"交通运输局机关委员会{tag}", type="committee", parent=wc, unit=unit)
    branch = do_create_org(name=f"第一党支部{tag}", type="branch", parent=committee, unit=unit)
    admin = do_create_user(username=f"committee_admin_{tag}", password="Dangjian2026!", validate=False)
    do_assign_role(admin, "org_admin", committee)

    class Site:
        pass

    s = Site()
    s.wc, s.committee, s.branch, s.admin, s.tag = wc, committee, branch, admin, tag
    return s


def wait_for(predicate, timeout: float, step: float = 0.02):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(step)
    return None


class ReplicaQueries:
    """Counts the queries executed on the replica connection (of this thread)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._cm = connections["replica"].execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def in_recovery(alias: str) -> bool:
    with connections[alias].cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery()")
        return cur.fetchone()[0]


def dashboard(site, url="/dashboards/{pk}/"):
    from django.test import Client

    client = Client()
    client.force_login(site.admin)
    return client.get(url.format(pk=site.committee.pk))


def psql(port_: int, sql: str) -> str:
    run = subprocess.run([f"{os.environ['DEPLOY_PGBIN']}/psql", "-h", "127.0.0.1", "-p", str(port_), "-U", "postgres",
                          "-d", "dangjian", "-Atc", sql], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def probed_healthy() -> bool:
    from dangjian.core import dbrouter

    dbrouter.reset_health()
    return dbrouter.replica_healthy()


# --- (a) routing ---------------------------------------------------------------------------------------------
def test_reads_in_the_read_only_scope_go_to_the_replica_and_writes_to_the_primary(site):
    from django.db import transaction

    from dangjian.core import dbrouter
    from dangjian.orgs.actions import do_create_org
    from dangjian.orgs.models import Org

    dbrouter.reset_health()
    assert Org.objects.all().db == "default" and not in_recovery("default")
    with dbrouter.replica_reads():
        qs = Org.objects.filter(pk=site.committee.pk)
        assert qs.db == "replica"
        assert in_recovery(qs.db)                      # a standby answers these reads
        with connections["replica"].cursor() as cur:   # a runaway report query stops there
            cur.execute("SHOW statement_timeout")
            assert cur.fetchone()[0] == "30s"
        with transaction.atomic():
            assert Org.objects.all().db == "default"   # a write transaction reads what it writes

    # A write goes to the primary and reaches the replica by streaming replication.
    new = do_create_org(name=f"第二党支部{site.tag}", type="branch", parent=site.committee)
    assert new._state.db == "default"

    def replicated():
        with dbrouter.replica_reads():
            return Org.objects.filter(pk=new.pk).exists()

    lag = wait_for(replicated, timeout=10)
    assert lag is not None, "写入主库的党组织没有复制到只读副本"
    figure("replication_visible_after_commit_s", round(lag, 3))


def test_the_dashboard_page_reads_the_replica(site):
    from dangjian.core import dbrouter

    dbrouter.reset_health()
    with ReplicaQueries() as replica:
        resp = dashboard(site)
    assert resp.status_code == 200
    assert site.committee.name in resp.content.decode()
    assert replica.count > 0, "数据看板应当从只读副本读取"


# --- (b) a replica that no longer follows the primary is not read -------------------------------------------
def test_a_lagging_or_detached_replica_is_not_read(site, servers, settings):
    """Replay paused while the primary writes (lag over DATABASE_REPLICA_MAX_LAG), then the WAL receiver stopped
    (primary_conninfo emptied): the probe refuses the replica each time and the dashboard reads the primary;
    once replication resumes, the replica is read again."""
    from dangjian.orgs.models import Org

    settings.DATABASE_REPLICA_MAX_LAG = 1
    assert probed_healthy()
    replica = servers["REPLICA"]
    psql(replica, "SELECT pg_wal_replay_pause()")
    try:
        Org.objects.filter(pk=site.branch.pk).update(name=f"第一党支部{site.tag}")     # WAL to replay
        lagging = wait_for(lambda: not probed_healthy(), timeout=10, step=0.3)
        assert lagging is not None, "回放暂停、主库有写入时，探测仍认为只读副本可用"
        with ReplicaQueries() as rq:
            assert dashboard(site).status_code == 200
        assert rq.count == 0
        figure("replica_lag_refused_after_s", round(lagging, 2))
    finally:
        psql(replica, "SELECT pg_wal_replay_resume()")
    assert wait_for(probed_healthy, timeout=15, step=0.3) is not None

    conninfo = psql(replica, "SHOW primary_conninfo")
    psql(replica, "ALTER SYSTEM SET primary_conninfo = ''")
    psql(replica, "SELECT pg_reload_conf()")
    try:
        detached = wait_for(lambda: not probed_healthy(), timeout=20, step=0.3)
        assert detached is not None, "WAL 接收进程停止后，探测仍认为只读副本可用"
        with ReplicaQueries() as rq:
            assert dashboard(site).status_code == 200
        assert rq.count == 0
        figure("replica_detached_refused_after_s", round(detached, 2))
    finally:
        psql(replica, "ALTER SYSTEM SET primary_conninfo = '{}'".format(conninfo.replace("'", "''")))
        psql(replica, "SELECT pg_reload_conf()")
    back = wait_for(probed_healthy, timeout=40, step=0.5)
    assert back is not None, "复制恢复后，只读副本没有重新可用"
    figure("replica_streaming_again_after_s", round(back, 2))


# --- (c) fallback when the replica is down, and back -----------------------------------------------------------
def test_the_dashboard_renders_from_the_primary_while_the_replica_is_down(site, servers):
    from dangjian.core import dbrouter

    work = os.environ["DEPLOY_WORK"]
    api = "/api/dashboards/{pk}/summary/"
    dbrouter.reset_health()
    assert dashboard(site, api).status_code == 200         # healthy, verdict cached: the replica is "up"
    pg_ctl("-D", f"{work}/replica", "-m", "immediate", "stop")
    try:
        # 1. an API viewset (replica_view on dispatch) with the cached "up" verdict, on the replica connection the
        #    previous request left open (the test client keeps connections): its query fails on the dead replica,
        #    the replica is marked down and the viewset runs again on the primary.
        with ReplicaQueries() as replica:
            t0 = time.monotonic()
            resp = dashboard(site, api)
            first = time.monotonic() - t0
        assert resp.status_code == 200 and resp.json(), resp.content[:300]
        assert replica.count == 1                              # the one failed attempt
        assert dbrouter.replica_healthy() is False             # marked down
        # 2. the verdict is now "down": straight to the primary, no attempt on the replica.
        with ReplicaQueries() as replica:
            t0 = time.monotonic()
            assert dashboard(site).status_code == 200
            steady = time.monotonic() - t0
        assert replica.count == 0
        # 3. a fresh probe (another process, or after HEALTH_TTL) finds it down at once.
        dbrouter.reset_health()
        t0 = time.monotonic()
        assert dashboard(site).status_code == 200
        probed = time.monotonic() - t0
        assert max(first, probed) < 5, (first, probed)
        figure("replica_down_first_request_s", round(first, 3))
        figure("replica_down_probe_request_s", round(probed, 3))
        figure("replica_down_steady_request_s", round(steady, 3))
    finally:
        t0 = time.monotonic()
        pg_ctl("-D", f"{work}/replica", "-l", f"{work}/replica.log", "-w", "-o",
               f"-p {servers['REPLICA']} -k {work}/run -c listen_addresses=127.0.0.1", "start")
        figure("replica_restart_s", round(time.monotonic() - t0, 2))
    # Back: once the cached "down" expires (HEALTH_TTL), reads return to the replica.
    t0 = time.monotonic()

    def back():
        with ReplicaQueries() as replica:
            assert dashboard(site).status_code == 200
        return replica.count > 0

    returned = wait_for(back, timeout=dbrouter.HEALTH_TTL + 20, step=0.5)
    assert returned is not None, "只读副本恢复后，读取没有回到副本"
    figure("replica_back_reads_return_after_s", round(time.monotonic() - t0, 2))


# --- (d) two Huey workers on Redis: every job runs exactly once ------------------------------------------------
WORKER = ("import django; django.setup(); import dangjian.core.tests.test_deploy; "
          "from django.core.management import execute_from_command_line as run; "
          "import sys; run(['manage.py', 'run_huey', '-w', '1', '-k', 'thread'] + sys.argv[1:])")


def test_two_workers_on_redis_run_each_job_exactly_once(site, servers, tmp_path):
    from huey.contrib.djhuey import HUEY

    n = 200
    with connection.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {RUNS_TABLE} (job integer NOT NULL, pid integer NOT NULL, "
                    "at timestamptz NOT NULL DEFAULT now())")
        cur.execute(f"TRUNCATE {RUNS_TABLE}")
    env = app_env(REDIS_URL=f"redis://127.0.0.1:{servers['REDIS']}/0")
    logs = [tmp_path / "worker1.log", tmp_path / "worker2.log"]
    # As deployed: one worker runs the periodic jobs, every other one is started with --no-periodic.
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, *extra], cwd=REPO, env=env,
                              stdout=log.open("w"), stderr=subprocess.STDOUT)
             for log, extra in zip(logs, ([], ["--no-periodic"]))]
    HUEY.immediate = False                     # this process enqueues on Redis like an app node
    try:
        ready = wait_for(lambda: all("started with" in log.read_text() for log in logs), timeout=60, step=0.2)
        assert ready is not None, [log.read_text()[-2000:] for log in logs]
        HUEY.flush()
        t0 = time.monotonic()
        for job in range(n):
            record_run(job)

        def done():
            with connection.cursor() as cur:
                cur.execute(f"SELECT count(*) FROM {RUNS_TABLE}")
                return cur.fetchone()[0] >= n

        assert wait_for(done, timeout=60, step=0.1) is not None, [log.read_text()[-2000:] for log in logs]
        elapsed = time.monotonic() - t0
        time.sleep(2)                          # a duplicate run would land now
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*), count(DISTINCT job) FROM {RUNS_TABLE}")
            total, distinct = cur.fetchone()
            cur.execute(f"SELECT pid, count(*) FROM {RUNS_TABLE} GROUP BY pid ORDER BY pid")
            per_worker = dict(cur.fetchall())
        assert (total, distinct) == (n, n), f"{total} runs of {distinct} distinct jobs, expected {n} and {n}"
        assert set(per_worker) == {p.pid for p in procs}, per_worker   # both workers took part
        assert HUEY.pending_count() == 0
        figure("huey_two_workers_jobs", {"jobs": n, "runs": total, "per_worker": sorted(per_worker.values()),
                                         "seconds": round(elapsed, 2)})
    finally:
        HUEY.immediate = True
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


# --- (e) Django through pgbouncer in transaction pooling -------------------------------------------------------
CHECK_THROUGH_BOUNCER = """
from django.conf import settings
from django.db import connection, transaction
from dangjian.orgs.models import Org
assert settings.DATABASES["default"]["PORT"] == {bouncer}, settings.DATABASES["default"]["PORT"]
assert settings.DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
connection.ensure_connection()
assert connection.connection.prepare_threshold is None    # psycopg prepares nothing (transaction pooling)
for _ in range(20):                       # more than psycopg's default prepare threshold (5)
    assert Org.objects.filter(name__startswith="第").count() >= 1
with connection.cursor() as cur:          # and nothing was prepared on the server connection
    cur.execute("SELECT count(*) FROM pg_prepared_statements")
    assert cur.fetchone()[0] == 0
names = [o.name for o in Org.objects.order_by("pk").iterator(chunk_size=2)]
assert len(names) >= 3, names
with transaction.atomic():
    with connection.cursor() as cur:
        cur.execute("SELECT txid_current()")
        a = cur.fetchone()[0]
        cur.execute("SELECT txid_current()")
        assert cur.fetchone()[0] == a       # one transaction keeps its server connection
try:
    with transaction.atomic():
        Org.objects.filter(pk={pk}).update(name="改名后回滚")
        raise RuntimeError
except RuntimeError:
    pass
assert Org.objects.get(pk={pk}).name != "改名后回滚"
print("BOUNCER-OK", len(names))
"""


def test_django_works_through_pgbouncer_in_transaction_mode(site, servers):
    env = app_env()
    manage = [sys.executable, "manage.py"]
    check = subprocess.run([*manage, "migrate", "--check"], cwd=REPO, env=env, capture_output=True, text=True,
                           timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    code = CHECK_THROUGH_BOUNCER.format(bouncer=servers["PGBOUNCER"], pk=site.branch.pk)
    run = subprocess.run([*manage, "shell", "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and "BOUNCER-OK" in run.stdout, run.stdout + run.stderr
    pools = subprocess.run([f"{os.environ['DEPLOY_PGBIN']}/psql", "-h", "127.0.0.1", "-p", str(servers["PGBOUNCER"]),
                            "-U", "postgres", "-At", "-F", "|", "pgbouncer", "-c", "SHOW POOLS"],
                           capture_output=True, text=True, timeout=30)
    assert pools.returncode == 0, pools.stderr
    row = next(line.split("|") for line in pools.stdout.splitlines() if line.startswith("dangjian|"))
    assert row[-1] == "transaction", row


# --- (f) gunicorn behind nginx -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def web(servers):
    import requests
    import urllib3

    urllib3.disable_warnings()
    https, http, gunicorn = port("HTTPS"), port("HTTP"), port("GUNICORN")

    class Web:
        # The site answers its server_name (localhost here); any other Host — the bare address — is dropped.
        base = f"https://localhost:{https}"
        plain = f"http://localhost:{http}"
        app = f"http://127.0.0.1:{gunicorn}"
        bare = f"https://127.0.0.1:{https}"
        bare_plain = f"http://127.0.0.1:{http}"

        @staticmethod
        def session():
            s = requests.Session()
            s.verify = False
            s.trust_env = False        # no proxy, no CA bundle from the environment: loopback, self-signed
            return s

    return Web


def test_login_page_through_nginx_with_security_headers_and_request_id(web):
    resp = web.session().get(f"{web.base}/login/", timeout=30)
    assert resp.status_code == 200
    assert "登录" in resp.text
    h = resp.headers
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    assert h["Strict-Transport-Security"].startswith("max-age=")   # Django's, sent only over https
    rid = h["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)              # nginx's $request_id, kept by Django
    log = Path(os.environ["DEPLOY_WORK"]) / "gunicorn.access.log"
    assert wait_for(lambda: f"rid={rid}" in log.read_text(), timeout=5) is not None
    assert web.session().get(f"{web.plain}/login/", allow_redirects=False, timeout=30).status_code == 301


def test_nginx_drops_unknown_hosts_and_hides_its_version(web):
    import requests

    with pytest.raises(requests.exceptions.ConnectionError):      # 444: the connection closed without an answer
        web.session().get(f"{web.bare_plain}/login/", timeout=10)
    with pytest.raises(requests.exceptions.SSLError):             # ssl_reject_handshake: no certificate shown
        web.session().get(f"{web.bare}/login/", timeout=10)
    resp = web.session().get(f"{web.base}/media/x", timeout=10)
    assert resp.headers["Server"] == "nginx"                      # server_tokens off: no version


def test_access_logs_keep_no_query_string(web):
    """The 花名册 search by 身份证号 goes through nginx and gunicorn: neither access log writes the number."""
    number = "110105198001010016"
    s = web.session()
    s.get(f"{web.base}/people/?q={number}", headers={"Referer": f"{web.base}/people/?q={number}"}, timeout=30)
    s.get(f"{web.plain}/people/?q={number}", allow_redirects=False, timeout=30)
    rid = s.get(f"{web.base}/login/?next=/people/%3Fq%3D{number}", timeout=30).headers["X-Request-ID"]
    work = Path(os.environ["DEPLOY_WORK"])
    nginx_log, gunicorn_log = work / "nginx" / "logs" / "dangjian.access.log", work / "gunicorn.access.log"
    assert wait_for(lambda: f"rid={rid}" in gunicorn_log.read_text(), timeout=5) is not None
    assert wait_for(lambda: f"rid={rid}" in nginx_log.read_text(), timeout=5) is not None
    for log in (nginx_log, gunicorn_log):
        text = log.read_text()
        assert "/people/" in text and '"GET /login/ HTTP/1.1"' in text
        assert number not in text, f"{log.name} 记录了查询参数中的身份证号"


def test_static_files_come_from_nginx_and_media_never(web):
    static = web.session().get(f"{web.base}/static/css/app.css", timeout=30)
    assert static.status_code == 200
    assert static.headers["Content-Type"].startswith("text/css")
    assert "X-Request-ID" not in static.headers             # nginx answered, not Django
    media = web.session().get(f"{web.base}/media/attachments/x.pdf", timeout=30)
    assert media.status_code == 404 and "X-Request-ID" not in media.headers


def _post_headers(web, path: str, length: int, wait: float = 10) -> bytes:
    """Send only the headers of a POST of `length` bytes; what nginx answers within `wait` seconds (b"": nothing,
    it waits for the body)."""
    import ssl

    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    host, _, p = web.base.removeprefix("https://").partition(":")
    with socket.create_connection(("127.0.0.1", int(p)), 10) as raw, ctx.wrap_socket(raw, server_hostname=host) as tls:
        tls.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}:{p}\r\nContent-Type: application/octet-stream\r\n"
                    f"Content-Length: {length}\r\nConnection: close\r\n\r\n".encode())
        tls.settimeout(wait)
        data = b""
        try:
            while chunk := tls.recv(65536):
                data += chunk
        except TimeoutError:
            pass
        return data


def test_uploads_over_the_limit_stop_at_nginx_with_a_chinese_page(web):
    """A 36 MiB body (over client_max_body_size 35m) is refused from its Content-Length, before Django, with a
    Chinese page; the DJX import (50 MiB packages) has 55m on its own location."""
    answer = _post_headers(web, "/login/", 36 * 1024 * 1024)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b" 413 " in head.split(b"\r\n")[0], head
    assert "上传的文件过大" in body.decode()
    assert _post_headers(web, "/djx/import/", 52 * 1024 * 1024, wait=2) == b""   # nginx waits for the body


def test_x_forwarded_proto_is_honoured_and_login_works_end_to_end(web, site):
    from dangjian.accounts.actions import do_create_user

    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user = do_create_user(username=f"member_{site.tag}", password="Dangjian2026!x", validate=False)
    # The app node runs production settings, which do not accept the tests' fast MD5 hashes.
    user.password = PBKDF2PasswordHasher().encode("Dangjian2026!x", "deploysalt", iterations=1000)
    user.save(update_fields=["password"])

    def post(base, headers=(), password="wrong-password"):
        page = web.session().get(f"{base}/login/", timeout=30)
        token = page.cookies["csrftoken"]
        # The cookie is Secure; sent by hand so that the plain-http case differs only in the scheme Django sees.
        return web.session().post(f"{base}/login/", data={"csrfmiddlewaretoken": token,
                                                          "username": user.username, "password": password},
                                  headers={"Cookie": f"csrftoken={token}", **dict(headers)}, allow_redirects=False,
                                  timeout=30)

    # Through nginx over TLS Django knows the request is https (X-Forwarded-Proto): no redirect to https (which
    # SECURE_SSL_REDIRECT would answer, in a loop), HSTS sent, and a POST without Referer refused by the strict
    # https Referer check.
    page = web.session().get(f"{web.base}/login/", allow_redirects=False, timeout=30)
    assert page.status_code == 200 and "Strict-Transport-Security" in page.headers
    assert post(web.base).status_code == 403
    # Straight to gunicorn over plain http Django sees http and sends the browser to https …
    direct = web.session().get(f"{web.app}/login/", allow_redirects=False, timeout=30)
    assert direct.status_code == 301 and direct.headers["Location"].startswith("https://"), direct.headers
    # … unless the proxy header says the client spoke https.
    assert web.session().get(f"{web.app}/login/", headers={"X-Forwarded-Proto": "https"}, allow_redirects=False,
                             timeout=30).status_code == 200
    # A real login through the whole stack (nginx → gunicorn → pgbouncer → primary).
    resp = post(web.base, {"Referer": f"{web.base}/login/"}, password="Dangjian2026!x")
    assert resp.status_code == 302, re.findall(r'class="[^"]*(?:alert|invalid)[^"]*"[^>]*>([^<]*)', resp.text)
    assert "sessionid" in resp.cookies and "Secure" in resp.headers["Set-Cookie"]
