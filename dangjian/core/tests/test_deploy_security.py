"""Web-facing hardening (issue 9): `check --deploy` is clean with the documented production environment,
every page carries a Content-Security-Policy that allows no inline script, no template brings an inline
script or event handler back, and a user's upload is never served as active content. See docs/security.md."""
from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
POLICY = ("default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
          "form-action 'self'; img-src 'self' data:; style-src 'self'")


# --- 部署检查 -------------------------------------------------------------------------------------
def production_env(tmp_path, **extra) -> dict:
    """The production environment as docs/security.md documents it (nginx terminates TLS in front)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DJANGO_DEBUG", "DANGJIAN_TESTING", "DJANGO_SECRET_KEY", "SECURE_COOKIES",
                        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
                        "SECURE_HSTS_PRELOAD", "CSP_REPORT_ONLY",
                        # set by the test run for Playwright's sync API; a deployment never has it
                        "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="party.example.gov.cn",
               DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}", DANGJIAN_VAR_DIR=str(tmp_path / "var"),
               SECURE_HSTS_SECONDS="31536000", FIELD_ENCRYPTION_KEY=secrets.token_urlsafe(32))
    env.update(extra)
    (tmp_path / "var").mkdir(exist_ok=True)  # an installation's var/ exists (huey's queue file lives there)
    return env


def run_deploy_check(env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_deploy_check_is_clean_in_production_settings(tmp_path):
    r = run_deploy_check(production_env(tmp_path))
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "System check identified no issues" in out, out
    assert "security.W" not in out


def test_deploy_check_sees_the_real_settings_not_the_test_ones(tmp_path):
    """`dangjian check` without a file must judge the installation's settings: switching HSTS off in
    production is reported (W004), as docs/security.md says."""
    r = run_deploy_check(production_env(tmp_path, SECURE_HSTS_SECONDS="0"))
    assert r.returncode != 0
    assert "security.W004" in r.stdout + r.stderr


def test_deploy_check_warns_of_a_missing_field_key_and_of_two_factor_switched_off(tmp_path):
    """Without FIELD_ENCRYPTION_KEY the ID-number key is derived from SECRET_KEY (rotating it makes ID numbers and
    TOTP secrets unreadable): dangjian.W001. TWO_FACTOR_ENFORCED=0 with DEBUG off: dangjian.W002."""
    r = run_deploy_check(production_env(tmp_path, FIELD_ENCRYPTION_KEY="", TWO_FACTOR_ENFORCED="0"))
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "dangjian.W001" in out and "FIELD_ENCRYPTION_KEY" in out, out
    assert "dangjian.W002" in out and "TWO_FACTOR_ENFORCED" in out, out


def test_each_deploy_warning_appears_exactly_when_its_condition_holds(settings):
    from dangjian.core import checks

    settings.DEBUG, settings.FIELD_ENCRYPTION_KEY, settings.TWO_FACTOR_ENFORCED = False, "k" * 43, True
    assert checks.field_encryption_key(None) == [] and checks.two_factor_enforced(None) == []
    settings.FIELD_ENCRYPTION_KEY = ""
    (w,) = checks.field_encryption_key(None)
    assert w.id == "dangjian.W001" and "SECRET_KEY" in w.msg and "FIELD_ENCRYPTION_KEY" in w.hint
    settings.TWO_FACTOR_ENFORCED = False
    (w,) = checks.two_factor_enforced(None)
    assert w.id == "dangjian.W002" and "双因素" in w.msg and w.hint
    settings.DEBUG = True           # (a developer's `make run`: 2FA off on purpose)
    assert checks.two_factor_enforced(None) == []


def test_production_settings_values(tmp_path):
    code = ("from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, "
            "s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SAMESITE, s.SECURE_REFERRER_POLICY, "
            "s.SECURE_CROSS_ORIGIN_OPENER_POLICY, s.SECURE_PROXY_SSL_HEADER, s.CSP_REPORT_ONLY)")
    env = production_env(tmp_path, DJANGO_SETTINGS_MODULE="dangjian.settings")
    env.pop("SECURE_HSTS_SECONDS")  # the default
    r = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "True", "True", "31536000", "True", "False", "Lax", "Lax", "same-origin",
                                "same-origin", "('HTTP_X_FORWARDED_PROTO',", "'https')", "False"]


def test_health_check_is_not_redirected_to_https(client, settings, db):
    """nginx and the load balancer probe /healthz over plain HTTP on loopback."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get(reverse("login")).status_code == 301


# --- 安全响应头与 CSP -----------------------------------------------------------------------------
def test_every_page_carries_the_policy(client, users):
    r = client.get(reverse("login"))
    assert r["Content-Security-Policy"] == POLICY
    assert "unsafe-eval" not in r["Content-Security-Policy"]
    assert r["X-Frame-Options"] == "DENY"
    client.force_login(users.secretary_a)
    r = client.get(reverse("home"))
    assert r.status_code == 200 and r["Content-Security-Policy"] == POLICY


