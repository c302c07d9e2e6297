"""Faults (issue 9 item 3, docs/faults.md): a process killed with SIGKILL in the middle of an import, of a full
evaluation or of a Huey job leaves no partial data and the work resumes; a database that goes away gives a clear
Chinese 503 page and the next request after it is back succeeds; a full disk during an attachment upload gives a
clear message and leaves nothing half-written; the web process and the worker writing one SQLite file at once never
meet "database is locked".

The killed processes are real `dangjian` processes writing a file-backed SQLite database (the suite's PostgreSQL
pass: the test database itself, in transactional mode), caught inside their write transaction without any hook in
the application (fault_scripts/kit.py: SIGSTOP, check the transaction is still open, SIGKILL)."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import time

import pytest

from dangjian.core.tests.fault_scripts import kit

PG = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
# On the PostgreSQL pass the subprocesses would write the pytest test database itself, which other test files of
# the same xdist worker then found full of the killed imports' rows (CI, 2026-11-27). Until they get a database of
# their own, the kill tests run on the SQLite pass (a file database per test); the transactions they prove are the
# same code on both engines. The real PostgreSQL restart test below runs its own server and stays.
PG_SHARED = "PostgreSQL: the kill tests need a database of their own (they ran on the SQLite pass)"


OLD_DAY, NEW_DAY = "2025-12-31", "2026-03-31"


def djx_file(dir_, branches: int) -> tuple[dict, str]:
    from dangjian.djx.synthetic import generate

    doc = generate(branches=branches, years=(2025,))
    path = dir_ / f"branches-{branches}.djx.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return doc, str(path)


def load_and_judge(db: kit.FaultDB, dir_) -> None:
    """Ten branches imported and judged as of OLD_DAY."""
    _, path = djx_file(dir_, 10)
    kit.run(["import", path], db.env())
    kit.run(["evaluate", "--as-of", OLD_DAY], db.env())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated, empty SQLite database (made once: migrating takes about 9 s)."""
    return kit.make_template(tmp_path_factory.mktemp("faults-template"))


@pytest.fixture(scope="session")
def sqlite_judged(sqlite_template, tmp_path_factory):
    """The template with ten branches judged as of OLD_DAY, and `reference`: the findings of an uninterrupted run
    as of NEW_DAY over it (what an interrupted run, re-run, must end with)."""
    dir_ = tmp_path_factory.mktemp("faults-judged")
    db = kit.sqlite_db(sqlite_template, dir_ / "var")
    load_and_judge(db, dir_)
    ref = kit.copy_sqlite(db, dir_ / "reference")
    kit.run(["evaluate", "--as-of", NEW_DAY], ref.env())
    assert ref.findings() != db.findings()   # the new day's run changes the findings
    return db.sqlite_path, ref.findings()


@pytest.fixture
def fault_db(request, tmp_path):
    """An empty database that `dangjian` subprocesses write (see kit.py)."""
    if PG:
        pytest.skip(PG_SHARED)
    return kit.sqlite_db(request.getfixturevalue("sqlite_template"), tmp_path / "var")


@pytest.fixture
def evaluated(request, tmp_path):
    """(database with ten branches judged as of OLD_DAY, reference findings as of NEW_DAY or None on PostgreSQL)."""
    if PG:
        pytest.skip(PG_SHARED)
    path, reference = request.getfixturevalue("sqlite_judged")
    return kit.sqlite_db(path, tmp_path / "var"), reference


# --- 1. kill -9 -------------------------------------------------------------------------------------------
def test_kill_9_in_the_middle_of_an_import_leaves_no_row_and_the_rerun_imports_everything(fault_db, tmp_path):
    doc, path = djx_file(tmp_path, 30)
    before = fault_db.counts()
    proc = kit.start(["import", path], fault_db.env())
    # (SQLite: wait until 256 KiB of the uncommitted import has spilled from the page cache into the WAL file)
    killed = kit.kill_inside_write(proc, fault_db, min_wal=256 << 10)
    assert killed.returncode == -signal.SIGKILL

    assert fault_db.integrity() == "ok"
    assert fault_db.counts() == before, "被中断的导入留下了部分数据"

    kit.run(["import", path], fault_db.env())
    after = fault_db.counts()
    for table, section in (("orgs_org", "orgs"), ("people_person", "people"), ("orglife_meeting", "meetings"),
                           ("orglife_talk", "talks")):
        assert after[table] == before[table] + len(doc[section]), table


