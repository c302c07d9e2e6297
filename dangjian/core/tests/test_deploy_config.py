"""The shipped deploy/ files, read as text (normal suite, no servers): what they must say for privacy, limits and
the multi-node layout. The same files run for real in scripts/test-deploy.sh (test_deploy.py)."""
import json
import re
import runpy
from pathlib import Path
from urllib.parse import urlparse

from dangjian.djx.forms import MAX_UPLOAD_BYTES as DJX_MAX
from dangjian.dues.imports import MAX_UPLOAD as DUES_MAX

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
NGINX = (DEPLOY / "nginx-dangjian.conf").read_text()
PROXY = (DEPLOY / "nginx-dangjian-proxy.conf").read_text()       # included by the site's proxied locations


def _code(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())   # directives, comments dropped


NGINX_CODE = _code(NGINX)


def _mib(size: str) -> int:
    return int(size.rstrip("mM")) * 1024 * 1024


def _servers(conf: str) -> list[str]:
    """The top-level `server { … }` blocks."""
    blocks, depth, start = [], 0, None
    for m in re.finditer(r"\bserver\s*\{|[{}]", conf):
        if m.group().startswith("server") and depth == 0:
            start, depth = m.start(), 1
        elif m.group() == "{":
            depth += 1 if start is not None else 0
        elif m.group() == "}" and start is not None:
            depth -= 1
            if depth == 0:
                blocks.append(conf[start:m.end()])
                start = None
    return blocks


def test_access_logs_carry_no_query_string_nor_referer():
    """/people/?q=<身份证号> must not land in a log: nginx logs the path ($uri), gunicorn %(U)s; no Referer."""
    formats = re.findall(r"log_format\s+(\w+)((?:[^;])*);", NGINX_CODE)
    assert formats
    for _name, fmt in formats:
        assert "$uri" in fmt
        for leak in ("$request ", '$request"', "$request_uri", "$args", "$query_string", "$http_referer",
                     "$is_args"):
            assert leak not in fmt, leak
    names = {name for name, _ in formats}
    for block in _servers(NGINX_CODE):   # every server (the port-80 redirect too) logs with our format or not at all
        logs = re.findall(r"access_log\s+([^;]+);", block)
        assert logs, block[:80]
        assert all(v.strip() == "off" or v.split()[-1] in names for v in logs), logs
    g = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    fmt = g["access_log_format"]
    assert "%(U)s" in fmt and "%(m)s" in fmt
    for leak in ("%(r)s", "%(q)s", "%(f)s", "{referer}", "{raw_uri}"):
        assert leak not in fmt, leak


def test_nginx_body_limits_let_the_largest_import_through_and_answer_413_in_chinese():
    default = re.search(r"server_name[^;]*;.*?\n\s*client_max_body_size\s+(\w+);", NGINX_CODE, re.S)
    assert default and _mib(default.group(1)) > DUES_MAX            # 党费 import (30 MiB) through the default
    djx = re.search(r"location\s*=?\s*/djx/import/\s*\{[^}]*client_max_body_size\s+(\w+);", NGINX_CODE)
    assert djx and _mib(djx.group(1)) > DJX_MAX                      # DJX packages (50 MiB) on their location only
    assert re.search(r"error_page\s+413\s+@\w+;", NGINX_CODE)
    assert "文件过大" in NGINX


def test_nginx_hides_its_version_bounds_retries_and_drops_unknown_hosts():
    assert re.search(r"server_tokens\s+off;", NGINX_CODE)
    assert re.search(r"proxy_next_upstream_timeout\s+5s;", _code(PROXY))
    assert re.search(r"proxy_next_upstream_tries\s+2;", _code(PROXY))
    assert NGINX_CODE.count("include /etc/nginx/dangjian-proxy.conf;") == NGINX_CODE.count("proxy_pass ") == 3
    catch_all = [b for b in _servers(NGINX_CODE) if "default_server" in b]
    assert catch_all and all(re.search(r"return\s+444;", b) for b in catch_all)
    assert any("ssl_reject_handshake on;" in b for b in catch_all)   # no certificate shown to a scanner
    # One nginx per node, proxying to its own gunicorn only (docs/deploy.md「多节点」).
    upstream = re.search(r"upstream\s+dangjian_app\s*\{([^}]*)\}", NGINX_CODE).group(1)
    assert re.findall(r"server\s+([\d.:]+)", upstream) == ["127.0.0.1:8000"]


