"""越权爬取: the outsider `secretary_b` (secretary of the sibling branch B) crawls every route of the project —
UI pages and API endpoints, with and without format suffix — filled with the REAL ids of branch A's objects,
and learns nothing: every object route answers 404 (405 for a method the route does not take), every list or
form filtered by A's ids (`?org=`, `?person=`, `?meeting=` …) answers 404/400 or shows none of A's records.

Unlike the permission matrix (test_permission_matrix.py: one row per `pk` route, also proving that `secretary_a`
reaches the object), this crawl is about completeness:

* every URL pattern is visited, named or not, whatever its kwargs: `pk`/`<model>_pk` (filled from the matrix's
  fixture of one object per model of branch A — for an API route the object is checked to be an instance of the
  viewset's queryset model), `year`, `kind`, `format`, and the `token` routes (A's roster import preview, the
  sign-in QR code of A's meeting today); a kwarg nothing here can fill fails the suite until it gets a filler or
  a justified entry in NOT_AN_OBJECT;
* every id-valued query parameter the code reads (found by scanning the sources for `GET.get("…")`,
  `query_params.get("…")` and the filter names of every FilterSet) is tried on every page that mentions it;
* A's records are recognised by marker strings (names and titles only A's objects carry); the same requests
  made by `secretary_a` show them, so the markers are not vacuous.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from dangjian.core.tests.test_permission_matrix import (  # noqa: F401  (branch_a is a fixture)
    EXTRA_KWARGS, METHODS, branch_a, object_key_for, walk_routes)

ROOT = Path(__file__).resolve().parents[2]   # dangjian/

# kwargs that name no object of a branch (justified): nothing of A can be put in them.
NOT_AN_OBJECT = {
    # 规则参数 are one set for the whole 工委 (jurisdiction), not a branch's: the page is the same for everyone
    # (read-only and a redirect for anyone but the 工委管理员).
    ("jurisdiction:setting_edit", "key"),
}
# Values for the kwargs that are not object ids.
VALUE_KWARGS = {**EXTRA_KWARGS, "format": "json"}

# Pages that answer something other than a page to a GET by the outsider, for a reason unrelated to A:
# logout is POST-only (405) and the login page redirects a logged-in user.
NO_GET = {"logout", "login"}


# --- the route inventory --------------------------------------------------------------------------
ALL = list(walk_routes(get_resolver().url_patterns))


def _is_object_kwarg(k: str) -> bool:
    return k == "pk" or k.endswith("_pk")


def test_every_route_is_named_and_every_kwarg_can_be_filled():
    """Unnamed patterns with kwargs cannot be reversed (so could hide from the crawl); every kwarg is an object
    id the fixture fills, a value kwarg, a token the crawl makes, or a justified NOT_AN_OBJECT."""
    problems = []
    for name, path, kwargs, _ in ALL:
        if name is None:
            if kwargs:
                problems.append(f"(unnamed) {path}")
            continue
        route = name.rsplit(":", 1)[-1]
        for k in kwargs:
            if _is_object_kwarg(k):
                base = route if k == "pk" else k[:-3]
                ok = object_key_for(base) is not None
            else:
                ok = k in VALUE_KWARGS or (k == "token" and name in TOKENS) or (name, k) in NOT_AN_OBJECT
            if not ok:
                problems.append(f"{name} ({path}) {k}")
    assert not problems, "越权爬取无法填写这些路由参数，请为其加上夹具或在 NOT_AN_OBJECT 中说明理由：\n" + "\n".join(problems)
    assert len(ALL) > 300


# --- branch A's objects beyond the matrix's: the token routes --------------------------------------
def _roster_token(users):
    from dangjian.people import roster

    preview = roster.Preview(rows=[roster.PreviewRow(row=2, name="李红梅", org="第一党支部", action="same")],
                             filename="第一党支部花名册.xlsx")
    return roster.save_preview(preview, users.secretary_a)


def _sign_in_token(tree, people, users):
    from dangjian.orglife.actions import do_record_meeting
    from dangjian.orglife.signin_views import make_token

    m = do_record_meeting(org=tree.a, type="theme_day", date=timezone.localdate(), topic="今日主题党日",
                          acting_user=users.secretary_a)
    return make_token(m)


TOKENS = {"people:roster_preview": "roster", "people:roster_commit": "roster", "orglife:sign_in": "sign_in"}


@pytest.fixture
def crawl(branch_a, tree, people, users):
    return {**branch_a, "_tokens": {"roster": _roster_token(users), "sign_in": _sign_in_token(tree, people, users)}}


def _url(name, path, kwargs, objects) -> str | None:
    route = name.rsplit(":", 1)[-1]
    values = {}
    for k in kwargs:
        if _is_object_kwarg(k):
            values[k] = objects[object_key_for(route if k == "pk" else k[:-3])].pk
        elif k == "token":
            values[k] = objects["_tokens"][TOKENS[name]]
        elif (name, k) in NOT_AN_OBJECT:
            return None
        else:
            values[k] = VALUE_KWARGS[k]
    return reverse(name, kwargs=values)


def _viewset_model(pattern):
    cls = getattr(pattern.callback, "cls", None)
    qs = getattr(cls, "queryset", None)
    return getattr(qs, "model", None)


def _client(user) -> Client:
    c = Client(raise_request_exception=False)   # a 500 is an answer to report, not an exception
    c.force_login(user)
    return c


# --- markers: what only A's objects say ------------------------------------------------------------
MARKERS = ("李红梅", "王建国", "二季度支部党员大会", "2025年度组织生活会", "理论学习不够深入", "市交通运输局综合处",
           "党员大会记录缺少表决情况", "希望主题党日多到基层联系点开展", "今日主题党日", "外省某县党支部",
           "第一党小组")


def _text(response) -> str:
    """The response as text: HTML/JSON/CSV as is, the XML parts of an .xlsx/.docx, a streamed body joined."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as z:
                return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
        except zipfile.BadZipFile:
            pass
    return body.decode("utf-8", "replace")