def kill_inside_the_run_after_the_commit(proc, db: kit.FaultDB, timeout: float = 60) -> kit.Kill:
    """SIGKILL `proc` (`dangjian import`) inside the judgement it runs after its import committed: the import's data
    and its owed-run marker are committed, no finding is, the planner statistics after the import are done
    (SQLite: `sqlite_stat1` counts the imported orgs; PostgreSQL: the writer is not VACUUM/ANALYZE), and a write
    transaction is open — the engine run's, the next one. Checked again while the process is stopped."""
    if db.vendor == "postgresql":   # (one kept connection, one query: the run's transaction is short there)
        import psycopg

        con = psycopg.connect(db.database_url, autocommit=True)

    def in_the_run() -> bool:
        if db.vendor == "postgresql":
            owed, findings, writers = con.execute(
                "SELECT (SELECT COUNT(*) FROM core_owedrun), (SELECT COUNT(*) FROM core_finding), "
                "(SELECT array_agg(query) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL)").fetchone()
            return bool(owed and not findings and writers) and not any(
                q.lstrip().upper().startswith(("VACUUM", "ANALYZE")) for q in writers)
        if not db.writer_in_transaction():
            return False
        if (not db.query("SELECT COUNT(*) FROM core_owedrun")[0][0]
                or db.query("SELECT COUNT(*) FROM core_finding")[0][0]):
            return False
        if not db.query("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")[0][0]:
            return False
        stat = db.query("SELECT stat FROM sqlite_stat1 WHERE tbl = 'orgs_org' LIMIT 1")
        return bool(stat) and int(stat[0][0].split()[0]) > 0

    try:
        return _kill_when(proc, db, in_the_run, timeout)
    finally:
        if db.vendor == "postgresql":
            con.close()


def _kill_when(proc, db: kit.FaultDB, in_the_run, timeout: float) -> kit.Kill:
    started = time.monotonic()
    while True:
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"进程在导入后的判断中被捕获之前就结束了（{proc.returncode}）：{out}\n{err}")
        if time.monotonic() - started > timeout:
            proc.kill()
            raise AssertionError("等待导入后的判断超时")
        if in_the_run():
            os.kill(proc.pid, signal.SIGSTOP)
            if in_the_run():
                waited = time.monotonic() - started
                os.kill(proc.pid, signal.SIGKILL)
                proc.communicate()
                if db.vendor == "postgresql":
                    deadline = time.monotonic() + 10
                    while db.writer_in_transaction() and time.monotonic() < deadline:
                        time.sleep(0.05)
                return kit.Kill(waited, 0, proc.returncode)
            os.kill(proc.pid, signal.SIGCONT)
        time.sleep(0.002)


def test_kill_9_after_an_import_commits_leaves_the_run_owed_and_the_worker_does_it(fault_db, tmp_path):
    """A gunicorn timeout (or kill -9) after the import committed, while the same process judges what it imported:
    the data stays, and so does the marker written with it (core.owed); the worker's job judges it and clears the
    marker, ending with the findings of an import that was never interrupted."""
    _, path = djx_file(tmp_path, 10)
    reference = None
    if not PG:
        ref = kit.copy_sqlite(fault_db, tmp_path / "reference")
        kit.run(["import", path], ref.env())
        reference = ref.findings()
        assert reference and ref.query("SELECT COUNT(*) FROM core_owedrun")[0][0] == 0
    before = fault_db.counts()

    proc = kit.start(["import", path], fault_db.env())
    killed = kill_inside_the_run_after_the_commit(proc, fault_db)
    assert killed.returncode == -signal.SIGKILL
    assert fault_db.integrity() == "ok"
    assert fault_db.counts()["orgs_org"] > before["orgs_org"], "导入已提交的数据不应丢失"
    assert fault_db.findings() == [], "应在导入后的判断提交之前中断"
    (reason, org_ids), = fault_db.query("SELECT reason, org_ids FROM core_owedrun")
    assert reason.startswith("导入 DJX 文件") and (json.loads(org_ids) if isinstance(org_ids, str) else org_ids)

    out = kit.run(["shell", "-c", "from dangjian.core import owed; print('RUNS', owed.evaluate_owed())"],
                  fault_db.env()).stdout
    assert "RUNS 1" in out
    assert fault_db.query("SELECT COUNT(*) FROM core_owedrun")[0][0] == 0
    if reference is not None:
        assert fault_db.findings() == reference, "补做的判断应与未中断的导入结果相同"
    else:       # (PostgreSQL: judging the same data again in the import's own way changes nothing)
        judged = fault_db.findings()
        assert judged
        kit.run(["import", path], fault_db.env())
        assert fault_db.findings() == judged


def test_kill_9_in_the_middle_of_a_full_evaluation_keeps_the_old_findings_and_the_rerun_repairs(evaluated):
    db, reference = evaluated
    old = db.findings()
    proc = kit.start(["evaluate", "--as-of", NEW_DAY], db.env())
    killed = kit.kill_inside_write(proc, db)
    assert killed.returncode == -signal.SIGKILL

    assert db.integrity() == "ok"
    assert db.findings() == old, "被中断的判断留下了一半的预警"

    kit.run(["evaluate", "--as-of", NEW_DAY], db.env())
    if reference is not None:
        assert db.findings() == reference   # the same as a run that was never interrupted
    again = kit.run(["evaluate", "--as-of", NEW_DAY], db.env()).stdout
    assert "新增 0，重新打开 0" in again and "自动消除 0" in again


