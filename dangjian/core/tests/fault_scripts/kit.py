"""A database shared with `dangjian` subprocesses, and `kill_inside_write()`.

SQLite: a migrated template file (made once per session) copied into each test's own DANGJIAN_VAR_DIR.
PostgreSQL (the CI's second pass, DATABASE_URL=postgres…): the test database itself, with the test in
`transactional_db` mode so that the subprocess sees committed rows and the database is emptied afterwards.

`kill_inside_write(proc, db)` waits until the process holds a write transaction (SQLite: the database's write lock
is taken — `BEGIN IMMEDIATE` on another connection fails at once; PostgreSQL: its backend has a transaction id,
i.e. has written), freezes it with SIGSTOP, checks that it is *still* inside that transaction (a stopped process
cannot commit), then SIGKILLs it. No hook in the application is needed to hit the middle of a transaction."""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
DANGJIAN = str(ROOT / ".venv" / "bin" / "dangjian")
SECRET = "fault-tests-secret-key-0123456789-abcdefghijklmnop"


def base_env(var_dir: Path, database_url: str | None, *, testing: bool = True) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DANGJIAN_TESTING", "DJANGO_DEBUG", "DANGJIAN_TEST_DB",
                        "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST")}
    Path(var_dir).mkdir(parents=True, exist_ok=True)
    env.update(DANGJIAN_VAR_DIR=str(var_dir), SECRET_KEY=SECRET, PYTHONUNBUFFERED="1", LOG_LEVEL="WARNING")
    if testing:
        env["DANGJIAN_TESTING"] = "1"
    else:   # production settings (Huey queued, not immediate) on loopback
        env.update(ALLOWED_HOSTS="127.0.0.1,localhost", SECURE_COOKIES="0", SECURE_SSL_REDIRECT="0")
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@dataclass
class FaultDB:
    var_dir: Path
    database_url: str | None = None       # None: SQLite file var_dir/dangjian.sqlite3
    pg_name: str = ""
    _pg: object = field(default=None, repr=False)

    @property
    def sqlite_path(self) -> Path:
        return self.var_dir / "dangjian.sqlite3"

    @property
    def vendor(self) -> str:
        return "sqlite" if self.database_url is None else "postgresql"

    def env(self, *, testing: bool = True) -> dict:
        return base_env(self.var_dir, self.database_url, testing=testing)

    # --- reading from outside the application ------------------------------------------------
    def query(self, sql: str, params=()):
        if self.vendor == "sqlite":
            con = sqlite3.connect(self.sqlite_path, timeout=20)
            try:
                return con.execute(sql, params).fetchall()
            finally:
                con.close()
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as con:
            return con.execute(sql.replace("?", "%s"), params).fetchall()

    def tables(self) -> list[str]:
        if self.vendor == "sqlite":
            rows = self.query("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        else:
            rows = self.query("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        return sorted(r[0] for r in rows if r[0] not in ("django_session", "django_migrations"))

    def counts(self) -> dict[str, int]:
        return {t: self.query(f'SELECT COUNT(*) FROM "{t}"')[0][0] for t in self.tables()}

    def findings(self) -> list[tuple]:
        return self.query("SELECT rule_id, subject_kind, subject_id, period, state, severity, message, org_id "
                          "FROM core_finding ORDER BY rule_id, subject_kind, subject_id, period")

    def integrity(self) -> str:
        if self.vendor == "sqlite":
            return self.query("PRAGMA integrity_check")[0][0]
        # PostgreSQL recovers by WAL replay; what a client sees is whether the tables answer.
        self.counts()
        return "ok"

    def writer_in_transaction(self) -> bool:
        """Some other connection holds an open write transaction."""
        if self.vendor == "sqlite":
            con = sqlite3.connect(self.sqlite_path, timeout=0, isolation_level=None)
            try:
                con.execute("BEGIN IMMEDIATE")
                con.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError as e:
                if "locked" in str(e) or "busy" in str(e):
                    return True
                raise
            finally:
                con.close()
        rows = self.query("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                          "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL")
        return rows[0][0] > 0

    def wal_bytes(self) -> int:
        wal = Path(str(self.sqlite_path) + "-wal")
        return wal.stat().st_size if wal.exists() else 0


def make_template(dir_: Path) -> Path:
    """A migrated SQLite database (about 9 s), made once and copied for each test."""
    dir_.mkdir(parents=True, exist_ok=True)
    run(["migrate", "-v0"], base_env(dir_, None))
    con = sqlite3.connect(dir_ / "dangjian.sqlite3")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return dir_ / "dangjian.sqlite3"


def sqlite_db(source: Path, var_dir: Path) -> FaultDB:
    """A consistent copy of the SQLite file `source` (the online backup API: WAL content included)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(var_dir / "dangjian.sqlite3")
    src.backup(dst)
    src.close(), dst.close()
    return FaultDB(var_dir)


def copy_sqlite(db: FaultDB, var_dir: Path) -> FaultDB:
    return sqlite_db(db.sqlite_path, var_dir)


def run(args: list[str], env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    p = subprocess.run([DANGJIAN, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"dangjian {' '.join(args)} 失败（{p.returncode}）：\n{p.stdout}\n{p.stderr}")
    return p


def start(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([DANGJIAN, *args], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@dataclass
class Kill:
    waited: float         # seconds from start until the write transaction was caught
    wal_bytes: int        # SQLite: uncommitted WAL bytes on disk when killed (0 on PostgreSQL)
    returncode: int


def kill_inside_write(proc: subprocess.Popen, db: FaultDB, *, min_wal: int = 0, timeout: float = 60) -> Kill:
    """SIGKILL `proc` while it is inside a write transaction (see the module docstring). `min_wal`: on SQLite,
    also wait until that many bytes of the uncommitted transaction have spilled into the WAL file (rows really on
    disk, not only in the process's page cache). Fails if the process finishes first."""
    started = time.monotonic()
    while True:
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"进程在写事务中被捕获之前就结束了（{proc.returncode}）：{out}\n{err}")
        if time.monotonic() - started > timeout:
            proc.kill()
            raise AssertionError("等待写事务超时")
        if db.writer_in_transaction() and (db.vendor != "sqlite" or db.wal_bytes() >= min_wal):
            os.kill(proc.pid, signal.SIGSTOP)
            # Stopped, it cannot commit: if the transaction is still open now, the kill lands inside it.
            if db.writer_in_transaction():
                waited = time.monotonic() - started
                wal = db.wal_bytes() if db.vendor == "sqlite" else 0
                os.kill(proc.pid, signal.SIGKILL)
                proc.communicate()
                if db.vendor == "postgresql":   # the server notices the closed socket and rolls back
                    deadline = time.monotonic() + 10
                    while db.writer_in_transaction() and time.monotonic() < deadline:
                        time.sleep(0.05)
                return Kill(waited, wal, proc.returncode)
            os.kill(proc.pid, signal.SIGCONT)   # it committed between the two looks: catch the next one
        time.sleep(0.002)


# --- a throwaway PostgreSQL server and a live app server ---------------------------------------------------
def pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """A PostgreSQL instance of its own in a temporary directory on a free loopback port (as user postgres when
    run as root: initdb refuses root)."""

    def __init__(self):
        import tempfile

        self.bin = pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="dangjian-faults-pg-"))
        self.port = free_port()
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")

    def _pg(self, *args, check=True):
        cmd = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=120)

    def init(self):
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8")
        self.start()
        self._pg("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "dangjian")
        return self

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/dangjian"

    def start(self):
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-o",
                 f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self, mode: str = "fast"):
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def http(url: str, *, cookie: str = "", accept: str = "") -> tuple[int, dict, str]:
    """GET without following redirects: (status, headers, body)."""
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    req = urllib.request.Request(url, headers={k: v for k, v in (("Cookie", cookie), ("Accept", accept)) if v})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def gunicorn(env: dict, port: int, *, threads: int = 2, workers: int = 1) -> subprocess.Popen:
    p = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "dangjian.wsgi", "-b", f"127.0.0.1:{port}",
                          "-w", str(workers), "--threads", str(threads), "--timeout", "120"],
                         env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if p.poll() is not None:
            raise AssertionError(f"gunicorn 未能启动：{p.stderr.read()}")
        try:
            http(f"http://127.0.0.1:{port}/login/")
            return p
        except OSError:
            time.sleep(0.2)
    p.kill()
    raise AssertionError("gunicorn 启动超时")


def stop_process(p: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