def _leaks(response) -> list[str]:
    if response.status_code != 200:
        return []
    text = _text(response)
    return [m for m in MARKERS if m in text]


# --- 1. every route that carries an object of A ----------------------------------------------------
def test_outsider_gets_404_on_every_route_with_an_id_of_branch_a(crawl, users):
    secretary_b = _client(users.secretary_b)
    crawled, wrong, fixed = 0, [], []
    for name, path, kwargs, pattern in ALL:
        if not name or not kwargs or not any(_is_object_kwarg(k) or k == "token" for k in kwargs):
            continue
        url = _url(name, path, kwargs, crawl)
        if url is None:
            continue
        model = _viewset_model(pattern)
        if model is not None and "pk" in kwargs and not isinstance(crawl[object_key_for(name.rsplit(":", 1)[-1])],
                                                                   model):
            # The route's name prefix misleads (an action `steps` of the 发展党员 file viewset reads as a step):
            # the viewset's model decides which of A's objects goes in.
            obj = next((o for o in crawl.values() if isinstance(o, model)), None)
            assert obj is not None, f"{name}: 支部A的夹具中没有视图集模型 {model.__name__} 的对象"
            assert kwargs == ("pk",), name
            url = reverse(name, kwargs={"pk": obj.pk})
            fixed.append(name)
        answers = {m: getattr(secretary_b, m)(url).status_code for m in METHODS}
        crawled += 1
        if not (set(answers.values()) <= {404, 405} and 404 in answers.values()):
            wrong.append(f"{url} ({name}): {answers}")
    assert not wrong, "支部B书记访问支部A的对象，应一律 404：\n" + "\n".join(wrong)
    assert crawled > 150, crawled
    # A route whose name prefix the permission matrix maps to another model than its viewset's (the matrix then
    # proves nothing about it): add the route's prefix to the matrix's OBJECTS.
    assert not fixed, f"权限矩阵按名称前缀给这些路由填了别的模型的对象：{fixed}"


def test_the_token_routes_are_reached_by_branch_a(crawl, users):
    """The outsider's 404 on the token routes comes from the scope: A's own people open them."""
    assert _client(users.secretary_a).get(reverse("people:roster_preview", kwargs={
        "token": crawl["_tokens"]["roster"]})).status_code == 200
    assert _client(users.member_a).get(reverse("orglife:sign_in", kwargs={
        "token": crawl["_tokens"]["sign_in"]})).status_code == 200


# --- 2. lists and forms filtered by A's ids --------------------------------------------------------
_PARAM_RE = re.compile(r"""(?:GET|POST|query_params|data|params|p)\.(?:get|getlist)\(\s*["']([a-z_]+)["']""")
# Query parameters that take an org under another name.
PARAM_ALIASES = {"within": "org", "scope": "org", "issuer": "org", "organiser": "org", "branch": "org"}