def test_a_normal_page_allows_no_inline_style(client, users):
    """style-src 'self': no style="…" attribute and no <style> block an attacker slipped into a page is applied
    (the look comes from static/css/ only; docs/security.md)."""
    for url in (reverse("login"), reverse("home"), reverse("orgs:org_list")):
        if url != reverse("login"):
            client.force_login(users.secretary_a)
        r = client.get(url)
        assert r.status_code == 200
        directives = dict(d.strip().split(" ", 1) for d in r["Content-Security-Policy"].split(";"))
        assert directives["style-src"] == "'self'", url
        assert "unsafe-inline" not in r["Content-Security-Policy"], url


def test_report_only_sends_the_policy_without_enforcing_it(client, db):
    with override_settings(CSP_REPORT_ONLY=True):
        r = client.get(reverse("login"))
    assert "Content-Security-Policy" not in r
    assert r["Content-Security-Policy-Report-Only"] == POLICY


def test_the_policy_is_a_setting(client, db):
    with override_settings(CSP_POLICY={**settings.CSP_POLICY, "img-src": "'self' data: blob:"}):
        r = client.get(reverse("login"))
    assert "img-src 'self' data: blob:;" in r["Content-Security-Policy"]


def test_an_api_json_response_carries_it_too(client_as, users):
    r = client_as(users.secretary_a).get("/api/orgs/")
    assert r.status_code == 200 and r["Content-Security-Policy"] == POLICY


def template_files():
    dirs = [ROOT / "templates", *sorted((ROOT / "dangjian").glob("*/templates"))]
    return sorted(p for d in dirs for p in d.rglob("*.html"))


# Django's {% … %}, {{ … }} and {# … #} are masked first (same length, inside blanked), so a '>' or a quote in them
# (`{% if a > b %}`) neither ends a tag nor opens a value; an attribute right after one (`{% if x %}style=`) follows '}'.
DJANGO_SYNTAX = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.S)
TAG_START = re.compile(r"<([a-zA-Z][a-zA-Z0-9:-]*)")


def start_tags(text: str):
    """(name, attributes, whole tag) of each start tag: from after its name to the first '>' outside quotes, so a
    '<' or '>' inside an attribute value (`x-show="n > 0"`) does not end it. Text between tags is not looked at."""
    masked = DJANGO_SYNTAX.sub(lambda m: m.group(0)[:2] + " " * (len(m.group(0)) - 4) + m.group(0)[-2:], text)
    pos = 0
    while (m := TAG_START.search(masked, pos)):
        i, quote = m.end(), None
        while i < len(masked) and (quote or masked[i] != ">"):
            if quote and masked[i] == quote:
                quote = None
            elif not quote and masked[i] in "\"'":
                quote = masked[i]
            i += 1
        yield m.group(1).lower(), text[m.end():i], text[m.start():i + 1]
        pos = i + 1


ATTR_START = r"""(?:^|(?<=[\s"'/}]))"""  # an attribute begins after the name, a space, a quote, '/' or a template tag
HANDLER_ATTR = re.compile(ATTR_START + r"(on[a-z]+)\s*=", re.I)
HX_ON = re.compile(r"\bhx-on\b|\bhx-on[:-]|\bdata-hx-on", re.I)
JS_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)
HX_EVAL = re.compile(r"""hx-(?:vals|vars|headers)\s*=\s*["']\s*(?:js|javascript):""", re.I)
# An Alpine expression (x-*, @event, :bind) with a template variable inside a string literal: a re-rendered
# form holds what the user posted, which would become code (Alpine's CSP parser still calls functions). Such
# values go in data-* attributes; server-made constants (ids, lists of type codes) may stay in the expression.
ALPINE_VAR = re.compile(ATTR_START + r"""(?:x-[a-z:.-]+|@[a-z:.-]+|:[a-z-]+)\s*=\s*"[^"]*'\s*\{\{""", re.I)


def inline_code(text: str) -> list[str]:
    found = []
    # Only attributes inside tags: find each tag and look at its attributes.
    for name, attrs, tag in start_tags(text):
        if name == "script" and "src=" not in attrs and 'type="application/json"' not in attrs:
            found.append(tag)
        found += [h.group(1) + "=" for h in HANDLER_ATTR.finditer(attrs)]
        found += [h.group(0) for h in HX_ON.finditer(attrs)]
        found += [h.group(0) for h in JS_URL.finditer(attrs)]
        found += [h.group(0) for h in HX_EVAL.finditer(attrs)]
        found += [h.group(0) for h in ALPINE_VAR.finditer(attrs)]
    return found


