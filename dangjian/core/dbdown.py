"""The database is unreachable (restarted, failed over, network gone): the user gets a clear Chinese page with
status 503 and the request id, an API client a JSON 503 — never a traceback or a bare 500 — and the next request
after the database is back simply works (a new connection; `CONN_HEALTH_CHECKS` drops a dead persistent one).

`DatabaseUnavailableMiddleware` sits just inside RequestIdMiddleware, outside the session and auth middleware:
a view's error reaches `process_exception`; an error in an inner middleware (loading the session or the user, saving
the session) has already been turned into a 500 response by Django, so the `got_request_exception` signal marks the
request and the middleware replaces that response on its way out."""
from __future__ import annotations

import logging

from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)
MESSAGE = "数据库暂时不可用，请稍后重试"
RETRY_AFTER = "30"


def is_unavailable(exc) -> bool:
    """A lost or refused connection, not a bad query. SQLite's "database is locked" is an OperationalError too, and
    also means: try again shortly. Errors a query causes (IntegrityError, ProgrammingError, DataError) are not."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    # psycopg reports some lost connections as a plain DatabaseError ("server closed the connection unexpectedly")
    return type(exc) is DatabaseError and "connection" in str(exc).lower()


def _wants_json(request) -> bool:
    return (request.path.startswith("/api/") or request.path == "/healthz"
            or "application/json" in request.headers.get("Accept", ""))


def unavailable_response(request) -> HttpResponse:
    rid = getattr(request, "request_id", "") or ""
    if _wants_json(request):
        response = JsonResponse({"detail": f"{MESSAGE}。", "request_id": rid}, status=503,
                                json_dumps_params={"ensure_ascii": False})
    else:
        # Rendered without a request: the context processors (navigation) would query the database.
        response = HttpResponse(render_to_string("503.html", {"request_id": rid}), status=503)
    response["Retry-After"] = RETRY_AFTER
    response["Cache-Control"] = "no-store"
    return response


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
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "_database_unavailable", False) and response.status_code >= 500:
            return unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if is_unavailable(exception):
            log.warning("数据库不可用（%s）：%s", request.path, exception)
            _drop_broken_connections()
            return unavailable_response(request)
        return None


def _mark(sender, request=None, **kwargs):
    import sys

    exc = sys.exc_info()[1]
    if request is not None and exc is not None and is_unavailable(exc):
        request._database_unavailable = True
        _drop_broken_connections()


got_request_exception.connect(_mark, dispatch_uid="dangjian.core.dbdown")
