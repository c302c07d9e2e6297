"""The permission matrix: 管理范围之外的对象一律答 404 (never 403: its existence is not revealed).

Every route of the project that names an object (a `pk` kwarg, UI and API alike) is found by walking
the URL resolver, so a new page or endpoint cannot escape this test: its name prefix (`org_…`,
`person-…`, `finding_…`) says which persona fixture it is tried with, and a pk-route whose prefix
is unknown fails the suite until it is added to OBJECTS below.

* the outsider `secretary_b` (secretary of the sibling branch B) gets 404 on every object of
  branch A, for every HTTP method the route accepts (405 where it accepts none);
* `secretary_a` reaches the same objects (so the 404s come from the scope, not a broken route);
* the account pages (`user_…`) of branch A's people answer 404 to the outsider as well;
* `member_a` sees their own person record and gets 404 on another member of the same branch;
* anonymous users are sent to the login page (UI) or refused with 401/403 (API).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

METHODS = ("get", "post", "put", "patch", "delete")

# Route-name prefix (namespace dropped, lower case, "-" and "_" removed) → persona object key.
# Longest prefix wins. A new model's routes need a line here and an object in `branch_a_objects`.
OBJECTS = {
    "org": "org",
    "person": "person",
    "people": "person",
    "post": "post",
    "finding": "finding",
    "unit": "unit",
    "auditevent": "auditevent",
    "audit": "auditevent",
    "roleassignment": "roleassignment",
    "user": "user",  # accounts: an account is in scope through its roles' orgs and its person's org
    # 组织生活 (UI `orglife:meeting_…`, API `meeting-…`, and the same for talks and appraisals)
    "meeting": "meeting",
    "talk": "talk",
    "appraisal": "appraisal",
    # meeting attachments and the 组织生活会 process (对照检查材料 are reached through their meeting)
    "attachment": "attachment",
    "rectificationitem": "rectification_item",
    # 不合格党员组织处置 (UI `dispositions:disposition_…`, API `disposition-…`)
    "disposition": "disposition",
    # 发展党员纪实 (UI `recruitment:recruitment_…`) and its steps (`recruitmentstep_…`)
    "recruitment": "recruitment",
    "recruitmentstep": "recruitment_step",
    "recruitmentsteps": "recruitment",  # API `recruitment-steps`: the steps of a file (pk = the 发展档案)
    # 党费 (UI `dues:duespayment_…`, API `duespayment-…`, `duesbase-…`, `duesexemption-…`)
    "duespayment": "dues_payment",
    "duesbase": "dues_base",
    "duesexemption": "dues_exemption",
    "duesledger": "person",
    # 组织关系 (UI `membership:transfer_…`, API `transfer-…`, `mobilecontact-…`) and 学习 (`studyrecord-…`)
    "transfer": "transfer",
    "mobilecontact": "mobile_contact",
    "studyrecord": "study_record",
    # 督查整改 (UI `supervision:rectification_…`, `supervisionplan_…`; API `rectification-…`, `supervisionplan-…`)
    "rectification": "rectification",
    "supervisionplan": "supervision_plan",
    "suggestion": "suggestion",
    # 责任落实 (API `task-…`, `contactpoint-…`)
    "task": "duty_task",
    "contactpoint": "contact_point",
    # 明责 (UI `duty:responsibilitytemplate_…`, `duty:responsibilitylist_…`; API `responsibilitytemplate-…`,
    # `responsibilitylist-…`)
    "responsibilitytemplate": "responsibility_template",
    "responsibilitylist": "responsibility_list",
    # 考责 (UI `assessment:scheme_…` (a result is `scheme_result`: scheme and org), `report_…`, `review_…`; API `scheme-…`, `indicator-…`,
    # `result-…`, `report-…`, `reviewmeeting-…`, `accountability-…`)
    "scheme": "scheme",
    "indicator": "indicator",
    "result": "result",
    "report": "report",
    "review": "review",
    "accountability": "accountability",
    # 换届选举 (UI `elections:election_…`)
    "election": "election",
}
# Routes that branch A's secretary may see but not open: the 机关单位 register is kept by the 工委
# (a scope over a whole tree), so they are tried with `wc_admin` to prove the route works.
REACHED_BY = {"orgs:unit_edit": "wc_admin",
              # a 督查 belongs to the level that organises it (here the 机关党委), not to the branches it visits
              "supervision:supervisionplan_detail": "committee_admin", "supervisionplan-detail": "committee_admin",
              # a draft 责任清单 template is the issuing level's (the 机关党委) until published
              "duty:responsibilitytemplate_detail": "committee_admin",
              "responsibilitytemplate-detail": "committee_admin", "responsibilitytemplate-publish": "committee_admin",
              # a 考核方案 and a 述职评议会 are the issuing level's; branch A sees its own result and report only
              **{name: "committee_admin" for name in (
                  "assessment:scheme_detail", "assessment:scheme_export", "scheme-detail", "scheme-publish",
                  "scheme-score", "indicator-detail", "assessment:review_detail", "reviewmeeting-detail")},
              # the 问责 register: discipline roles only
              "accountability-detail": "discipline"}
# The API routes this module defines; their presence proves the resolver walk sees the router.
EXPECTED_API = {"unit-detail", "org-detail", "org-move", "org-merge", "org-dissolve", "post-detail",
                "person-detail", "person-status", "person-move", "person-reveal-id", "finding-detail",
                "finding-waive", "finding-reopen", "auditevent-detail", "roleassignment-detail",
                "meeting-detail", "meeting-delete", "talk-detail", "appraisal-detail"}


# Apps may keep their part of the matrix beside their own tests: `dangjian/<app>/tests/matrix.py` with
# `OBJECTS` (prefix → key), optionally `REACHED_BY`, and `objects(tree, people, users) -> {key: object}`
# (objects of branch A only). They are merged here, so a new app's routes are held to the same matrix.
MATRIX_APPS = ("exams", "fourstrong", "study", "textquality", "dashboards", "partystats", "privacy")


def _app_matrices():
    from importlib import import_module
    from importlib.util import find_spec

    for app in MATRIX_APPS:
        name = f"dangjian.{app}.tests.matrix"
        if find_spec(f"dangjian.{app}") is not None and find_spec(name) is not None:
            yield import_module(name)


APP_MATRICES = list(_app_matrices())
for _m in APP_MATRICES:
    assert not set(_m.OBJECTS) & set(OBJECTS), f"{_m.__name__}: 前缀与已有对象重复"
    OBJECTS.update(_m.OBJECTS)
    REACHED_BY.update(getattr(_m, "REACHED_BY", {}))


@dataclass(frozen=True)
class Route:
    name: str            # reversible name, with namespace
    kwargs: tuple        # object kwargs: "pk" or "<model>_pk"
    path: str
    extra: tuple = ()    # other kwargs (e.g. the ledger's `year`), filled from EXTRA_KWARGS

    @property
    def is_api(self) -> bool:
        return self.path.startswith("api/")

    def object_key(self, kwarg: str) -> str | None:
        base = self.name.rsplit(":", 1)[-1] if kwarg == "pk" else kwarg[: -len("_pk")]
        return object_key_for(base)

    def __str__(self):
        return self.name


def object_key_for(name: str) -> str | None:
    norm = re.sub(r"[-_]", "", name.lower())
    for prefix in sorted(OBJECTS, key=len, reverse=True):
        if norm.startswith(prefix):
            return OBJECTS[prefix]
    return None


def walk_routes(patterns, prefix="", namespace=None):
    """(name or None for an unnamed pattern, path, kwarg names, pattern) of every URL pattern, nested ones included.
    Shared by this matrix, the outsider crawl and the list-page query counts."""
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from walk_routes(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = (f"{namespace}:{p.name}" if namespace else p.name) if p.name else None
            yield name, (prefix + str(p.pattern)).lstrip("^"), tuple(p.pattern.regex.groupindex), p


def object_routes() -> list[Route]:
    """Every named route with an object kwarg (format-suffix twins of API routes folded in)."""
    routes: dict[str, Route] = {}
    for name, path, kwargs, _ in walk_routes(get_resolver().url_patterns):
        if name is None or "format" in kwargs:
            continue
        obj_kwargs = tuple(k for k in kwargs if k == "pk" or k.endswith("_pk"))
        if obj_kwargs:
            extra = tuple(k for k in kwargs if k not in obj_kwargs)
            routes.setdefault(name, Route(name, obj_kwargs, path.lstrip("^"), extra))
    return sorted(routes.values(), key=lambda r: r.name)


ROUTES = object_routes()


@pytest.fixture
def branch_a(tree, people, users, settings, tmp_path):
    """One object of each kind that lives in branch A (and only there)."""
    from dangjian.accounts.models import RoleAssignment
    from dangjian.core.models import AuditEvent, Finding
    from dangjian.orglife.actions import do_record_appraisal, do_record_meeting, do_record_talk
    from dangjian.orgs.actions import do_create_unit, do_update_org
    from dangjian.orgs.models import Post

    # The fixture unit hosts both branches; this one hosts only A's party group.
    unit_a = do_create_unit(name="市交通运输局综合处")
    do_update_org(tree.a1, unit=unit_a)
    finding = Finding.objects.create(rule_id="DATA-01", severity="WARN", subject_kind="person",
                                     subject_id=people.member_a.pk, org=tree.a, person=people.member_a,
                                     message="测试预警", citation="测试")
    meeting = do_record_meeting(org=tree.a, type="member_assembly", date=dt.date(2025, 6, 10),
                                topic="二季度支部党员大会", present=[people.secretary_a, people.member_a],
                                resolutions=[{"motion": "接收预备党员", "eligible": 2, "present": 2, "yes": 2}],
                                acting_user=users.secretary_a)
    # A 组织生活会 with one attachment (written under a temporary MEDIA_ROOT) and one 整改事项.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.orglife.actions import do_add_attachment, do_add_rectification_item

    settings.MEDIA_ROOT = str(tmp_path / "media")
    org_life = do_record_meeting(org=tree.a, type="org_life", date=dt.date(2025, 12, 20), topic="2025年度组织生活会",
                                 present=[people.secretary_a, people.member_a], acting_user=users.secretary_a)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    return {
        "attachment": do_add_attachment(org_life, SimpleUploadedFile("签到表.png", png), acting_user=users.secretary_a),
        "rectification_item": do_add_rectification_item(
            org_life, problem="理论学习不够深入", owner=people.member_a, deadline=dt.date(2026, 3, 31),
            acting_user=users.secretary_a),
        "org": tree.a,
        "person": people.member_a,
        "post": Post.objects.get(org=tree.a, person=people.secretary_a),
        "finding": finding,
        "unit": unit_a,
        "auditevent": AuditEvent.objects.filter(org=tree.a, verb="org.create").get(),
        "roleassignment": RoleAssignment.objects.get(user=users.secretary_a, org=tree.a),
        "user": users.member_a,
        "meeting": meeting,
        "talk": do_record_talk(a=people.secretary_a, b=people.member_a, date=dt.date(2025, 6, 1),
                               topic="谈心谈话", acting_user=users.secretary_a),
        "disposition": _disposition(people, users),
        **_recruitment(tree, users),
        **_dues(tree, people, users),
        **_membership(tree, people, users),
        **_supervision(tree, people, users),
        **_duty(tree, people, users),
        **_assessment(tree, people, users),
        "election": _election(tree, people, users),
        "appraisal": do_record_appraisal(org=tree.a, year=2025, meeting=meeting, acting_user=users.secretary_a,
                                         grades={people.secretary_a: "qualified", people.member_a: "qualified"}),
        **{key: obj for m in APP_MATRICES for key, obj in m.objects(tree, people, users).items()},
    }


def _dues(tree, people, users):
    from dangjian.dues.actions import do_record_exemption, do_record_payments, do_set_base

    base = do_set_base(people.member_a, start=dt.date(2025, 1, 1), base="2800.00", acting_user=users.secretary_a)
    (pay,) = do_record_payments(tree.a, dt.date(2025, 1, 1), [{"person": people.member_a.pk, "amount": "1014.00",
                                                               "paid_on": dt.date(2025, 1, 10)}],
                                acting_user=users.secretary_a)
    ex = do_record_exemption(people.member_a, kind="exempt", start=dt.date(2025, 2, 1), end=dt.date(2025, 2, 1),
                             reason="住院治疗", approval="交机党〔2025〕1号", approved_on=dt.date(2025, 1, 20))
    return {"dues_base": base, "dues_payment": pay, "dues_exemption": ex}


def _membership(tree, people, users):
    from dangjian.membership.actions import do_issue_transfer_out, do_record_contact
    from dangjian.study.actions import do_record_study

    t = do_issue_transfer_out(people.member_a, to_name="外省某县党支部", letter_date=dt.date(2025, 5, 1),
                              acting_user=users.secretary_a)
    c = do_record_contact(people.member_a, date=dt.date(2025, 5, 2), way="phone", acting_user=users.secretary_a)
    (s,) = do_record_study([people.member_a], date=dt.date(2025, 6, 1), hours="4", acting_user=users.secretary_a)
    return {"transfer": t, "mobile_contact": c, "study_record": s}


def _supervision(tree, people, users):
    from dangjian.supervision.actions import do_create_plan, do_record_problem

    plan = do_create_plan(issuing_org=tree.committee, scope=tree.committee, kind="concentrated", title="集中督查",
                          start=dt.date(2025, 5, 1), acting_user=users.committee_admin)
    r = do_record_problem(plan=plan, org=tree.a, problem="党员大会记录缺少表决情况", found=dt.date(2025, 5, 10),
                          deadline=dt.date(2025, 6, 30), acting_user=users.committee_admin)
    from dangjian.supervision.actions import do_record_suggestion

    s = do_record_suggestion(org=tree.a, received=dt.date(2025, 12, 20), text="希望主题党日多到基层联系点开展",
                             acting_user=users.secretary_a)
    return {"supervision_plan": plan, "rectification": r, "suggestion": s}


def _duty(tree, people, users):
    from dangjian.duty.actions import do_assign_contact_point, do_create_task
    from dangjian.people.models import Person

    Person.objects.filter(pk=people.secretary_a.pk).update(leading_cadre=True)
    leader = Person.objects.get(pk=people.secretary_a.pk)
    return {"duty_task": do_create_task(org=tree.a, title="全年召开党员大会不少于4次", deadline=dt.date(2025, 12, 31),
                                        acting_user=users.secretary_a),
            "contact_point": do_assign_contact_point(leader=leader, branch=tree.a, since=dt.date(2025, 1, 1),
                                                     acting_user=users.secretary_a),
            **_responsibility(tree, people, users)}


def _responsibility(tree, people, users):
    """A 责任书 of branch A (from the 机关党委's published template) and a draft template (the 机关党委's only:
    a published one is seen by every branch below, B included)."""
    from dangjian.duty import actions

    def template(title):
        t = actions.do_create_template(issuer=tree.committee, year=2025, role="branch_secretary", title=title,
                                       acting_user=users.committee_admin)
        actions.do_add_template_item(t, text="每年至少讲一次党课", evidence_source="lecture_given",
                                     acting_user=users.committee_admin)
        return t

    published = actions.do_publish_template(template("支部书记责任清单"), acting_user=users.committee_admin)
    (lst,) = actions.do_instantiate(published, org=tree.a, people=[people.secretary_a], acting_user=users.secretary_a)
    return {"responsibility_template": template("草稿"), "responsibility_list": lst}


def _assessment(tree, people, users):
    """The 机关党委's published scheme (with A's result), A's secretary's 述职 report at its 述职评议会, and an
    entry of the 问责 register about a member of A, kept by the 机关党委's 纪检 (`users.discipline`)."""
    from conftest import _user
    from dangjian.assessment import actions
    from dangjian.assessment.models import Result

    scheme = actions.do_create_scheme(issuer=tree.committee, year=2025, name="党支部工作考核",
                                      acting_user=users.committee_admin)
    ind = actions.do_add_indicator(scheme, name="三会一课", method="computed", metric="meetings_held", points="100",
                                   acting_user=users.committee_admin)
    actions.do_publish_scheme(scheme, acting_user=users.committee_admin)
    report = actions.do_submit_report(kind="secretary_duty", org=tree.a, person=people.secretary_a, year=2025,
                                      title="述职报告", text="……", submitted=dt.date(2025, 12, 20),
                                      acting_user=users.secretary_a)
    review = actions.do_create_review(organiser=tree.committee, year=2025, date=dt.date(2025, 12, 28), title="述职评议会",
                                      participants=20, reports=[report], acting_user=users.committee_admin)
    users.discipline = _user("jijian", None, [("discipline", tree.committee)])
    entry = actions.do_record_accountability(person=people.member_a, org=tree.a, date=dt.date(2025, 6, 1),
                                             form="first", measure="talk", reason="履职不力", decided_by="机关纪委",
                                             acting_user=users.discipline)
    return {"scheme": scheme, "indicator": ind, "result": Result.objects.get(scheme=scheme, org=tree.a),
            "report": report, "review": review, "accountability": entry}