def test_the_scanner_finds_what_it_must():
    assert inline_code('<script>alert(1)</script>')
    assert inline_code('<button onclick="return confirm(1)">')
    assert inline_code('<select class="x"\n  onchange="this.form.submit()">')
    assert inline_code('<form hx-on::after-request="x()">')
    assert inline_code('<a href="javascript:void(0)">')
    assert inline_code("<div hx-vals='js:{a: 1}'>")
    assert not inline_code('<script src="/static/js/app.js"></script>')
    assert not inline_code('<script id="cfg" type="application/json">{"a": 1}</script>')
    assert not inline_code('<button data-confirm="确定？" class="btn">')
    assert not inline_code('<input x-on:input="typed = $event.target.value">')
    assert inline_code("""<div x-data="{ step: '{{ form.step.value }}' }">""")
    assert inline_code("""<b :class="'{{ css }}'">""")
    assert not inline_code('<b x-show="current === {{ c.pk }}">')
    assert not inline_code('<div data-step="{{ form.step.value }}" x-data="{ step: $el.dataset.step }">')
    # a '<' or '>' earlier in the tag (an Alpine comparison, a template condition) does not end the tag
    assert inline_code('<div x-show="n > 0" onclick="go()">')
    assert inline_code('<div x-show="a < b" onclick="go()">')
    assert inline_code('<a {% if a > b %}class="x"{% endif %} onclick="go()">')
    assert inline_code('<a {% if a < b %}class="x"{% endif %} href="javascript:go()">')
    assert inline_code("<script {% if a > b %}defer{% endif %}>alert(1)</script>")
    assert inline_code('<script x-show="n > 0">alert(1)</script>')
    # right after a template tag or variable, and a line break or tab right after the tag name
    assert inline_code('<button {% if x %}onclick="go()"{% endif %}>')
    assert inline_code('<button {{ attrs }}onclick="go()">')
    assert inline_code('<button\nonclick="go()">')
    assert inline_code('<button\tonclick="go()">')
    assert inline_code('<div\nx-data="{ s: \'{{ v }}\' }">')
    assert not inline_code('<div x-show="n > 0" class="onclick">')
    assert not inline_code('<p>a > b onclick="x" is text</p>')
    assert not inline_code('<script src="/static/js/app.js" x-show="n > 0"></script>')


def test_the_api_docs_page_runs_no_inline_script(client_as, users):
    """Swagger UI's start-up script is loaded from the split view's ?script= URL, not inline."""
    page = client_as(users.secretary_a).get("/api/docs/").content.decode()
    assert "swagger-ui" in page.lower() and inline_code(page) == []


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_an_inline_script_or_handler(path):
    """script-src 'self' refuses inline <script> and on*= handlers: put code in static/js/ and data in
    data-* attributes or {{ value|json_script:"id" }} (see docs/security.md)."""
    assert inline_code(path.read_text(encoding="utf-8")) == []


# style-src 'self' refuses style="…" attributes and <style> blocks (docs/security.md). Templates rendered only to
# PDF by WeasyPrint never reach a browser and keep their print stylesheet inline; each is named here with the code
# that renders it, and test_pdf_only_templates_are_only_rendered_to_pdf checks no view serves one as a page.
# style="…", and Alpine's :style / x-bind:style (its string form sets the attribute, which the policy refuses; the
# object form goes through the CSSOM, but none is needed: a class, or a data-* value app.js applies, does it).
STYLE_ATTR = re.compile(ATTR_START + r"(?:(?:x-bind)?:)?style\b\s*=", re.I)
STYLE_TAG = re.compile(r"<style\b", re.I)
PDF_ONLY = {
    "templates/elections/document_pdf.html": "dangjian/elections/documents.py",
    "templates/dues/ledger_pdf.html": "dangjian/dues/reports.py",
    "templates/orglife/ledger_branch.html": "dangjian/orglife/ledger.py",
}


def inline_style(text: str) -> list[str]:
    found = [m.group(0) for m in STYLE_TAG.finditer(text)]
    for _name, attrs, tag in start_tags(text):
        found += [tag for _ in STYLE_ATTR.finditer(attrs)]
    return found


def test_the_style_scanner_finds_what_it_must():
    assert inline_style('<div class="card" style="max-width: 40rem">')
    assert inline_style('<td\n  style="width: {{ pct }}%">')
    assert inline_style("<span STYLE='color:red'>")
    assert inline_style("<style>body{color:red}</style>")
    assert inline_style('<style media="print">')
    assert not inline_style('<link rel="stylesheet" href="/static/css/app.css">')
    assert not inline_style('<div class="mw-40rem" data-width="{{ pct }}">')
    assert not inline_style("<p>style=\"x\" is an attribute</p>")  # text, not a tag
    assert not inline_style('<b data-style="x">')
    # Alpine's string form of :style calls setAttribute("style"), which the policy refuses; none is allowed
    assert inline_style('<div :style="\'width: \' + w + \'%\'">')
    assert inline_style('<div x-bind:style="s">')
    assert inline_style('<div :style="{ width: w + \'%\' }">')  # (the object form would pass CSP: forbidden too)
    assert not inline_style('<div :class="{ active: on }">')
    # a '<' or '>' earlier in the tag does not end it
    assert inline_style('<div x-show="n > 0" style="color: red">')
    assert inline_style('<div x-show="a < b" style="color: red">')
    assert inline_style('<td {% if a > b %}class="x"{% endif %} style="color: red">')
    assert inline_style('<td title="{% if a > b %}x{% endif %}" style="color: red">')
    # right after a template tag or variable, and a line break or tab right after the tag name
    assert inline_style('<td {% if wide %}style="width: 9em"{% endif %}>')
    assert inline_style('<td {{ extra }}style="width: 9em">')
    assert inline_style('<div\nstyle="color: red">')
    assert inline_style('<div\tstyle="color: red">')
    assert inline_style('<div\n  :style="s">')
    assert not inline_style('<div x-show="n > 0" class="style">')
    assert not inline_style('<p>{% if a > b %}style="x"{% endif %} is text</p>')


