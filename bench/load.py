"""负载测试 / Load test: gunicorn on loopback with production-like settings, driven by locust (bench/load/).

    .venv/bin/pip install -r bench/requirements-load.txt
    .venv/bin/python bench/load.py                       # city scale, SQLite, 20 and 100 users, 60 s each
    .venv/bin/python bench/load.py --users 20 --duration 30 --warmup 10
    DATABASE_URL=postgres://postgres@127.0.0.1:PORT/load .venv/bin/python bench/load.py --pg

Steps:
1. the city-scale database: var/bench/city/dangjian.sqlite3 (made by `make bench`; loaded here with
   `manage.py demo --scale city` when absent) is copied with SQLite's backup API into a temporary directory, so
   that the meetings recorded during a run never accumulate in it; with --pg the PostgreSQL database named by
   DATABASE_URL is migrated and loaded with the city demo if it is empty;
2. login accounts for the simulated users (bench/load/prepare_users.py) are added to the copy;
3. gunicorn (gthread, --workers × --threads) starts on 127.0.0.1 with DEBUG off, a throwaway SECRET_KEY,
   ALLOWED_HOSTS=127.0.0.1, and plain-HTTP loopback switches (SECURE_COOKIES=0, SECURE_SSL_REDIRECT=0,
   SECURE_HSTS_SECONDS=0); TWO_FACTOR_ENFORCED=0 (the simulated admins have no authenticator);
4. locust runs headless once per user count (`--headless -u N -r R --csv …`): the users are spawned (N/R s),
   each logs in once; --warmup seconds after the last login the statistics are reset (what happened before —
   the login storm, any error — is reported apart and still fails the run), then --duration seconds are
   measured and the locustfile stops the run (-t is only a bound);
5. a table per run: requests/s, p50/p95/p99 per request kind and in total, errors; the load average before and
   after. Exit status 1 when any request failed (including a "database is locked" 500).
Only loopback addresses are used; every run is bounded by --duration.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CITY = ROOT / "var" / "bench" / "city"
# The city benchmark database was written by bench/run.py under DANGJIAN_TESTING=1, whose development key
# encrypts the ID numbers; the server gets a throwaway SECRET_KEY but this key for the field cipher.
DATA_KEY = "dev-only-insecure-key-change-me-5d1f0c7e9a"


def loadavg() -> str:
    return " / ".join(Path("/proc/loadavg").read_text().split()[:3])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(tmp: Path, pg: bool, accounts: tuple[int, int, int]) -> Path:
    # The data are written with the key the server will read them with: without FIELD_ENCRYPTION_KEY, manage.py
    # generates a fresh secret in the var dir and encrypts the demo's ID numbers with it, and every roster page of
    # the server (FIELD_ENCRYPTION_KEY=DATA_KEY) then fails to decrypt (the first --pg run: 500 on every 人员列表).
    env = dict(os.environ, DANGJIAN_TESTING="1", DANGJIAN_VAR_DIR=str(tmp), DJANGO_SETTINGS_MODULE="dangjian.settings",
               FIELD_ENCRYPTION_KEY=DATA_KEY)
    (tmp / "staticfiles").mkdir(parents=True, exist_ok=True)
    if pg:
        subprocess.run([PY, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run([PY, "manage.py", "demo", "--scale", "city", "--if-empty"], cwd=ROOT, env=env, check=True)
    else:
        env.pop("DATABASE_URL", None)
        source = CITY / "dangjian.sqlite3"
        if not source.exists():
            print(f"# {source} 不存在：加载 city 示例数据（几分钟）", flush=True)
            (CITY / "staticfiles").mkdir(parents=True, exist_ok=True)
            subprocess.run([PY, "manage.py", "demo", "--scale", "city"], cwd=ROOT, check=True,
                           env=dict(env, DANGJIAN_VAR_DIR=str(CITY)))
        src, dst = sqlite3.connect(source), sqlite3.connect(tmp / "dangjian.sqlite3")
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
    out = subprocess.run([PY, str(ROOT / "bench" / "load" / "prepare_users.py"), *map(str, accounts)], cwd=ROOT,
                         env=env, check=True, capture_output=True, text=True).stdout
    users = tmp / "users.json"
    users.write_text(out)
    return users


def start_server(tmp: Path, port: int, workers: int, threads: int, pg: bool) -> subprocess.Popen:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="dangjian.settings", DANGJIAN_VAR_DIR=str(tmp),
               SECRET_KEY=secrets.token_urlsafe(50), FIELD_ENCRYPTION_KEY=DATA_KEY,
               ALLOWED_HOSTS="127.0.0.1,localhost", SECURE_COOKIES="0", SECURE_SSL_REDIRECT="0",
               SECURE_HSTS_SECONDS="0", TWO_FACTOR_ENFORCED="0", DJANGO_DEBUG="0", LOG_LEVEL="WARNING")
    for name in ("DANGJIAN_TESTING", "DJANGO_SECRET_KEY"):
        env.pop(name, None)
    if not pg:
        env.pop("DATABASE_URL", None)
    log = open(tmp / "gunicorn.log", "w")
    proc = subprocess.Popen(
        [str(Path(PY).parent / "gunicorn"), "dangjian.wsgi", "--bind", f"127.0.0.1:{port}", "--worker-class",
         "gthread", "--workers", str(workers), "--threads", str(threads), "--timeout", "110",
         "--access-logfile", str(tmp / "access.log"), "--error-logfile", "-"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status == 200:
                return proc
        except OSError:
            time.sleep(0.5)
        if proc.poll() is not None:
            break
    proc.terminate()
    raise SystemExit(f"gunicorn 未能启动，见 {tmp / 'gunicorn.log'}")


def run_locust(tmp: Path, port: int, users_file: Path, n: int, rate: float, duration: int, warmup: int) -> dict:
    """One headless run: ramp (n / rate s), then `warmup` s whose statistics are kept apart (the logins), then
    `duration` s measured."""
    prefix = tmp / f"u{n}"
    ramp_file = tmp / f"u{n}_ramp.json"
    total = int(n / rate + 0.999) + 600 + warmup + duration  # an upper bound: the locustfile stops the run
    before = loadavg()
    started = time.monotonic()
    proc = subprocess.run(
        [str(Path(PY).parent / "locust"), "-f", str(ROOT / "bench" / "load" / "locustfile.py"), "--headless",
         "-u", str(n), "-r", str(rate), "-t", f"{total}s", "--host", f"http://127.0.0.1:{port}", "--csv",
         str(prefix), "--only-summary", "--stop-timeout", "10", "--exit-code-on-error", "0"],
        cwd=ROOT, env=dict(os.environ, LOAD_USERS=str(users_file), LOAD_WARMUP=str(warmup), LOAD_MEASURE=str(duration),
                           LOAD_RAMP_STATS=str(ramp_file)),
        capture_output=True, text=True)
    (tmp / f"u{n}.locust.log").write_text(proc.stdout + proc.stderr)
    rows = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))
    failures = list(csv.DictReader(open(f"{prefix}_failures.csv", encoding="utf-8")))
    ramp = json.loads(ramp_file.read_text()) if ramp_file.exists() else None
    return {"users": n, "rows": rows, "failures": failures, "ramp": ramp, "load_before": before,
            "load_after": loadavg(), "seconds": round(time.monotonic() - started, 1), "measured": duration,
            "command": f"locust --headless -u {n} -r {rate:g} -t {total}s（LOAD_WARMUP={warmup} LOAD_MEASURE={duration}）"}


def table(result: dict) -> str:
    def fmt(r, name=None):
        return (f"| {name or (r['Type'] + ' ' + r['Name'])} | {r['Request Count']} | {r['Failure Count']} | "
                f"{float(r['Requests/s']):.2f} | {r['50%']} | {r['95%']} | {r['99%']} |")

    rows = result["rows"]
    total = next(r for r in rows if r["Name"] == "Aggregated")
    out = [f"### {result['users']} 个用户（load average 运行前 {result['load_before']}，运行后 {result['load_after']}）",
           "", f"`{result['command']}`；统计窗口为全部用户登录完成、再预热之后的 {result['measured']} 秒。", ""]
    ramp = result["ramp"]
    if ramp:
        login = ramp["entries"].get("登录 POST", {})
        out.append(f"启动与预热阶段（不计入下表；最后一个用户启动后 {ramp['login_storm_seconds']} 秒全部登录完毕）："
                   f"{ramp['total']['requests']} 个请求，{ramp['total']['failures']} 个错误；"
                   f"登录 POST {login.get('requests', 0)} 次，p50 {login.get('p50')} ms，p95 {login.get('p95')} ms，"
                   f"p99 {login.get('p99')} ms。")
        out += [f"启动阶段错误：{e['name']} ×{e['occurrences']}：{e['error'][:300]}" for e in ramp["errors"]]
        out.append("")
    out += ["| 请求 | 次数 | 错误 | 请求/秒 | p50 ms | p95 ms | p99 ms |", "|---|---|---|---|---|---|---|"]
    out += [fmt(r) for r in sorted(rows, key=lambda r: r["Name"])
            if r["Name"] != "Aggregated" and int(r["Request Count"])]
    out.append(fmt(total, "**合计**"))
    for f in result["failures"]:
        out.append(f"\n错误：{f['Method']} {f['Name']} ×{f['Occurrences']}：{f['Error'][:300]}")
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="20,100", help="comma-separated user counts, one run each")
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--duration", type=int, default=60, help="measured seconds (after ramp and warm-up)")
    parser.add_argument("--warmup", type=int, default=10,
                        help="seconds after the last login before statistics start")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (2–4 on this 2-core machine)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--pg", action="store_true", help="use the PostgreSQL database in DATABASE_URL")
    parser.add_argument("--accounts", default="40,80,15", help="secretaries,members,admins to create")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, CSV)")
    args = parser.parse_args(argv)
    if args.pg and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("--pg 需要 PostgreSQL 的 DATABASE_URL")
    tmp = Path(tempfile.mkdtemp(prefix="dangjian-load-"))
    print(f"# 临时目录 {tmp}；数据库 {'PostgreSQL' if args.pg else 'SQLite（city 副本）'}；load average {loadavg()}",
          flush=True)
    server = None
    try:
        users_file = prepare(tmp, args.pg, tuple(int(x) for x in args.accounts.split(",")))
        counts = {k: len(v) for k, v in json.loads(users_file.read_text()).items()}
        print(f"# 账号：{counts}", flush=True)
        port = free_port()
        server = start_server(tmp, port, args.workers, args.threads, args.pg)
        print(f"# gunicorn gthread {args.workers}×{args.threads} on 127.0.0.1:{port}", flush=True)
        errors = 0
        for n in (int(x) for x in args.users.split(",")):
            result = run_locust(tmp, port, users_file, n, args.spawn_rate, args.duration, args.warmup)
            print(table(result) + "\n", flush=True)
            errors += sum(int(r["Failure Count"]) for r in result["rows"] if r["Name"] == "Aggregated")
            errors += (result["ramp"] or {}).get("total", {}).get("failures", 0)
        log = (tmp / "gunicorn.log").read_text(errors="replace")
        locked = log.count("database is locked")
        server_errors = log.count("Internal Server Error")
        print(f"# 服务器日志：Internal Server Error ×{server_errors}，database is locked ×{locked}")
        print(f"# 结束时 load average {loadavg()}；错误合计 {errors}")
        return 1 if errors or locked or server_errors else 0
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.keep:
            print(f"# 保留 {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