def _id_params() -> dict[str, str]:
    """Query parameter → fixture key, for every id-valued parameter the code reads or filters on."""
    import django_filters

    names = set()
    for f in ROOT.rglob("*.py"):
        if "tests" in f.parts or "migrations" in f.parts:
            continue
        names |= set(_PARAM_RE.findall(f.read_text(encoding="utf-8")))

    def subclasses(c):
        for s in c.__subclasses__():
            yield s
            yield from subclasses(s)

    for fs in subclasses(django_filters.FilterSet):
        if fs.__module__.startswith("dangjian."):
            names |= {n for n, f in fs.base_filters.items()
                      if isinstance(f, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter)}
    out = {}
    for n in names:
        key = PARAM_ALIASES.get(n) or object_key_for(n)
        if key is not None and n not in ("page", "year"):
            out[n] = key
    return out


ID_PARAMS = _id_params()


def _mentions(pattern, param: str) -> bool:
    """Whether the view's module (or its viewset's) names the parameter, so that trying it is meaningful."""
    import inspect

    func = pattern.callback
    cls = getattr(func, "cls", None) or getattr(func, "view_class", None)
    mods = {inspect.getmodule(func)} | ({inspect.getmodule(cls)} if cls else set())
    fs = getattr(cls, "filterset_class", None)
    if fs is not None and param in fs.base_filters:
        return True
    for m in mods - {None}:
        try:
            if re.search(rf"""["']{param}["']""", inspect.getsource(m)):
                return True
        except (OSError, TypeError):
            continue
    return False


def _list_requests(crawl):
    for name, path, kwargs, pattern in ALL:
        if not name or kwargs or name in NO_GET:
            continue
        url = reverse(name)
        for param, key in sorted(ID_PARAMS.items()):
            if key in crawl and _mentions(pattern, param):
                yield name, url, {param: crawl[key].pk}


def test_the_walk_finds_the_id_parameters():
    assert {"org", "person", "meeting", "within"} <= set(ID_PARAMS), ID_PARAMS


def test_filtering_by_branch_a_shows_the_outsider_nothing_of_a(crawl, users):
    secretary_b, secretary_a = _client(users.secretary_b), _client(users.secretary_a)
    tried, seen_by_a, wrong = 0, 0, []
    baseline = {}
    for name, url, params in _list_requests(crawl):
        r = secretary_b.get(url, params)
        tried += 1
        if r.status_code == 403 and url not in baseline:
            baseline[url] = secretary_b.get(url).status_code   # refused by role, whatever the parameters
        if r.status_code >= 500 or (r.status_code == 403 and baseline.get(url) != 403):
            wrong.append(f"{url}?{params} ({name}) → {r.status_code}")
        elif leaked := _leaks(r):
            wrong.append(f"{url}?{params} ({name}) → {r.status_code}，显示了支部A的：{'、'.join(leaked)}")
        seen_by_a += bool(_leaks(secretary_a.get(url, params)))
    assert not wrong, "支部B书记按支部A的编号筛选，不应看到支部A的任何记录：\n" + "\n".join(wrong)
    assert tried > 50, tried
    # The markers are what A's own secretary does see on these pages: the check above can fail.
    assert seen_by_a > tried // 4, (seen_by_a, tried)


def test_the_outsider_posting_ids_of_a_writes_nothing_into_a(crawl, users, tree):
    """Every form and API create route, posted by the outsider with A's org and person: nothing is recorded in
    A (no audit event of A's subtree appears)."""
    from dangjian.core.models import AuditEvent

    def a_events():
        return AuditEvent.objects.filter(org__path__startswith=tree.a.path).count()

    before = a_events()
    secretary_b = _client(users.secretary_b)
    data = {param: crawl[key].pk for param, key in ID_PARAMS.items() if key in crawl}
    data.update({"date": "2025-06-10", "topic": "越权", "name": "越权", "title": "越权", "year": "2025"})
    posted = 0
    for name, path, kwargs, _ in ALL:
        if not name or kwargs or name in NO_GET | {"password_change"}:
            continue
        url = reverse(name)
        status = secretary_b.post(url, data).status_code
        posted += 1
        assert status < 500, f"POST {url} → {status}"
    assert posted > 100
    assert a_events() == before, list(AuditEvent.objects.filter(org__path__startswith=tree.a.path)
                                      .order_by("-pk").values_list("verb", "text")[: a_events() - before])