def test_the_api_docs_page_needs_no_inline_style(client_as, users):
    """drf-spectacular's <style> block is moved to static/css/swagger.css (templates/drf_spectacular/swagger_ui.html);
    Swagger UI itself styles through the CSSOM. The page gets the normal, strict policy."""
    r = client_as(users.secretary_a).get("/api/docs/")
    page = r.content.decode()
    assert "swagger-ui" in page.lower() and inline_style(page) == []
    assert "css/swagger.css" in page
    assert r["Content-Security-Policy"] == POLICY


def head_block(template: str) -> list[str]:
    """The lines of a template's {% block head %}, stripped, blank ones left out."""
    m = re.search(r"\{%\s*block head\s*%\}(.*?)\{%\s*endblock(?:\s+head)?\s*%\}", template, re.S)
    assert m, "no {% block head %}"
    return [line.strip() for line in m.group(1).splitlines() if line.strip()]


def test_the_api_docs_head_is_upstreams_without_its_style_block():
    """templates/drf_spectacular/swagger_ui.html overrides drf-spectacular's head block only to move its <style> into
    static/css/swagger.css: the rest must be upstream's, word for word, and the CSS its rules. A drf-spectacular
    upgrade that changes its head (a new link, a changed rule) fails here: carry the change over, then update this."""
    import drf_spectacular

    upstream = (Path(drf_spectacular.__file__).parent / "templates/drf_spectacular/swagger_ui.html").read_text("utf-8")
    ours = (ROOT / "templates/drf_spectacular/swagger_ui.html").read_text(encoding="utf-8")
    style = re.search(r"<style>(.*?)</style>", upstream, re.S)
    assert style, "upstream's head has no <style> block any more: is the override still needed?"
    assert head_block(ours) == head_block(upstream.replace(style.group(0), "")) + [
        """<link rel="stylesheet" href="{% static 'css/swagger.css' %}">"""]
    css = (ROOT / "static/css/swagger.css").read_text(encoding="utf-8")
    rules = [line for line in (ln.strip() for ln in css.splitlines()) if line and not line.startswith("/*")]
    assert rules == [line.strip() for line in style.group(1).splitlines() if line.strip()]


def test_only_the_browsable_api_keeps_inline_styles(client_as, users):
    """DRF's browsable API (its own templates, style attributes and a <style> block) is the one relaxation: style-src
    'unsafe-inline' on those HTML pages only; its scripts stay 'self', and its JSON gets the normal policy."""
    c = client_as(users.secretary_a)
    html = c.get("/api/orgs/", HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    assert html["Content-Security-Policy"] == POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    assert "script-src 'self';" in html["Content-Security-Policy"]
    assert c.get("/api/orgs/", HTTP_ACCEPT="application/json")["Content-Security-Policy"] == POLICY


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_an_inline_style(path):
    """Looks come from static/css/app.css (utility classes such as mw-40rem, w-6em); a width computed per row is
    a data-width / data-indent attribute that static/js/app.js applies through the CSSOM, which CSP allows."""
    text = path.read_text(encoding="utf-8")
    # a quote left open would make one tag of the rest of the file (hiding a <script> from inline_code)
    assert [tag[:80] for _n, _a, tag in start_tags(text) if not tag.endswith(">")] == []
    if str(path.relative_to(ROOT)) in PDF_ONLY:
        return
    assert inline_style(text) == []


def html_escaping_the_pdf(module: str, template: str, sources: dict[str, str]) -> list[str]:
    """Uses of a function that returns a PDF-only template's HTML (render_html in orglife/ledger.py) anywhere but as
    the argument of a PDF-making call: WeasyPrint's HTML(…) or a function of the module that calls it (render_pdf).
    `module` is the renderer's source; `sources` maps the other files to theirs."""
    import ast

    def calls_weasyprint(fn):
        return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "HTML"
                   for n in ast.walk(fn))

    def name_of(node):
        return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None

    tree = ast.parse(module)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    pdf = {f.name for f in functions if calls_weasyprint(f)} | {"HTML"}
    html = {f.name for f in functions if f.name not in pdf
            and any(isinstance(n, ast.Constant) and n.value == template for n in ast.walk(f))}
    found = []
    for where, text in {"(the renderer)": module, **sources}.items():
        t = ast.parse(text)
        parents = {child: node for node in ast.walk(t) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(t):
            if name_of(node) not in html or isinstance(node, ast.FunctionDef):
                continue
            call = parents.get(node)
            outer = parents.get(call)
            if isinstance(outer, ast.keyword):
                outer = parents.get(outer)
            if not (isinstance(call, ast.Call) and call.func is node and isinstance(outer, ast.Call)
                    and call in (*outer.args, *(k.value for k in outer.keywords)) and name_of(outer.func) in pdf):
                found.append(f"{where} line {node.lineno}: {ast.unparse(call if isinstance(call, ast.Call) else node)}")
        found += [f"{where}: imports {a.name} as {a.asname}" for n in ast.walk(t) if isinstance(n, ast.ImportFrom)
                  for a in n.names if a.name in html and a.asname]  # (its calls could not be followed)
    return found


def test_the_pdf_html_scan_finds_what_it_must():
    module = '''
def render_html(data):
    return render_to_string("orglife/ledger_branch.html", data)

def render_pdf(html):
    return HTML(string=html).write_pdf()

def pdf_in_one(data):
    return HTML(string=render_html(data)).write_pdf()
'''
    name = "orglife/ledger_branch.html"
    fine = {"views.py": "def v(r):\n    return download(ledger.render_pdf(ledger.render_html(d)), PDF, 'x.pdf')\n"}
    assert html_escaping_the_pdf(module, name, fine) == []
    assert html_escaping_the_pdf(module, name, {"v.py": "def v(r):\n    return HttpResponse(ledger.render_html(d))"})
    assert html_escaping_the_pdf(module, name, {"views.py": "from .ledger import render_html\nh = render_html(d)"})
    assert html_escaping_the_pdf(module, name, {"views.py": "page = ledger.render_html\n"})  # handed on, not called
    assert html_escaping_the_pdf(module, name, {"views.py": "download(pdf(ledger.render_html(d)), PDF, 'x')"})
    assert html_escaping_the_pdf(module + "\ndef preview(d):\n    return render_html(d)\n", name, {})
    assert html_escaping_the_pdf(module, name, {"v.py": "from .ledger import render_html as page\nx = page(d)"})


def test_pdf_only_templates_html_goes_only_into_a_pdf():
    """A function returning a PDF-only template's HTML (orglife/ledger.py's render_html) is used only to make the
    PDF, never returned by a view or anything else that could reach a browser with its inline print styles."""
    sources = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in (ROOT / "dangjian").rglob("*.py")
               if "tests" not in p.parts and "migrations" not in p.parts}
    found, html_functions = [], 0
    for template, module in PDF_ONLY.items():
        name = template.removeprefix("templates/")
        others = {k: v for k, v in sources.items() if k != module}
        found += html_escaping_the_pdf(sources[module], name, others)
        html_functions += "render_html" in sources[module]
    assert found == []
    assert html_functions == 1  # the scan has something to look at: orglife/ledger.py's render_html