def _election(tree, people, users):
    from dangjian.elections.actions import do_open_election

    return do_open_election(org=tree.a, seats=3, request_date=dt.date(2025, 3, 1), acting_user=users.secretary_a)


def _recruitment(tree, users):
    from conftest import _person
    from dangjian.recruitment.actions import do_open_file, do_record_step

    applicant = _person(tree.a, "入党申请人", status="applicant", birth_date=dt.date(2000, 1, 1),
                        probationary_date=None, full_member_date=None)
    f = do_open_file(person=applicant, application_date=dt.date(2025, 3, 1), acting_user=users.secretary_a)
    step = f.events.get()
    do_record_step(f, "first_talk", dt.date(2025, 3, 10), acting_user=users.secretary_a)   # (a 谈话记录 to open)
    return {"recruitment": f, "recruitment_step": step}


def _disposition(people, users):
    from dangjian.dispositions.actions import do_open_disposition

    return do_open_disposition(person=people.member_a, measure="correction", grounds="org_life",
                               committee_date=dt.date(2025, 6, 1), acting_user=users.secretary_a)


# Values for the non-object kwargs of object routes (the year of branch A's fixture objects).
EXTRA_KWARGS = {"year": 2025, "kind": "talk"}


def url_for(route: Route, objects: dict) -> str:
    kwargs = {k: objects[route.object_key(k)].pk for k in route.kwargs}
    kwargs.update({k: EXTRA_KWARGS[k] for k in route.extra})
    return reverse(route.name, kwargs=kwargs)


def logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def assert_hidden(client: Client, url: str, who: str) -> None:
    """Each method answers 404, or 405 where the route does not take it; at least one is a 404."""
    answers = {m: getattr(client, m)(url).status_code for m in METHODS}
    assert set(answers.values()) <= {404, 405}, f"{who} 访问 {url}：{answers}（应为 404）"
    assert 404 in answers.values(), f"{who} 访问 {url}：{answers}（没有任何方法答 404）"


# --- the route inventory --------------------------------------------------------------------------
def test_every_object_route_has_a_persona_fixture():
    unknown = [f"{r.name} ({r.path}) kwargs={r.kwargs}" for r in ROUTES
               if any(r.object_key(k) is None for k in r.kwargs)]
    assert not unknown, ("这些带对象编号的路由不在权限矩阵中，请在 OBJECTS 和 branch_a 中为其模型加上夹具：\n"
                         + "\n".join(unknown))


def test_the_walk_sees_the_api_router():
    assert EXPECTED_API <= {r.name for r in ROUTES}


# --- the matrix -----------------------------------------------------------------------------------
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_outsider_gets_404_on_every_object_route(route, branch_a, users):
    assert_hidden(logged_in(users.secretary_b), url_for(route, branch_a), "支部B书记")


@pytest.mark.parametrize("route", [r for r in ROUTES if r.object_key(r.kwargs[0]) == "person"], ids=str)
def test_member_gets_404_on_another_member_of_the_same_branch(route, branch_a, people, users):
    objects = dict(branch_a, person=people.secretary_a)
    assert_hidden(logged_in(users.member_a), url_for(route, objects), "支部A党员")


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_secretary_of_a_reaches_every_object_of_a(route, branch_a, users):
    url = url_for(route, branch_a)
    who = REACHED_BY.get(route.name, "secretary_a")
    status = logged_in(getattr(users, who)).get(url).status_code
    # 405: a POST-only operation (its effect is tested with the operation itself).
    assert status in (200, 302, 405), f"{who} GET {url} → {status}"


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_anonymous_is_sent_to_login_or_refused(route, branch_a):
    url = url_for(route, branch_a)
    response = Client().get(url)
    if route.is_api:
        assert response.status_code in (401, 403), f"匿名 GET {url} → {response.status_code}"
    else:
        assert response.status_code == 302, f"匿名 GET {url} → {response.status_code}"
        assert response["Location"].startswith(reverse("login")), response["Location"]


