"""The database is unreachable (restarted, failed over, network gone): the user gets a clear Chinese page with
status 503 and the request id, an API client a JSON 503 — never a traceback or a bare 500 — and the next request
after the database is back simply works (a new connection; `CONN_HEALTH_CHECKS` drops a dead persistent one).

`DatabaseUnavailableMiddleware` sits just inside RequestIdMiddleware, outside the session and auth middleware:
a view's error reaches `process_exception`; an error in an inner middleware (loading the session or the user, saving
the session) has already been turned into a 500 response by Django, so the `got_request_exception` signal marks the
request and the middleware replaces that response on its way out."""
from __future__ import annotations

import errno
import logging

from django.core.signals import got_request_exception
from django.db import (DataError, DatabaseError, IntegrityError, InterfaceError, NotSupportedError, OperationalError,
                       ProgrammingError, connections)
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)
MESSAGE = "数据库暂时不可用或繁忙，请稍后重试"     # (down, restarting — or SQLite busy past its timeout)
RETRY_AFTER = "30"
DISK_FULL_MESSAGE = "存储空间不足，上传的文件未保存"


# SQLite: the file is busy past the busy timeout, or cannot be opened or read (a lost mount) — try again shortly.
SQLITE_DOWN = ("database is locked", "database table is locked", "unable to open database", "disk i/o error")
# A connection that was refused, dropped or closed (psycopg's messages for errors without an SQLSTATE).
CONNECTION_LOST = ("connection refused", "could not connect", "connection to server", "server closed the connection",
                   "terminating connection", "connection already closed", "connection is closed",
                   "connection is lost", "no connection to the server", "could not receive data",
                   "could not send data", "ssl syscall error", "ssl connection has been closed",
                   "connection timed out", "connection reset", "could not translate host name")
# PostgreSQL: class 08 (connection exception); the server shutting down or starting (57P01 admin_shutdown,
# 57P02 crash_shutdown, 57P03 cannot_connect_now); 53300 too_many_connections (refused at connect: try later).
PG_DOWN_CODES = ("57P01", "57P02", "57P03", "53300")


def exception_chain(exc, depth: int = 5):
    """The exception and the ones it was raised from or during (a driver error wrapped by Django's)."""
    while exc is not None and depth:
        yield exc
        exc, depth = exc.__cause__ or exc.__context__, depth - 1


def sqlstate(exc) -> str | None:
    for e in exception_chain(exc):
        code = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        if code:
            return code
    return None


def _connection_broken() -> bool:
    """A database connection of this thread that the driver reports closed or broken (psycopg; SQLite has none)."""
    for conn in connections.all(initialized_only=True):
        raw = conn.connection
        if raw is not None and (getattr(raw, "broken", False) or getattr(raw, "closed", False)):
            return True
    return False


def is_unavailable(exc) -> bool:
    """A lost or refused connection (or SQLite's busy or unreadable file), not a bad query: "no such table", a
    syntax error, too many SQL variables, a statement timeout or a deadlock are bugs or load to see with their
    traceback as a 500, never hidden behind the 503 page."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, DatabaseError) or isinstance(exc, (IntegrityError, ProgrammingError, DataError,
                                                              NotSupportedError)):
        return False
    code = sqlstate(exc)
    if code:    # PostgreSQL says exactly what it is
        return code.startswith("08") or code in PG_DOWN_CODES
    text = str(exc).lower()
    if any(w in text for w in SQLITE_DOWN + CONNECTION_LOST):
        return True
    return _connection_broken()


def is_disk_full(exc) -> bool:
    """No space left (or the quota reached) while writing a file — an upload spooled to FILE_UPLOAD_TEMP_DIR, an
    attachment — or SQLite's "database or disk is full"."""
    for e in exception_chain(exc):
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if isinstance(e, OperationalError) and "database or disk is full" in str(e).lower():
            return True
    return False


def _wants_json(request) -> bool:
    return (request.path.startswith("/api/") or request.path == "/healthz" or bool(request.headers.get("HX-Request"))
            or "application/json" in request.headers.get("Accept", ""))


def _error_response(request, status: int, detail: str, template: str) -> HttpResponse:
    """JSON for the API, htmx and JSON clients, else the page — rendered without a request: the context processors
    (navigation) would query the database. Never cached."""
    rid = getattr(request, "request_id", "") or ""
    if _wants_json(request):
        response = JsonResponse({"detail": detail, "request_id": rid}, status=status,
                                json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(render_to_string(template, {"request_id": rid}), status=status)
    response["Cache-Control"] = "no-store"
    return response


def unavailable_response(request) -> HttpResponse:
    response = _error_response(request, 503, f"{MESSAGE}。", "503.html")
    response["Retry-After"] = RETRY_AFTER
    return response


def disk_full_response(request) -> HttpResponse:
    return _error_response(request, 507, f"{DISK_FULL_MESSAGE}，请联系系统管理员。", "507.html")


def _drop_broken_connections() -> None:
    """Close connections the failure left unusable, so that the next request opens a fresh one (with CONN_MAX_AGE
    a kept connection would otherwise fail again)."""
    for conn in connections.all(initialized_only=True):
        try:
            if conn.connection is not None and not conn.is_usable():
                conn.close()
        except Exception:   # closing a dead socket may itself fail
            conn.connection = None


class DatabaseUnavailableMiddleware:
    """Also answers a full disk (ENOSPC/EDQUOT) met while Django parses an upload — a file over
    FILE_UPLOAD_MAX_MEMORY_SIZE spools to FILE_UPLOAD_TEMP_DIR when CsrfViewMiddleware, the view or DRF's
    request.data first reads the body — with the Chinese 存储空间不足 page (507) or JSON, not a bare 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        fault = getattr(request, "_fault", None)
        if fault and response.status_code >= 500:
            return unavailable_response(request) if fault == "database" else disk_full_response(request)
        return response

    def process_exception(self, request, exception):
        fault = _fault(exception)
        if fault is None:
            return None
        _log(request, fault, exception)
        if fault == "database":
            _drop_broken_connections()
            return unavailable_response(request)
        return disk_full_response(request)


def _fault(exc) -> str | None:
    if is_disk_full(exc):
        return "disk"
    if is_unavailable(exc):
        return "database"
    return None


def _log(request, fault, exc) -> None:
    if fault == "database":
        log.warning("数据库不可用（%s）：%s", request.path, exc, exc_info=exc)
    else:
        log.error("存储空间不足（%s）：%s", request.path, exc, exc_info=exc)


def _mark(sender, request=None, **kwargs):
    import sys

    exc = sys.exc_info()[1]
    if request is None or exc is None:
        return
    fault = _fault(exc)
    if fault is not None:
        request._fault = fault
        _log(request, fault, exc)
        if fault == "database":
            _drop_broken_connections()


got_request_exception.connect(_mark, dispatch_uid="dangjian.core.dbdown")