def test_pdf_only_templates_are_only_rendered_to_pdf():
    for template, module in PDF_ONLY.items():
        name = template.removeprefix("templates/")
        users = [p for p in (ROOT / "dangjian").rglob("*.py")
                 if "tests" not in p.parts and name in p.read_text(encoding="utf-8")]
        assert [str(p.relative_to(ROOT)) for p in users] == [module], name
        assert "weasyprint" in (ROOT / module).read_text(encoding="utf-8").lower(), module


def python_inline_style(text: str) -> list[str]:
    """What Python code could put into a page as a style: a string holding a tag with style= or a <style> block (read
    by the template scanner, so implicit concatenation, triple quotes and line breaks do not hide it; docstrings are
    prose), a "style" dict key (widget and django-tables2 attrs), `attrs["style"] = …` and `dict(style=…)`."""
    import ast

    tree = ast.parse(text)
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.body
                  and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        line = f"line {getattr(node, 'lineno', '?')}: "
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found += [line + f for f in inline_style(node.value)]
        elif isinstance(node, ast.JoinedStr):  # an f-string: its literal parts around the {values}
            parts = [v.value if isinstance(v, ast.Constant) else "{}" for v in node.values]
            found += [line + f for f in inline_style("".join(parts))]
        elif isinstance(node, ast.Dict):
            found += [line + '"style": …' for k in node.keys if isinstance(k, ast.Constant) and k.value == "style"]
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == "style":
            found.append(line + '["style"]')
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
            found += [line + "dict(style=…)" for k in node.keywords if k.arg == "style"]
    return found


def test_the_python_style_scanner_finds_what_it_must():
    q3 = '"' * 3
    assert python_inline_style("""format_html('<span class="x" style="color: {}">{}</span>', c, t)""")
    assert python_inline_style("""attrs = {"td": {"class": "n", "style": "width: 6em"}}""")
    assert python_inline_style("""forms.TextInput(attrs={'style' : 'width: 6em'})""")
    assert python_inline_style("""self.fields["x"].widget.attrs["style"] = "width: 6em" """)
    assert python_inline_style("""widget.attrs['style'] = w""")
    assert python_inline_style("""forms.TextInput(attrs=dict(style="width: 6em"))""")
    assert python_inline_style("""forms.TextInput(attrs=dict(placeholder="x", style=w))""")
    assert python_inline_style("""format_html('<td class="n"\\n style="width: {}">', w)""")
    assert python_inline_style(f"""format_html({q3}<td class="n"\n    style="width: {{}}">{q3}, w)""")
    assert python_inline_style("""format_html('<td class="n" '\n            'style="width: {}">', w)""")
    assert python_inline_style("""mark_safe("<style>td { color: red }</style>")""")
    assert not python_inline_style("""THIN = Side(style="thin")""")  # openpyxl's cell border: no HTML
    assert not python_inline_style("""format_html('<td class="n" data-width="{}">', w)""")
    assert not python_inline_style("""# a comment: never <b style="x"> in a widget""")
    assert not python_inline_style(f"""def f():\n    {q3}Moved from a <style> block and style="…" to app.css.{q3}""")


def test_no_python_code_emits_an_inline_style():
    """format_html strings, widget attrs and django-tables2 attrs={"td": {...}} reach pages as attributes too."""
    found = []
    for p in (ROOT / "dangjian").rglob("*.py"):
        if "tests" in p.parts or "migrations" in p.parts:
            continue
        try:
            found += [f"{p.relative_to(ROOT)}: {f}" for f in python_inline_style(p.read_text(encoding="utf-8"))]
        except SyntaxError as e:
            found.append(f"{p.relative_to(ROOT)}: not valid Python, so not scanned ({e})")
    assert found == []