def test_member_sees_own_person_record(people, users):
    client = logged_in(users.member_a)
    detail_routes = [r for r in ROUTES if r.object_key("pk") == "person" and r.kwargs == ("pk",)
                     and re.sub(r"[-_]", "", r.name.rsplit(":", 1)[-1]).endswith("detail")]
    assert {"person-detail"} <= {r.name for r in detail_routes}
    for route in detail_routes:
        url = reverse(route.name, kwargs={"pk": people.member_a.pk})
        assert client.get(url).status_code == 200, url
        assert client.get(reverse(route.name, kwargs={"pk": people.secretary_a.pk})).status_code == 404


def test_outsider_lists_show_nothing_of_branch_a(branch_a, users):
    client = logged_in(users.secretary_b)
    for name, key in (("org-list", "org"), ("person-list", "person"), ("post-list", "post"),
                      ("finding-list", "finding"), ("unit-list", "unit"), ("auditevent-list", "auditevent"),
                      ("roleassignment-list", "roleassignment"), ("meeting-list", "meeting"),
                      ("talk-list", "talk"), ("appraisal-list", "appraisal"),
                      ("responsibilitylist-list", "responsibility_list")):
        ids = {row["id"] for row in client.get(reverse(name), {"limit": 1000}).json()["results"]}
        assert branch_a[key].pk not in ids, name


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_a_number_past_any_key_is_not_found(route, branch_a, users):
    """An id too large for a 64-bit key (SQLite cannot even bind it) is simply not found: 404, never a 500."""
    url = url_for(route, branch_a)
    for k in route.kwargs:
        pk = branch_a[route.object_key(k)].pk
        url = re.sub(rf"/{pk}(?=[/.])", "/100000000000000000000", url, count=1)
    assert "100000000000000000000" in url, url
    status = logged_in(users.secretary_a).get(url).status_code
    assert status in (404, 405), f"GET {url} → {status}"