@pytest.mark.slow   # two Huey consumers start (about 12 s)
def test_a_worker_killed_in_the_middle_of_the_background_job_does_the_work_after_restart(evaluated):
    """A web request asked for a background judgement (tasks.defer); the worker dies inside the job's write
    transaction (deploy restart, OOM killer). Huey has already taken the job's message off the queue: the worker
    that starts next (`run_huey`, which flushes the dead worker's locks) must still do that work."""
    db, reference = evaluated
    old = db.findings()
    prod = db.env(testing=False)
    kit.run(["shell", "-c", "import datetime as dt; from dangjian.core import engine, tasks; "
             f"tasks.defer([r.id for r in engine.registry], None, dt.date.fromisoformat('{NEW_DAY}'))"], prod)
    worker = kit.start(["run_huey", "-w", "1", "-f"], prod)
    killed = kit.kill_inside_write(worker, db)
    assert killed.returncode == -signal.SIGKILL
    assert db.integrity() == "ok"
    assert db.findings() == old

    worker = kit.start(["run_huey", "-w", "1", "-f"], prod)
    try:
        deadline = time.monotonic() + 120     # (a loaded 2-core CI machine: the worker starts and judges slowly)
        while time.monotonic() < deadline:
            now = db.findings()
            if now != old and not db.writer_in_transaction():
                break
            time.sleep(0.2)
        time.sleep(0.5)
        assert db.findings() != old, "重启后的后台任务没有完成被中断的判断"
        if reference is not None:
            assert db.findings() == reference
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.communicate(timeout=15)
        except Exception:
            worker.kill()
            worker.communicate()


# --- 2. the database goes away ----------------------------------------------------------------------------
@pytest.fixture
def database_down(monkeypatch):
    """While inside: every new query fails as with a stopped server (connection refused)."""
    import contextlib

    from django.db import OperationalError
    from django.db.backends.base.base import BaseDatabaseWrapper

    def refused(self):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    @contextlib.contextmanager
    def down():
        with monkeypatch.context() as m:
            m.setattr(BaseDatabaseWrapper, "ensure_connection", refused)
            yield

    return down


def test_secretary_sees_a_chinese_503_page_with_the_request_id_while_the_database_is_down(
        client_as, users, database_down):
    from django.urls import reverse

    c = client_as(users.secretary_a)
    c.raise_request_exception = False     # (as in production: the handler answers, the client does not re-raise)
    for url in (reverse("home"), reverse("orgs:org_list")):
        assert c.get(url).status_code == 200
        with database_down():
            r = c.get(url)
        assert r.status_code == 503, url
        page = r.content.decode()
        assert "数据库暂时不可用或繁忙，请稍后重试" in page and r["X-Request-ID"] in page
        # (also SQLite's lock contention: the page names a busy database, not only a restart or maintenance)
        assert "正忙" in page.split("<p>")[1] and "重启" in page.split("<p>")[1]
        assert "Traceback" not in page and "OperationalError" not in page
        # The work may have committed before a later step failed (saving the session): check before resubmitting.
        assert "没有完成" not in page and "查看是否已经保存" in page
        assert r["Retry-After"]
        assert c.get(url).status_code == 200, "数据库恢复后的下一个请求应当成功"


def test_api_client_and_health_probe_get_a_json_503_in_chinese(client_as, users, database_down):
    c = client_as(users.secretary_a)
    c.raise_request_exception = False
    with database_down():
        api, health = c.get("/api/orgs/"), c.get("/healthz")
    for r in (api, health):
        assert r.status_code == 503
        body = r.json()
        assert body["detail"].startswith("数据库暂时不可用或繁忙") and body["request_id"] == r["X-Request-ID"]
    assert c.get("/api/orgs/").status_code == 200 and c.get("/healthz").status_code == 200


def test_only_a_lost_database_counts_as_down_a_bad_query_stays_an_ordinary_error():
    from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, ProgrammingError
    from psycopg import errors as pg

    from dangjian.core.dbdown import is_unavailable

    def wrapped(cause):     # as Django wraps a psycopg error
        e = OperationalError(str(cause))
        e.__cause__ = cause
        return e

    assert is_unavailable(OperationalError("connection refused"))
    assert is_unavailable(InterfaceError("connection already closed"))
    assert is_unavailable(DatabaseError("server closed the connection unexpectedly"))
    assert is_unavailable(OperationalError("database is locked"))
    assert is_unavailable(OperationalError("unable to open database file"))
    assert is_unavailable(OperationalError("disk I/O error"))
    assert is_unavailable(wrapped(pg.AdminShutdown("terminating connection due to administrator command")))
    assert is_unavailable(wrapped(pg.CannotConnectNow("the database system is starting up")))
    assert is_unavailable(wrapped(pg.ConnectionFailure("connection failure")))          # class 08
    assert not is_unavailable(IntegrityError("UNIQUE constraint failed"))
    assert not is_unavailable(ProgrammingError("relation does not exist"))
    # OperationalErrors that are bugs or load, not a lost database: they keep their traceback and their 500
    assert not is_unavailable(OperationalError("no such table: orgs_nothing"))
    assert not is_unavailable(OperationalError("no such column: no_such_column"))
    assert not is_unavailable(OperationalError('near "SELEC": syntax error'))
    assert not is_unavailable(OperationalError("too many SQL variables"))
    assert not is_unavailable(wrapped(pg.QueryCanceled("canceling statement due to statement timeout")))
    assert not is_unavailable(wrapped(pg.DeadlockDetected("deadlock detected")))