def js_scan(text: str) -> tuple[str, list[str]]:
    """(the script without its comments, its string and template literals): a small lexer, enough for the project's
    ES5 files. A regex literal such as /["']/ is read as one, so its quotes open nothing."""
    code, literals, i, n, prev = [], [], 0, len(text), ""  # prev: last significant character (is / a regex?)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            code.append(" ")
        elif c in "\"'`" or (c == "/" and (not prev or prev in "(,=:[!&|?{};+-*%<>~^")):
            j = i + 1
            while j < n and text[j] != c and (c == "`" or text[j] != "\n"):
                j += 2 if text[j] == "\\" else 1
            if c != "/":
                literals.append(text[i + 1:j])
            code.append(text[i:j + 1])
            i, prev = j + 1, c
        else:
            if not c.isspace():
                prev = c
            code.append(c)
            i += 1
    return "".join(code), literals


JS_STYLE_FRAGMENT = re.compile(r"(?<![\w.-])(?:(?:x-bind)?:)?style\s*=|<style\b", re.I)
SET_STYLE_ATTR = re.compile(r"""setAttribute(?:NS)?\s*\((?:[^,()]*,)?\s*["'`]style["'`]""", re.I)


def js_inline_style(text: str) -> list[str]:
    """setAttribute("style", …), and markup with a style attribute or <style> block in a string or template literal
    (innerHTML, insertAdjacentHTML, a string built up piece by piece: any fragment 'style=' counts)."""
    code, literals = js_scan(text)
    found = [m.group(0) for m in SET_STYLE_ATTR.finditer(code)]
    for lit in literals:
        found += [f"{m.group(0)} in {lit[:60]!r}" for m in JS_STYLE_FRAGMENT.finditer(lit)]
    return found


def test_the_js_style_scanner_finds_what_it_must():
    assert js_inline_style('el.setAttribute("style", "color: red");')
    assert js_inline_style("el.setAttribute( 'style', s);")
    assert js_inline_style("el.setAttribute(`style`, s);")
    assert js_inline_style("""box.innerHTML = '<span style="color:' + c + '">x</span>';""")
    assert js_inline_style("""box.innerHTML = `<div class="x"\n    style="width: ${w}%">`;""")
    assert js_inline_style("""html += '" style="width:' + w + '%"';""")
    assert js_inline_style('''html += "<b :style='s'>";''')
    assert js_inline_style('var css = "<style>.a { color: red }</style>";')
    assert js_inline_style("""if (/["']/.test(s)) { box.innerHTML = '<i style="x">'; }""")  # a regex's quote
    assert not js_inline_style("m.style.backgroundColor = c; m.style.width = w + '%';")  # the CSSOM: allowed
    assert not js_inline_style('// ECharts builds its tooltip with style="…" attributes\nvar a = 1;')
    assert not js_inline_style('/* no <style> block,\n style="x" */ var a = "x";')
    assert not js_inline_style('box.setAttribute("role", "alert"); e.className = "style";')
    assert not js_inline_style("""if (/["']/.test(s)) { box.setAttribute("data-style", "1"); }""")
    assert not js_inline_style("""var unnamed = /^series\\0/.test(n), q = "it's"; // don't""")


def test_no_project_script_sets_an_inline_style():
    """static/js/ (the project's scripts; libraries are in static/vendor/) builds markup with classes and sets
    computed values through the CSSOM (el.style.width), never a style attribute the policy would refuse."""
    found = []
    for js in sorted((ROOT / "static" / "js").glob("*.js")):
        found += [f"{js.name}: {f}" for f in js_inline_style(js.read_text(encoding="utf-8"))]
    assert found == []


def test_every_chart_tooltip_avoids_echarts_inline_styles():
    """ECharts' default tooltip and its arrow for a position keyword ("top") are HTML with style attributes: each
    tooltip names a formatter (static/js/chart-tooltip.js, or plain text) and no position keyword."""
    for js in (ROOT / "static" / "js").glob("*.js"):
        text = js.read_text(encoding="utf-8")
        for m in re.finditer(r"tooltip:\s*\{", text):
            option = text[m.end():m.end() + 200]
            assert "formatter" in option, f"{js.name}: {option[:60]}"
            assert not re.search(r"position:\s*[\"']", option), f"{js.name}: {option[:60]}"


def test_htmx_injects_no_indicator_style(client, db):
    """htmx adds a <style> for .htmx-indicator unless told not to; the rules are in app.css instead."""
    page = client.get(reverse("login")).content.decode()
    meta = re.search(r"""<meta name="htmx-config" content='([^']*)'>""", page)
    assert json.loads(meta.group(1))["includeIndicatorStyles"] is False
    css = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert ".htmx-indicator" in css and "opacity: 0" in css


def test_json_script_is_the_way_to_hand_data_to_scripts():
    """Django's json_script renders <script type="application/json">, which the scanner (and CSP) allow."""
    from django.utils.html import json_script

    assert inline_code(json_script({"a": "</script>"}, "cfg")) == []


