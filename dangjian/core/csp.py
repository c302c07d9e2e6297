"""Content-Security-Policy on every response (docs/security.md「安全响应头与 CSP」).

The policy is the setting CSP_POLICY (directive → sources); CSP_REPORT_ONLY=1 sends it as
Content-Security-Policy-Report-Only, for trying a stricter policy without breaking pages. No inline
script and no eval: page code lives in static/js/, data reaches it through data-* attributes or
`{{ value|json_script:"id" }}`, Alpine is its CSP build, and htmx runs with allowEval false. No inline
style (style-src 'self'): classes from static/css/, sizes per row set through the CSSOM from data-* attributes,
htmx with includeIndicatorStyles false; only DRF's browsable API keeps 'unsafe-inline' for styles.

A response that already sets its own policy keeps it (the attachment download sets a sandbox), and any
download (Content-Disposition: attachment) is sandboxed and not sniffed: a file a user uploaded or a
report built from user text must never run as a page of this site, even if a browser opened it inline."""
from __future__ import annotations

from django.conf import settings

DOWNLOAD_POLICY = "default-src 'none'; sandbox"
# No inline style either (style-src 'self'): looks come from static/css/. The one exception is third-party HTML
# whose own templates carry style attributes and a <style> block: Django REST framework's browsable API
# (rest_framework/base.html), answered to a browser asking for text/html. Only style-src is relaxed there.
RELAXED_STYLE_SRC = "'self' 'unsafe-inline'"


def keeps_inline_styles(response) -> bool:
    """A page rendered by DRF's BrowsableAPIRenderer (format "api")."""
    return getattr(getattr(response, "accepted_renderer", None), "format", None) == "api"


def policy_header(overrides: dict | None = None) -> tuple[str, str]:
    """(header name, value) for the configured policy, with some directives replaced for one response."""
    directives = {**settings.CSP_POLICY, **(overrides or {})}   # (one definition: dangjian/settings.py)
    value = "; ".join(f"{name} {sources}".strip() for name, sources in directives.items())
    name = ("Content-Security-Policy-Report-Only" if getattr(settings, "CSP_REPORT_ONLY", False)
            else "Content-Security-Policy")
    return name, value


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Disposition", "").lower().startswith("attachment"):
            response.setdefault("Content-Security-Policy", DOWNLOAD_POLICY)
            response["X-Content-Type-Options"] = "nosniff"
            return response
        if "Content-Security-Policy" in response or "Content-Security-Policy-Report-Only" in response:
            return response
        name, value = policy_header({"style-src": RELAXED_STYLE_SRC} if keeps_inline_styles(response) else None)
        response[name] = value
        return response