def test_a_query_bug_is_a_500_with_its_traceback_never_the_503_page(client_as, users, settings, caplog):
    """"no such column" is an OperationalError on SQLite: it is a bug in the code, and must be seen as one."""
    settings.ROOT_URLCONF = "dangjian.core.tests.fault_scripts.broken_urls"
    c = client_as(users.secretary_a)
    c.raise_request_exception = False
    r = c.get("/fault-tests/no-such-column/")
    assert r.status_code == 500
    assert "数据库暂时不可用" not in r.content.decode()
    assert any(rec.exc_info and "no_such_column" in str(rec.exc_info[1]) for rec in caplog.records)


def test_a_lost_database_is_logged_with_its_traceback(client_as, users, database_down, caplog):
    c = client_as(users.secretary_a)
    c.raise_request_exception = False
    with database_down():
        assert c.get("/api/orgs/").status_code == 503
    assert any(rec.name == "dangjian.core.dbdown" and rec.exc_info for rec in caplog.records)


@pytest.mark.slow   # its own PostgreSQL server and a gunicorn (about 15 s)
def test_a_real_postgresql_restart_gives_the_503_page_then_the_next_request_succeeds(tmp_path):
    """A live gunicorn keeps its connection (CONN_MAX_AGE=600) to a PostgreSQL server that is stopped and started
    again: in between, pages get the Chinese 503 page and the health probe a JSON 503; afterwards the dead kept
    connection is noticed (CONN_HEALTH_CHECKS) and the next request succeeds."""
    if kit.pg_bin() is None:
        if os.environ.get("CI") and PG:
            pytest.fail("CI 的 PostgreSQL 测试需要 /usr/lib/postgresql/*/bin（scripts/ensure-debian-packages.sh postgresql）")
        pytest.skip("没有 PostgreSQL 程序（/usr/lib/postgresql/*/bin）")
    pg = kit.PgServer().init()
    server = None
    try:
        env = kit.base_env(tmp_path / "var", pg.url, testing=False)
        env["CONN_MAX_AGE"] = "600"
        kit.run(["migrate", "sessions", "-v0"], env)      # (the session table: a page that reads the database)
        port = kit.free_port()
        server = kit.gunicorn(env, port)
        base = f"http://127.0.0.1:{port}"
        cookie = "sessionid=thereisnosuchsession0123456789ab"   # makes the page load a session from the database
        assert kit.http(f"{base}/healthz")[0] == 200
        assert kit.http(f"{base}/", cookie=cookie)[0] == 302      # (no such session: off to the login page)

        pg.stop()
        status, headers, body = kit.http(f"{base}/", cookie=cookie)
        assert status == 503, body[:500]
        assert "数据库暂时不可用或繁忙，请稍后重试" in body and headers["X-Request-ID"] in body
        assert "Traceback" not in body and "OperationalError" not in body
        status, headers, body = kit.http(f"{base}/healthz")
        assert status == 503 and json.loads(body)["detail"].startswith("数据库暂时不可用或繁忙")

        pg.start()
        assert kit.http(f"{base}/healthz")[0] == 200, "数据库恢复后的第一个请求应当成功"
        assert kit.http(f"{base}/", cookie=cookie)[0] == 302
    finally:
        if server is not None:
            kit.stop_process(server)
        pg.destroy()


# --- 3. the disk fills up during an attachment upload -----------------------------------------------------
@pytest.fixture
def full_media(settings, tmp_path, monkeypatch):
    """MEDIA_ROOT on a real 256 KiB tmpfs when this process may mount one (root); otherwise a file system that
    accepts the first 64 KiB of a file and then answers ENOSPC. `.kind` says which."""
    import errno
    import shutil
    import subprocess
    from pathlib import Path

    media = tmp_path / "media"
    media.mkdir()
    mounted = os.geteuid() == 0 and shutil.which("mount") is not None and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", str(media)], capture_output=True).returncode == 0
    settings.MEDIA_ROOT = str(media)
    if mounted:
        kind = "tmpfs"
    else:
        kind = "injected"
        real_fdopen = os.fdopen

        class FillsUp:
            def __init__(self, f):
                self.f, self.written = f, 0

            def write(self, data):
                if self.written + len(data) > 64 * 1024:
                    raise OSError(errno.ENOSPC, "No space left on device")
                self.written += len(data)
                return self.f.write(data)

            def __getattr__(self, name):
                return getattr(self.f, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.f.close()

        monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: FillsUp(real_fdopen(fd, *a, **k)))

    class Media:
        pass

    m = Media()
    m.path, m.kind = Path(media), kind
    yield m
    if mounted:
        subprocess.run(["umount", str(media)], check=False)