def test_htmx_may_not_evaluate_code(client, db):
    """hx-on and js: values need eval; htmx reads its config from a meta tag before it starts."""
    page = client.get(reverse("login")).content.decode()
    meta = re.search(r"""<meta name="htmx-config" content='([^']*)'>""", page)
    assert meta and json.loads(meta.group(1))["allowEval"] is False
    assert page.index('name="htmx-config"') < page.index("vendor/htmx.org/htmx.min.js")


def test_the_alpine_build_needs_no_eval():
    """Standard Alpine compiles x-* expressions with new Function (needs 'unsafe-eval'); the CSP build parses them."""
    alpine = (ROOT / "static" / "vendor" / "alpinejs" / "alpine.min.js").read_text(encoding="utf-8")
    assert "CSP Parser Error" in alpine  # @alpinejs/csp: its own expression parser, not new Function
    for js in (ROOT / "static" / "js").glob("*.js"):
        text = js.read_text(encoding="utf-8")
        assert not re.search(r"\beval\(|new Function\(", text), js.name


# --- 上传文件 -------------------------------------------------------------------------------------
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"/>'
HTML = b"<!doctype html><script>alert(document.cookie)</script>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.fixture
def meeting(settings, tmp_path, tree, people, users):
    import datetime as dt

    from dangjian.orglife.actions import do_record_meeting

    settings.MEDIA_ROOT = str(tmp_path / "media")
    return do_record_meeting(org=tree.a, type="theme_day", date=dt.date(2025, 6, 28), topic="六月主题党日",
                             present=[people.secretary_a, people.member_a], acting_user=users.secretary_a)


@pytest.mark.parametrize("payload", [SVG, HTML], ids=["svg", "html"])
def test_active_content_renamed_png_is_refused_at_upload(meeting, users, client_as, payload):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.orglife.models import MeetingAttachment

    r = client_as(users.secretary_a).post(
        reverse("orglife:meeting_attachment_upload", kwargs={"pk": meeting.pk}),
        {"files": [SimpleUploadedFile("照片.png", payload, content_type="image/png")]}, follow=True)
    assert "不是允许的文件类型" in r.content.decode()
    assert not MeetingAttachment.objects.exists()


def stored(meeting, users, payload, content_type, name="照片.png"):
    """An attachment row as an older version, an import or a hand-edited database might have left it."""
    from dangjian.orglife.models import MeetingAttachment

    a = MeetingAttachment(meeting=meeting, original_name=name, content_type=content_type, size=len(payload),
                          sha256="0" * 64, uploaded_by=users.secretary_a)
    a.file.save("meetings/2025/" + secrets.token_hex(16) + ".png", ContentFile(payload), save=False)
    a.save()
    return a


@pytest.mark.parametrize("payload,claimed", [(SVG, "image/svg+xml"), (HTML, "text/html"), (SVG, "image/png")],
                         ids=["svg-as-svg", "html-as-html", "svg-as-png"])
