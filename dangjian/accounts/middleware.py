"""Force the change of an initial (or admin-reset) password before anything else (and, below: 2FA mid-session,
htmx requests of an expired session sent to the login page whole, a session middleware that lets the 后台检查
banner's poll leave the session's idle clock alone).

The login view already sends such a user to the password page; this middleware closes the way
around it (typing another address). Wire it after AuthenticationMiddleware and MessageMiddleware:
    "dangjian.accounts.middleware.PasswordChangeRequiredMiddleware"
"""
from django.contrib import messages
from django.contrib.sessions.middleware import SessionMiddleware as _SessionMiddleware
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from .actions import must_change_password


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _to(request, name: str):
    """A redirect that htmx follows as a whole page (HX-Redirect), not by swapping the target page into a
    fragment; an ordinary 302 otherwise."""
    if _htmx(request):
        from django_htmx.http import HttpResponseClientRedirect

        return HttpResponseClientRedirect(reverse(name))
    return redirect(name)


def _htmx_current_page(request) -> str:
    """The page an htmx request came from (HX-Current-URL) as a path on this site; "/" when absent or foreign."""
    from urllib.parse import urlsplit

    from django.utils.http import url_has_allowed_host_and_scheme

    current = request.headers.get("HX-Current-URL", "")
    parts = urlsplit(current)
    if not current or not url_has_allowed_host_and_scheme(current, allowed_hosts={request.get_host()},
                                                          require_https=request.is_secure()) \
            or not parts.path.startswith("/") or parts.path.startswith("//"):
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and must_change_password(user):
            allowed = {reverse("password_change"), reverse("logout"), reverse("login")}
            path = request.path_info
            if path not in allowed and not path.startswith(("/static/", "/healthz")):
                if path.startswith("/api/"):
                    return JsonResponse({"detail": "请先登录网页修改初始密码，再使用接口。"}, status=403)
                from .views import FIRST_LOGIN_MESSAGE

                messages.warning(request, FIRST_LOGIN_MESSAGE)
                return _to(request, "password_change")
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """双因素认证 for the whole session, not only at the login: a session whose user must use 2FA
    (`two_factor.required`) but did not log in through the code step (`two_factor.VERIFIED_KEY` missing: a role
    granted mid-session, enforcement switched on, a session from before) is sent back to the code step. A page
    turns the session into the half-logged-in state (password given, code to come; `next` kept) and goes to the
    code page (or the binding page); the API answers 403 in Chinese. Wire it after AuthenticationMiddleware and
    MessageMiddleware, before PasswordChangeRequiredMiddleware:
        "dangjian.accounts.middleware.TwoFactorRequiredMiddleware"
    """

    API_MESSAGE = "该账户须使用双因素认证：请在网页上重新登录（输入密码和动态码）后再使用接口。"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        from . import two_factor

        user = getattr(request, "user", None)
        if (getattr(settings, "TWO_FACTOR_ENFORCED", True) and user is not None and user.is_authenticated
                and not request.session.get(two_factor.VERIFIED_KEY)):
            path = request.path_info
            if not path.startswith(("/static/", "/healthz")) and path != reverse("logout") \
                    and two_factor.required(user):
                if path.startswith("/api/"):
                    return JsonResponse({"detail": self.API_MESSAGE}, status=403)
                from django.contrib.auth import BACKEND_SESSION_KEY, logout

                next_url = (_htmx_current_page(request) if _htmx(request)      # (not the fragment's URL)
                            else request.get_full_path() if request.method == "GET" else "")
                backend = request.session.get(BACKEND_SESSION_KEY, "")
                user = user._wrapped if hasattr(user, "_wrapped") else user
                logout(request)
                user.backend = backend
                two_factor.start_pending(request, user, next_url)
                messages.info(request, "您的账户现须使用双因素认证，请完成验证后继续。")
                if two_factor.confirmed_device(user) is None:
                    return _to(request, "accounts:two_factor_enrol")
                return _to(request, "accounts:two_factor_verify")
        return self.get_response(request)


class HtmxLoginRedirectMiddleware:
    """A session that ran out while a page was open: `login_required` answers a 302 to the login page, which htmx
    would follow and swap — the whole login page, with a second app.js — into the fragment it asked for (the
    后台检查 banner's poll every 15 s). An htmx request of an anonymous user gets HX-Redirect instead: htmx loads
    the login page whole, and `next` is the page the user was on (HX-Current-URL, same site only), not the
    fragment. Ordinary requests keep their 302; the API never redirects to the login page. Wire it after
    AuthenticationMiddleware:
        "dangjian.accounts.middleware.HtmxLoginRedirectMiddleware"
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 302 or not _htmx(request) or request.path_info.startswith("/api/"):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return response
        from urllib.parse import urlsplit

        from django.conf import settings
        from django.contrib.auth.views import redirect_to_login
        from django.shortcuts import resolve_url
        from django_htmx.http import HttpResponseClientRedirect

        login = resolve_url(settings.LOGIN_URL)
        if urlsplit(response.get("Location", "")).path != urlsplit(login).path:
            return response
        return HttpResponseClientRedirect(redirect_to_login(_htmx_current_page(request), login)["Location"])


class SessionMiddleware(_SessionMiddleware):
    """Django's, except that a request marked `request.leaves_session_alone = True` (the 后台检查 banner's poll:
    `leaves_session_alone` below) does not save the session — with SESSION_SAVE_EVERY_REQUEST every request
    restarts the idle clock, and an open tab polling would keep a session alive for ever. A session the request
    did change (`modified`: a login, a message) is still saved."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if getattr(request, "leaves_session_alone", False) and session is not None and not session.modified:
            if session.accessed:
                from django.utils.cache import patch_vary_headers

                patch_vary_headers(response, ("Cookie",))
            return response
        return super().process_response(request, response)


def leaves_session_alone(view):
    """View decorator: this request does not restart the session's idle clock (`SessionMiddleware` above)."""
    from functools import wraps

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.leaves_session_alone = True
        return view(request, *args, **kwargs)

    return wrapped