def test_an_upload_that_fills_the_disk_says_so_in_chinese_and_leaves_nothing_half_written(
        full_media, tree, people, users, client_as):
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from dangjian.orglife.actions import do_record_meeting
    from dangjian.orglife.models import MeetingAttachment

    meeting = do_record_meeting(org=tree.a, type="theme_day", date=dt.date(2025, 6, 28), topic="六月主题党日",
                                present=[people.secretary_a, people.member_a], acting_user=users.secretary_a)
    small = SimpleUploadedFile("签到表.pdf", b"%PDF-1.4\n" + b"1" * 1000, content_type="application/pdf")
    scan = SimpleUploadedFile("会议记录扫描件.pdf", b"%PDF-1.4\n" + os.urandom(600 * 1024), content_type="application/pdf")
    client = client_as(users.secretary_a)
    r = client.post(reverse("orglife:meeting_attachment_upload", kwargs={"pk": meeting.pk}),
                    {"files": [small, scan]}, follow=True)

    assert r.status_code == 200, f"磁盘已满时不应出现服务器错误（{full_media.kind}）"
    page = r.content.decode()
    assert "存储空间不足" in page and "未保存任何文件" in page
    assert not MeetingAttachment.objects.filter(meeting=meeting).exists()
    left = [p for p in full_media.path.rglob("*") if p.is_file()]
    assert left == [], f"留下了写了一半的文件：{left}"


@pytest.fixture
def full_upload_temp_dir(settings, tmp_path, monkeypatch):
    """FILE_UPLOAD_TEMP_DIR (where Django spools an upload over FILE_UPLOAD_MAX_MEMORY_SIZE while it parses the
    request) on a real 1 MiB tmpfs when this process may mount one; otherwise the spooling answers ENOSPC after
    1 MiB."""
    import errno
    import shutil
    import subprocess

    from django.core.files import uploadhandler

    tmp = tmp_path / "upload-tmp"
    tmp.mkdir()
    mounted = os.geteuid() == 0 and shutil.which("mount") is not None and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(tmp)], capture_output=True).returncode == 0
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    if not mounted:
        real = uploadhandler.TemporaryFileUploadHandler.receive_data_chunk

        def fills_up(self, raw_data, start):
            if start + len(raw_data) > 1024 * 1024:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real(self, raw_data, start)

        monkeypatch.setattr(uploadhandler.TemporaryFileUploadHandler, "receive_data_chunk", fills_up)
    yield tmp
    if mounted:
        subprocess.run(["umount", "-l", str(tmp)], check=False)   # (lazy: the aborted upload may hold a file open)