def test_stored_active_content_is_served_as_an_inert_download(meeting, users, client_as, payload, claimed):
    a = stored(meeting, users, payload, claimed)
    r = client_as(users.secretary_a).get(reverse("orglife:attachment_download", kwargs={"pk": a.pk}))
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == payload  # the bytes, unchanged, for the record
    assert r["Content-Type"] == "application/octet-stream"  # what the bytes are, never what the row claims
    assert r["Content-Disposition"].startswith("attachment;")
    assert r["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r["Content-Security-Policy"] and "default-src 'none'" in r["Content-Security-Policy"]


def test_a_real_png_is_served_with_its_sniffed_type(meeting, users, client_as):
    a = stored(meeting, users, PNG, "text/html")  # a wrong type in the row does not matter either
    r = client_as(users.secretary_a).get(reverse("orglife:attachment_download", kwargs={"pk": a.pk}))
    assert r["Content-Type"] == "image/png"
    assert r["Content-Disposition"].startswith("attachment;")
    assert r["Cross-Origin-Resource-Policy"] == "same-origin"


def test_any_download_is_sandboxed_by_the_middleware(rf):
    """Downloads built elsewhere (reports, ledgers: FileResponse/HttpResponse with an attachment
    disposition) get the sandbox policy and nosniff from the CSP middleware."""
    from django.http import HttpResponse

    from dangjian.core.csp import ContentSecurityPolicyMiddleware

    def view(request):
        r = HttpResponse(HTML, content_type="text/html")
        r["Content-Disposition"] = 'attachment; filename="report.html"'
        return r

    r = ContentSecurityPolicyMiddleware(view)(rf.get("/x"))
    assert r["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert r["X-Content-Type-Options"] == "nosniff"


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="Debian chromium 未安装（make test 会安装）")
def test_the_browser_watch_sees_a_refused_inline_script(chromium):
    """The console watch used by the browser tests recognises what this Chromium prints for a refused script."""
    from dangjian.core.tests.test_browser import watch_csp

    chromium.expect_csp_violations()  # provoked on purpose

    page = chromium.new_page()
    seen = []
    watch_csp(page, seen)
    page.set_content(f"""<html><head><meta http-equiv="Content-Security-Policy" content="{POLICY}"></head>
        <body><script>document.title = 'ran'</script><button onclick="document.title = 'ran'">b</button></body></html>""")
    page.click("button")
    page.wait_for_timeout(100)
    assert page.title() != "ran"
    assert len([v for v in seen if "inline" in v]) == 2  # the script and the handler (meta also notes frame-ancestors)
    page.close()


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="Debian chromium 未安装（make test 会安装）")
def test_every_browser_test_page_is_watched_for_the_policy(chromium):
    """No browser test has to remember watch_csp: the `chromium` fixture watches every page opened through it (from
    the browser, from a context, a popup) and fails the test if anything was refused — unless the test expects it."""
    chromium.expect_csp_violations()  # this test provokes three, on purpose
    refused = f"""<html><head><meta http-equiv="Content-Security-Policy" content="{POLICY}"></head>
        <body><p style="color: red">x</p></body></html>"""
    page = chromium.new_page()
    page.set_content(refused.replace("x</p>", "page</p>"))
    context = chromium.new_context()
    in_context = context.new_page()
    in_context.set_content(refused.replace("x</p>", "context</p><a href='about:blank' target='_blank'>o</a>"))
    with context.expect_page() as opened:
        in_context.click("a")
    opened.value.set_content(refused)
    page.wait_for_timeout(100)
    assert len([v for v in chromium.csp_violations if "inline style" in v]) == 3, chromium.csp_violations
    context.close()
    page.close()


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="Debian chromium 未安装（make test 会安装）")
def test_chart_tooltips_show_under_the_policy(chromium):
    """The project's ECharts with chart-tooltip.js, served with the policy: an axis, an item and a "top" tooltip
    show their markers and arrow, and nothing is refused (ECharts' own tooltips would be, once per line)."""
    from dangjian.core.tests.test_browser import watch_csp

    files = {"echarts.js": ROOT / "static/vendor/echarts/echarts.min.js", "tip.js": ROOT / "static/js/chart-tooltip.js",
             "app.css": ROOT / "static/css/app.css"}
    main = """
      var opts = {
        a: {tooltip: {trigger: 'axis', formatter: djTooltip.axis}, xAxis: {type: 'category', data: ['1月', '2月']},
            yAxis: {}, series: [{name: '新发现预警', type: 'bar', data: [1, 2]}, {name: '按期率', type: 'line', data: [50, null]}]},
        b: {tooltip: {trigger: 'item', formatter: djTooltip.item}, series: [{type: 'pie', data: [{name: '合格', value: 3}]}]},
        c: {tooltip: {position: djTooltip.top, formatter: function () { return '第一党支部' + djTooltip.ARROW; }},
            xAxis: {type: 'category', data: ['x']}, yAxis: {type: 'category', data: ['y']},
            visualMap: {min: 0, max: 3, show: false}, series: [{type: 'heatmap', data: [[0, 0, 2]]}]}};
      Object.keys(opts).forEach(function (id) { echarts.init(document.getElementById(id)).setOption(opts[id]); });"""
    main = main.encode()
    page_html = b"""<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/app.css"></head><body>
      <div id="a" class="chart-h-240"></div><div id="b" class="chart-h-240"></div><div id="c" class="chart-h-240"></div>
      <script src="/echarts.js"></script><script src="/tip.js"></script><script src="/main.js"></script></body></html>"""

    def serve(route):
        name = route.request.url.rsplit("/", 1)[1]
        body, kind = ((page_html, "text/html") if name == "" else (main, "text/javascript") if name == "main.js"
                      else (files[name].read_bytes(), "text/css" if name.endswith(".css") else "text/javascript"))
        route.fulfill(status=200, body=body, headers={"Content-Type": kind, "Content-Security-Policy": POLICY})

    page = chromium.new_page(viewport={"width": 800, "height": 900})
    seen = []
    watch_csp(page, seen)
    page.route("http://charts.test/**", serve)
    page.goto("http://charts.test/")
    shown = {}
    for box, probe in (("a", ".ec-tip-marker"), ("b", ".ec-tip-marker"), ("c", ".ec-tip-arrow")):
        bb = page.locator(f"#{box}").bounding_box()
        page.mouse.move(bb["x"] + bb["width"] * 0.5, bb["y"] + bb["height"] * 0.5)
        page.wait_for_timeout(400)
        shown[box] = page.evaluate(f"document.querySelectorAll('#{box} {probe}').length")
    page.close()
    assert shown["a"] == 2 and shown["b"] == 1 and shown["c"] == 1, shown
    assert seen == []


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="Debian chromium 未安装（make test 会安装）")
def test_the_browser_watch_sees_a_refused_inline_style(chromium):
    """…and an inline style attribute or <style> block refused by style-src 'self'."""
    from dangjian.core.tests.test_browser import watch_csp

    chromium.expect_csp_violations()  # provoked on purpose

    page = chromium.new_page()
    seen = []
    watch_csp(page, seen)
    page.set_content(f"""<html><head><meta http-equiv="Content-Security-Policy" content="{POLICY}">
        <style>#a {{ color: rgb(255, 0, 0) }}</style></head>
        <body><p id="a">a</p><p id="b" style="color: rgb(255, 0, 0)">b</p></body></html>""")
    page.wait_for_timeout(100)
    assert page.eval_on_selector("#a", "e => getComputedStyle(e).color") != "rgb(255, 0, 0)"
    assert page.eval_on_selector("#b", "e => getComputedStyle(e).color") != "rgb(255, 0, 0)"
    assert len([v for v in seen if "inline style" in v]) == 2
    page.close()