def test_postgresql_and_pgbouncer_listen_where_the_env_file_points():
    primary = (DEPLOY / "postgresql" / "primary.conf").read_text()
    replica = (DEPLOY / "postgresql" / "replica.conf").read_text()
    assert re.search(r"^listen_addresses\s*=", primary, re.M)
    assert re.search(r"^listen_addresses\s*=", replica, re.M)
    assert re.search(r"^max_slot_wal_keep_size\s*=\s*\d+GB", primary, re.M)   # a lost replica's slot is bounded
    env = dict(line.split("=", 1) for line in (DEPLOY / "dangjian.env.example").read_text().splitlines()
               if line and not line.startswith("#"))
    bouncer = (DEPLOY / "pgbouncer.ini").read_text()
    listen = re.search(r"^listen_addr\s*=\s*(.+)$", bouncer, re.M).group(1)
    port = re.search(r"^listen_port\s*=\s*(\d+)", bouncer, re.M).group(1)
    url = urlparse(env["DATABASE_URL"])
    assert url.hostname in [a.strip() for a in listen.split(",")] and str(url.port) == port
    replica_host = urlparse(env["DATABASE_REPLICA_URL"]).hostname
    assert replica_host in re.search(r"^listen_addresses\s*=\s*'([^']*)'", replica, re.M).group(1)
    assert env["GUNICORN_BIND"].startswith("127.0.0.1:")        # only the node's own nginx reaches gunicorn
    assert env["FORWARDED_ALLOW_IPS"] == "127.0.0.1"


def test_worker_unit_says_what_it_runs():
    unit = (DEPLOY / "systemd" / "dangjian-worker.service").read_text()
    start = re.search(r"^ExecStart=(.*)$", unit, re.M).group(1)
    assert " -f" not in start
    assert "-f:" not in unit and "flush_locks" not in unit     # no comment about a flag the command does not pass


def _location(name: str) -> str:
    m = re.search(r"location\s+" + re.escape(name) + r"\s*\{(.*?)\n\s*\}", NGINX_CODE, re.S)
    assert m, name
    return m.group(1)


def test_nginx_answers_in_chinese_when_gunicorn_is_down_or_slow_and_in_json_under_api():
    """gunicorn stopped or restarting (502/503) or too slow (504): nginx's own page, in Chinese, not its English
    default; under /api/ a JSON `detail` in Chinese (413 too). Django's own 503 (database down) passes through:
    nginx must not intercept upstream errors."""
    site = _servers(NGINX_CODE)[-1]
    assert re.search(r"error_page\s+502\s+503\s+@unavailable;", site)
    assert re.search(r"error_page\s+504\s+@timeout;", site)
    for name, code, words in (("@unavailable", 503, "暂时无法访问"), ("@timeout", 504, "超时")):
        body = _location(name)
        assert re.search(rf"return\s+{code}\s+'<!doctype html>", body) and words in body, name
        assert "text/html; charset=utf-8" in body and "$request_id" in body
    assert "proxy_intercept_errors on" not in NGINX_CODE + _code(PROXY)
    api = _location("/api/")
    assert "proxy_pass http://dangjian_app;" in api and "include /etc/nginx/dangjian-proxy.conf;" in api
    for codes, name, code in (("413", "@api_too_large", 413), ("502 503", "@api_unavailable", 503),
                              ("504", "@api_timeout", 504)):
        assert re.search(rf"error_page\s+{codes}\s+{name};", api), name
        body = _location(name)
        assert "application/json; charset=utf-8" in body
        m = re.search(rf"return\s+{code}\s+'(.*)';", body)
        assert m, name
        doc = json.loads(m.group(1).replace("\\n", "").replace("$request_id", "x"))
        assert re.search(r"[\u4e00-\u9fff]", doc["detail"]) and doc["request_id"] == "x"