def test_a_large_scan_that_fills_the_upload_temp_dir_gets_the_storage_full_page_not_a_500(
        full_upload_temp_dir, tree, people, users, client_as):
    """A 6 MiB scan spools to FILE_UPLOAD_TEMP_DIR while Django parses the request (before the view runs): the
    disk fills up there. The secretary gets the Chinese 存储空间不足 page (507); an htmx or API client JSON."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from dangjian.orglife.actions import do_record_meeting
    from dangjian.orglife.models import MeetingAttachment

    meeting = do_record_meeting(org=tree.a, type="theme_day", date=dt.date(2025, 6, 28), topic="六月主题党日",
                                present=[people.secretary_a], acting_user=users.secretary_a)
    url = reverse("orglife:meeting_attachment_upload", kwargs={"pk": meeting.pk})
    scan = b"%PDF-1.4\n" + os.urandom(6 * 1024 * 1024)
    c = client_as(users.secretary_a)
    c.raise_request_exception = False     # (as in production)
    r = c.post(url, {"files": [SimpleUploadedFile("会议记录扫描件.pdf", scan, content_type="application/pdf")]})
    assert r.status_code == 507
    page = r.content.decode()
    assert "存储空间不足" in page and r["X-Request-ID"] in page and "Traceback" not in page
    r = c.post(url, {"files": [SimpleUploadedFile("会议记录扫描件.pdf", scan, content_type="application/pdf")]},
               HTTP_HX_REQUEST="true")
    assert r.status_code == 507 and r.json()["detail"].startswith("存储空间不足")
    assert not MeetingAttachment.objects.filter(meeting=meeting).exists()


# --- 4. web and worker writing one SQLite file at once ----------------------------------------------------
LOAD_SECONDS = float(os.environ.get("FAULTS_LOAD_SECONDS", "20"))


@pytest.mark.slow   # a 20-second load (FAULTS_LOAD_SECONDS) against gunicorn, with evaluations running beside it
@pytest.mark.skipif(PG, reason="SQLite's single writer is what this measures; PostgreSQL has row locks")
def test_secretaries_saving_meetings_while_the_worker_evaluates_never_meet_database_is_locked(
        sqlite_judged, tmp_path):
    """Four secretaries each save a meeting about every 0.5 s through the API of a gunicorn (2 processes × 2
    threads) for 20 s, while full evaluations (`dangjian evaluate`) and dashboard rebuilds (`dangjian rollups
    --rebuild`) run back to back in other processes on the same SQLite file: no request fails, nothing says
    "database is locked"."""
    import statistics
    import threading

    import requests

    db = kit.sqlite_db(sqlite_judged[0], tmp_path / "var")
    env = db.env()
    import subprocess

    script = (kit.ROOT / "dangjian" / "core" / "tests" / "fault_scripts" / "secretaries.py").read_text()
    p = subprocess.run([kit.DANGJIAN, "shell"], input=script, env=env, cwd=kit.ROOT, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    secretaries = json.loads(p.stdout.split("SECRETARIES=", 1)[1])
    port = kit.free_port()
    server = kit.gunicorn(env, port, workers=2, threads=2)
    base = f"http://127.0.0.1:{port}"
    results: list[tuple[int, float, str]] = []       # (status, seconds, body if failed)
    worker_runs: list[tuple[str, int, float, str]] = []
    stop = threading.Event()

    def secretary(i, who):
        s = requests.Session()
        s.auth = (who["user"], "Dangjian2026!")
        n = 0
        while not stop.is_set():
            n += 1
            day = f"2025-{1 + (n // 28) % 12:02d}-{1 + n % 28:02d}"
            body = {"org": who["org"], "type": "theme_day", "date": day, "place": "会议室",
                    "topic": f"第{n}次主题党日（{who['user']}）", "present": who["people"][:12]}
            t = time.monotonic()
            try:
                r = s.post(f"{base}/api/meetings/", json=body, timeout=60)
                status, text = r.status_code, ("" if r.status_code < 400 else r.text[:300])
            except requests.RequestException as e:
                status, text = 599, str(e)
            results.append((status, time.monotonic() - t, text))
            stop.wait(max(0.0, 0.5 - (time.monotonic() - t)))

    def worker(args):
        while not stop.is_set():
            t = time.monotonic()
            p = subprocess.run([kit.DANGJIAN, *args], env=env, cwd=kit.ROOT, capture_output=True, text=True,
                               timeout=300)
            worker_runs.append((args[0], p.returncode, time.monotonic() - t, p.stderr[-500:]))

    threads = [threading.Thread(target=secretary, args=(i, w)) for i, w in enumerate(secretaries)]
    threads += [threading.Thread(target=worker, args=(["evaluate", "--as-of", NEW_DAY],)),
                threading.Thread(target=worker, args=(["rollups", "--rebuild"],))]
    try:
        for t in threads:
            t.start()
        time.sleep(LOAD_SECONDS)
        stop.set()
        for t in threads:
            t.join(timeout=300)
    finally:
        stop.set()
        kit.stop_process(server)
        server_log = server.stderr.read() if server.stderr else ""

    failed = [r for r in results if r[0] >= 400]
    waits = sorted(r[1] for r in results)
    figures = {"requests": len(results), "failed": len(failed), "p50_s": round(statistics.median(waits), 3),
               "max_s": round(waits[-1], 3), "evaluations": sum(1 for r in worker_runs if r[0] == "evaluate"),
               "rebuilds": sum(1 for r in worker_runs if r[0] == "rollups"),
               "worker_max_s": round(max(r[2] for r in worker_runs), 2)}
    print("FAULTS-LOAD", json.dumps(figures))
    assert not failed, f"{len(failed)} 个请求失败：{failed[:3]}"
    assert all(r[1] == 0 for r in worker_runs), [r for r in worker_runs if r[1]]
    assert "database is locked" not in server_log + "".join(r[3] for r in worker_runs)
    assert figures["evaluations"] >= 1 and figures["rebuilds"] >= 1
    # Well inside the busy timeout (60 s by default; 18 s waits were seen at load average 18 on 2 cores): a wait
    # near it would be a "database is locked" on a slower day.
    busy = float(env.get("SQLITE_BUSY_TIMEOUT", "60"))
    assert figures["max_s"] < 0.75 * busy, f"最长等待 {figures['max_s']} s，接近 SQLite 的 {busy} s 忙等待上限"
    # The load really ran beside the worker (2 saves a second each when idle; the 2-core CI machine gives less).
    assert len(results) >= 8 and figures["requests"] - figures["failed"] >= 8


# --- 5. the background job's batch: kept through the night, a lost database, a poison batch, two workers ------------
@pytest.fixture
def job(monkeypatch):
    """The background job's storage emptied, and `engine.run` recorded (`job.runs`, as-of dates) instead of run;
    `job.fail` (day → exception) makes the run of that day fail."""
    from huey.contrib.djhuey import HUEY

    from dangjian.core import engine, tasks

    class Job:
        runs: list = []
        fail: dict = {}

    j = Job()
    j.runs, j.fail = [], {}

    def run(as_of, org_ids=None, rule_ids=None, **kw):
        j.runs.append(as_of.isoformat())
        if as_of.isoformat() in j.fail:
            raise j.fail[as_of.isoformat()]

    def reset():
        tasks.clear_pending()
        HUEY.get(tasks.LOCK.key)
        HUEY.storage.flush_schedule()

    reset()
    monkeypatch.setattr(engine, "run", run)
    yield j
    reset()


def batch(*days):
    return {d: {"rules": ["TXT-01"], "orgs": [1]} for d in days}


def test_the_nightly_run_also_drops_a_dead_jobs_batch_of_an_earlier_day(job):
    """A job died judging 1 January's batch; the night of 2 January judges everything as of 2 January: the old
    batch must not be judged afterwards as of 1 January (it would reopen what the night's run cleared)."""
    from huey.contrib.djhuey import HUEY

    from dangjian.core import tasks

    HUEY.put(tasks.INFLIGHT, {"batch": batch("2026-01-01", "2026-01-02"), "attempts": 0})
    tasks.drop_pending_before(dt.date(2026, 1, 2))
    tasks.drain()
    assert job.runs == ["2026-01-02"]
    HUEY.put(tasks.INFLIGHT, batch("2026-01-01"))      # (as an earlier version stored it)
    tasks.drop_pending_before(dt.date(2026, 1, 2))
    assert tasks.drain() == 0 and job.runs == ["2026-01-02"]


def test_a_batch_that_meets_a_lost_database_goes_back_to_pending_and_is_retried_later(job, monkeypatch):
    from django.db import OperationalError
    from huey.contrib.djhuey import HUEY

    from dangjian.core import tasks

    monkeypatch.setattr(HUEY, "_immediate", False)     # a worker's queue (immediate mode skips delayed jobs)
    job.fail["2026-03-31"] = OperationalError('connection to server at "127.0.0.1", port 5432 failed: '
                                              'Connection refused')
    HUEY.put(tasks.PENDING, batch("2026-03-30", "2026-03-31", "2026-04-01"))
    tasks.drain()
    assert job.runs == ["2026-03-30", "2026-03-31"]
    assert sorted(tasks.pending()) == ["2026-03-31", "2026-04-01"], "数据库中断时未判断的批次丢失了"
    assert not HUEY.storage.has_data_for_key(tasks.INFLIGHT)
    retries = [t for t in HUEY.pending() + HUEY.scheduled() if t.name.endswith("judge_background_rules")]
    HUEY.storage.flush_queue()
    assert len(retries) == 1 and retries[0].eta is not None
    # The database is back: the retry judges them.
    job.fail.clear()
    tasks.drain()
    assert job.runs[2:] == ["2026-03-31", "2026-04-01"] and tasks.pending() == {}


def test_a_query_bug_in_the_job_is_logged_and_not_retried_for_ever(job):
    from django.db import OperationalError
    from huey.contrib.djhuey import HUEY

    from dangjian.core import tasks

    job.fail["2026-03-31"] = OperationalError("no such column: x")
    HUEY.put(tasks.PENDING, batch("2026-03-31"))
    tasks.drain()
    assert tasks.pending() == {} and not HUEY.scheduled()


def test_a_batch_that_kills_its_worker_every_time_is_dropped_after_three_resumes(job, caplog):
    from huey.contrib.djhuey import HUEY

    from dangjian.core import tasks

    HUEY.put(tasks.INFLIGHT, {"batch": batch("2026-03-31"), "attempts": 0})

    class Killed(BaseException):       # (the worker dies inside engine.run: nothing after it runs)
        pass

    job.fail["2026-03-31"] = Killed()
    for resume in (1, 2, 3):
        with pytest.raises(Killed):
            tasks.drain()
        HUEY.get(tasks.LOCK.key)        # (the dead worker's lease: gone with it)
        assert HUEY.get(tasks.INFLIGHT, peek=True)["attempts"] == resume
    assert tasks.drain() == 0           # the fourth time: dropped, with an error for the administrator
    assert len(job.runs) == 3 and not HUEY.storage.has_data_for_key(tasks.INFLIGHT)
    assert any(r.levelname == "ERROR" and "不再重试" in r.getMessage() for r in caplog.records)


def test_a_restarting_consumer_does_not_take_a_live_workers_batch(job, monkeypatch):
    """Two workers (a Redis queue): B is judging; A restarts (`run_huey -f` flushes every Huey lock) and its resume
    job runs. A must neither judge B's batch in flight nor take the job from B."""
    import threading

    from huey.contrib.djhuey import HUEY

    from dangjian.core import engine, tasks

    started, release = threading.Event(), threading.Event()

    def run(as_of, **kw):
        job.runs.append((threading.current_thread().name, as_of.isoformat()))
        if threading.current_thread().name == "B":
            started.set()
            release.wait(10)

    monkeypatch.setattr(engine, "run", run)
    HUEY.put(tasks.PENDING, batch("2026-03-31"))
    b = threading.Thread(target=tasks.drain, name="B")
    b.start()
    try:
        assert started.wait(5)
        HUEY.flush_locks()              # worker A restarts with -f while B is judging
        tasks.resume_after_restart()
        assert tasks.drain() == 0       # (A's resume job)
        assert HUEY.get(tasks.INFLIGHT, peek=True)["batch"] == batch("2026-03-31")
    finally:
        release.set()
        b.join()
    assert job.runs == [("B", "2026-03-31")]


def test_a_dead_workers_lease_is_free_at_once_on_its_host_and_after_the_ttl_elsewhere(job):
    import subprocess
    import sys

    from huey.contrib.djhuey import HUEY

    from dangjian.core import tasks

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lease = {"token": "x", "host": __import__("socket").gethostname(), "pid": int(dead.stdout), "process": "p",
             "expires": time.time() + 100}
    HUEY.put(tasks.LOCK.key, lease)
    HUEY.put(tasks.INFLIGHT, {"batch": batch("2026-03-31"), "attempts": 0})
    assert tasks.drain() == 1           # its pid is gone: taken over at once
    HUEY.put(tasks.LOCK.key, dict(lease, host="another-machine"))
    HUEY.put(tasks.INFLIGHT, {"batch": batch("2026-03-31"), "attempts": 0})
    assert tasks.drain() == 0           # another machine's worker may be alive: its heartbeat decides
    HUEY.put(tasks.LOCK.key, dict(lease, host="another-machine", expires=time.time() - 1))
    assert tasks.drain() == 1


def test_the_running_job_renews_its_lease(job, monkeypatch):
    from dangjian.core import engine, tasks

    monkeypatch.setattr(tasks, "HEARTBEAT", 0.05)
    monkeypatch.setattr(tasks, "LEASE_TTL", 0.2)
    seen = []

    def run(**kw):
        first = tasks.LOCK.holder()["expires"]
        time.sleep(0.5)                  # longer than the TTL: only the heartbeat keeps the lease alive
        seen.append((first, tasks.LOCK.holder()["expires"], tasks.Lease.alive(tasks.LOCK.holder())))

    monkeypatch.setattr(engine, "run", run)
    tasks.HUEY.put(tasks.PENDING, batch("2026-03-31"))
    tasks.drain()
    (first, later, alive), = seen
    assert later > first and alive


def test_a_worker_killed_during_the_rollups_rebuild_does_it_after_restart(db, monkeypatch):
    """The dashboards' rebuild (minutes at province scale) is asked for after a full run commits; a worker killed in
    the middle must not lose the request: the next worker to start rebuilds."""
    from huey.contrib.djhuey import HUEY

    from dangjian.dashboards import rollups
    from dangjian.dashboards import tasks as rollup_tasks

    calls = []

    class Killed(BaseException):
        pass

    def rebuild(as_of=None):
        calls.append(as_of)
        if len(calls) == 1:
            raise Killed()
        return {}

    monkeypatch.setattr(rollups, "rebuild", rebuild)
    for key in (rollup_tasks.REQUESTED, rollup_tasks.INFLIGHT, rollup_tasks.LOCK.key):
        HUEY.get(key)
    with pytest.raises(Killed):
        rollup_tasks.ask(dt.date(2026, 3, 31))
    HUEY.get(rollup_tasks.LOCK.key)          # (the dead worker's lease went with it)
    assert calls == [dt.date(2026, 3, 31)]
    rollup_tasks.resume_after_restart()      # a worker starts
    assert calls == [dt.date(2026, 3, 31)] * 2, "重启后没有重建被中断的汇总"
    assert not HUEY.storage.has_data_for_key(rollup_tasks.INFLIGHT)


def test_both_resume_hooks_run_when_a_worker_starts():
    """Huey keys startup hooks by name: two hooks both called resume_after_restart would leave only one."""
    from huey.contrib.djhuey import HUEY

    from dangjian.core import tasks
    from dangjian.dashboards import tasks as rollup_tasks

    hooks = set(HUEY._startup.values())
    assert tasks.resume_after_restart in hooks and rollup_tasks.resume_after_restart in hooks
