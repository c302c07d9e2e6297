"""Query counts on every list page: no N+1, and an absolute ceiling per page.

Every named route that takes no object id (UI pages and API list endpoints) is found by walking the URL
resolver, so a new list page is held to this test without anyone remembering to add it. Each is requested
with the permission matrix's branch-A data set (one object of every kind), then again after `grow` has added
more rows of the kinds list pages show (three more people with accounts per branch, who attend three more
meetings and have talks, findings, dues, contacts and study records; then one more object of every kind of the
permission matrix — dispositions, recruitment files, transfers, problems, tasks, elections, study plans, exams …
— in branch B). The number of SQL queries must not grow with the rows (an N+1 costs at least one query per
added row), and must stay under a ceiling. Each page is requested once before it is counted (warm caches on
both sides). `test_the_detector_catches_one_query_per_row` proves the comparison fails on a real N+1.

Routes that are not GET list pages (login/logout, POST-only operations, the API schema …) are listed in SKIP
with the reason.

The pages of one object (every route with a `pk`/`<model>_pk` kwarg: detail pages, their lists — 下级组织, 痕迹,
签到名单, 个人党费 …, forms, downloads, nested API endpoints) are held to the same comparison further down
(`test_object_pages_do_not_grow_with_rows`), filled with the permission matrix's branch-A objects.
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse

from dangjian.core.tests import test_permission_matrix as pm
from dangjian.core.tests.test_permission_matrix import branch_a, walk_routes  # noqa: F401  (fixture)

CEILING = 30
# Heavier pages, each with the reason its query count is a (row-independent) constant above CEILING.
CEILING_OVERRIDE: dict[str, int] = {
    # the DJX 数据交换 export is the whole data set as one document: one query per section (~35 sections; the
    # id-number check goes by chunks of rows, so it grows only once per chunk, not per row)
    "djx_export": 45,
}
# Constant extra queries a route may make once more rows exist (e.g. a chart that appears only when there
# is more than one month of data); each with the reason. The default tolerance is 0.
GROWTH_ALLOWED: dict[str, int] = {}

SKIP = {
    "login": "登录页（未登录时使用）",
    "logout": "POST 退出",
    "password_change": "修改密码表单，不是列表",
    "healthz": "健康检查，不经过登录",
    "notify:mark_read": "POST 操作",
    "notify:mark_all_read": "POST 操作",
    "accounts:two_factor_cancel": "POST 操作（放弃双因素认证的待完成登录）",
    "api-schema": "OpenAPI 文档生成，非列表（由 test_api_docs 覆盖）",
    "api-docs": "Swagger UI 静态页",
    # POST-only API operations (GET answers 405); their effects are tested with the operations themselves.
    **{name: "POST 操作" for name in ("duespayment-collect", "duespayment-declare", "result-manual-score",
                                     "studyrecord-session", "transfer-issue", "transfer-receive")},
}

# Who opens the page: pages about one's own records are a member's (secretary_a has a person and is a member
# of A), management pages the 机关党委 admin's (committee_admin: branches A and B).
PERSONA = {name: "secretary_a" for name in (
    "home", "dues:mine", "duty:mine", "exams:mine", "study:study_center", "me-list", "notify:list",
    "notify:badge",
    # a branch's own forms (without ?org= they are the secretary's branch)
    "orglife:meeting_create", "orglife:meeting_attendance", "orglife:talk_create", "orglife:appraisal_create")}
PERSONA.update({"accountability-list": "discipline", "assessment:accountability": "discipline",  # 问责: 纪检 only
                "orgs:unit_create": "wc_admin"})  # the 机关单位 register is the 工委's
# Query strings a page needs ({org}: branch A, {person}: member_a).
QUERY = {"dues-calc": "?base=3000.00&category=in_service", "orglife:ledger_index": "?org={org}",
         "dispositions:disposition_create": "?person={person}"}


def list_routes() -> list[tuple[str, str]]:
    """(name, path) of every named route without kwargs (format-suffix twins of API routes dropped)."""
    seen: dict[str, str] = {}
    for name, path, kwargs, _ in walk_routes(get_resolver().url_patterns):
        if name is None or kwargs or name in SKIP:
            continue
        seen.setdefault(name, path)
    return sorted(seen.items())


ROUTES = list_routes()


def count_queries(client: Client, url: str) -> tuple[int, int, list[str], int]:
    """(status, number of queries, their SQL, response size). The page is requested once before counting so
    that per-process caches (content types, settings, …) filled by the first request do not make the second
    data set look cheaper than the first (which could hide one query per row)."""
    _body(client.get(url, follow=True))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, follow=True)  # a redirect (e.g. 我的党费 → own ledger) is followed
        body = _body(response)                   # (a streamed download queries while it is read)
    return (response.status_code, len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries],
            len(body))


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def measure(users, routes, tree, people) -> dict[str, tuple[int, int, list[str], int]]:
    clients = {}
    out = {}
    for name, _path in routes:
        who = PERSONA.get(name, "committee_admin")
        if who not in clients:
            clients[who] = Client()
            clients[who].force_login(getattr(users, who))
        url = reverse(name) + QUERY.get(name, "").format(org=tree.a.pk, person=people.member_a.pk)
        out[name] = count_queries(clients[who], url)
    return out


def compare(small: dict, big: dict) -> list[str]:
    """What is wrong: an error status, a page over its ceiling, a count that grew with the rows."""
    problems = []
    for name in small:
        s_status, s_n, _, _ = small[name]
        b_status, b_n, b_sql, _ = big[name]
        if s_status >= 400 or b_status >= 400:
            if s_status == 405 and b_status == 405:
                problems.append(f"{name}: GET 405 — 请列入 SKIP 并说明原因")
            else:
                problems.append(f"{name}: HTTP {s_status}/{b_status}")
            continue
        ceiling = CEILING_OVERRIDE.get(name, CEILING)
        if b_n > ceiling:
            problems.append(f"{name}: {b_n} 次查询，超过上限 {ceiling}")
        if b_n - s_n > GROWTH_ALLOWED.get(name, 0):
            problems.append(f"{name}: 查询数随行数增长 {s_n} → {b_n}\n    " + "\n    ".join(_repeated(b_sql)))
    return problems


# Pages that must show the added rows (their responses get longer): proof that `grow` reaches the pages.
MUST_GROW = ("people:person_list", "person-list", "orglife:meeting_list", "meeting-list", "orglife:talk_list",
             "core:finding_list", "finding-list", "accounts:user_list", "dues:collect", "study:study_list",
             "membership:transfer_list", "dispositions:disposition_list", "recruitment:recruitment_list",
             "supervision:rectification_list", "duty:task_list", "elections:election_list", "studyplan-list",
             "exams:paper_list")


def test_the_walk_finds_the_list_pages():
    names = {n for n, _ in ROUTES}
    assert {"people:person_list", "orglife:meeting_list", "core:finding_list", "person-list",
            "meeting-list", "dashboards:index"} <= names


@pytest.mark.slow  # ~120 pages, each requested four times (warm-up and count, before and after): about 40 s
def test_list_pages_do_not_grow_with_rows(branch_a, tree, people, users):  # noqa: F811
    small = measure(users, ROUTES, tree, people)
    grow(tree, people, users)
    big = measure(users, ROUTES, tree, people)
    unchanged = [n for n in MUST_GROW if big[n][3] <= small[n][3]]
    assert not unchanged, f"grow() 增加的数据没有出现在这些页面上：{unchanged}"
    problems = compare(small, big)
    assert not problems, "\n".join(problems)


@pytest.mark.slow  # builds the same data (about 10 s on a busy machine)
def test_the_detector_catches_one_query_per_row(branch_a, tree, people, users, monkeypatch):  # noqa: F811
    """The same comparison fails when the people API reads each person's org's parent row by row."""
    from dangjian.orgs.models import Org
    from dangjian.people.api.serializers import PersonSerializer

    plain = PersonSerializer.to_representation

    def n_plus_one(self, instance):
        Org.objects.get_parent(instance.org)  # not selected with the list: one query per person
        return plain(self, instance)

    monkeypatch.setattr(PersonSerializer, "to_representation", n_plus_one)
    route = [("person-list", "")]
    small = measure(users, route, tree, people)
    grow(tree, people, users)
    problems = compare(small, measure(users, route, tree, people))
    assert problems and "查询数随行数增长" in problems[0], problems


def _repeated(sql: list[str]) -> list[str]:
    """The statements that occur more than once once literal ids are masked (the N+1 suspects)."""
    import re

    counts: dict[str, int] = {}
    for s in sql:
        key = re.sub(r"\b\d+\b", "#", s)[:240]
        counts[key] = counts.get(key, 0) + 1
    return [f"×{n} {k}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n > 1][:6]


# --- more rows ------------------------------------------------------------------------------------
# App matrices whose objects cannot be made a second time: 四强 standards belong to the 机关党委 (one per
# year); the TXT-01 finding is looked up, not made (grow's meetings already give more TXT-01 findings).
MIRROR_SKIP = {"dangjian.fourstrong.tests.matrix", "dangjian.textquality.tests.matrix"}


class _Mirror:
    """The personas with branch B in branch A's place: the permission matrix's one-object-per-kind builders
    run again on it put one more row of every kind into B (seen by the 机关党委 admin with A's)."""

    def __init__(self, base, **swap):
        self.__dict__.update(vars(base))
        self.__dict__.update(swap)


def grow(tree, people, users, n: int = 3) -> None:
    """More rows of every kind list pages show: n more people (with accounts) in each branch, who attend
    n more meetings, have talks, findings, dues, study, contacts; then every kind of the permission
    matrix's branch-A data set once more, in branch B."""
    from conftest import _person, _user
    from dangjian.core.models import Finding
    from dangjian.core.tests import test_permission_matrix as pm
    from dangjian.dues.actions import do_record_payments, do_set_base
    from dangjian.membership.actions import do_record_contact
    from dangjian.orglife.actions import do_record_meeting, do_record_talk
    from dangjian.orgs.actions import do_create_org
    from dangjian.people.models import Person
    from dangjian.study.actions import do_record_study

    for org, secretary, admin in ((tree.a, people.secretary_a, users.secretary_a),
                                  (tree.b, people.secretary_b, users.secretary_b)):
        new = []
        for i in range(n):
            p = _person(org, f"{org.name}党员{i}", birth_date=dt.date(1985, 1, 1 + i))
            _user(f"u{org.pk}_{i}", p, [("member", org)])
            new.append(p)
        everyone = list(Person.objects.filter(org=org))
        for i in range(n):
            do_record_meeting(org=org, type="theme_day", date=dt.date(2025, 7 + i, 15), topic=f"主题党日{i}",
                              present=everyone, acting_user=admin)
        for i, p in enumerate(new):
            do_record_talk(a=secretary, b=p, date=dt.date(2025, 8, 1 + i), topic="谈心谈话", acting_user=admin)
            Finding.objects.create(rule_id="DATA-01", severity="WARN", subject_kind="person", subject_id=p.pk,
                                   org=org, person=p, message="测试预警", citation="测试")
            do_set_base(p, start=dt.date(2025, 1, 1), base="3000.00", acting_user=admin)
            do_record_contact(p, date=dt.date(2025, 5, 2 + i), way="phone", acting_user=admin)
        do_record_payments(org, dt.date(2025, 1, 1), [{"person": p.pk, "amount": "15.00",
                                                       "paid_on": dt.date(2025, 1, 10)} for p in new],
                           acting_user=admin)
        do_record_study(new, date=dt.date(2025, 6, 2), hours="2", acting_user=admin)

    # Branch B in A's place: one more object of every kind of the permission matrix.
    b1 = do_create_org(name="第二党小组", type="group", parent=tree.b)
    t = _Mirror(tree, a=tree.b, b=tree.a, a1=b1)
    pp = _Mirror(people, secretary_a=people.secretary_b, member_a=people.member_b,
                 secretary_b=people.secretary_a, member_b=people.member_a)
    member_b = _user("member_b", people.member_b, [("member", tree.b)])
    u = _Mirror(users, secretary_a=users.secretary_b, member_a=member_b, secretary_b=users.secretary_a)
    pm._disposition(pp, u)
    pm._recruitment(t, u)
    pm._dues(t, pp, u)
    pm._membership(t, pp, u)
    pm._supervision(t, pp, u)
    pm._duty(t, pp, u)
    pm._election(t, pp, u)
    for m in pm.APP_MATRICES:
        if m.__name__ not in MIRROR_SKIP:
            m.objects(t, pp, u)


# --- pages of one object --------------------------------------------------------------------------
# Every route that names an object (`pk`/`<model>_pk`, and the `year`/`kind` beside them) is filled with the
# permission matrix's branch-A objects exactly as the matrix fills it (`pm.ROUTES`, `pm.url_for`), opened by
# the persona that reaches it there (`pm.REACHED_BY`, else secretary_a), and counted before and after `grow`
# and `grow_objects` (more rows under A's own objects: children of A, sign-ins at A's meeting, payments, study
# and history of member_a, steps of A's 发展档案, items of A's 组织生活会 …). API actions that take no GET are
# left out by their router mapping; UI routes that take POST only are in OBJECT_SKIP with the reason.
OBJECT_SKIP: dict[str, str] = {
    **{name: "POST 操作（账号管理：撤销角色、重置密码、重置双因素认证、停用/启用、解锁）" for name in (
        "accounts:roleassignment_revoke", "accounts:user_reset_password", "accounts:user_reset_two_factor",
        "accounts:user_set_active", "accounts:user_unlock")},
    "dues:duespayment_remit": "POST 操作（党费上缴登记）",
    "exams:attempt_answer": "POST 操作（保存答案）",
    "exams:attempt_submit": "POST 操作（交卷）",
    "orglife:meeting_attachment_upload": "POST 操作（上传附件）",
    "people:person_reveal_id": "POST 操作（查看完整身份证号，留痕）",
    "privacy:person_export": "POST 操作（个人信息导出，留痕；导出内容由 privacy 的测试核对）",
    "recruitment:recruitment_planned_leave": "POST 操作（登记预计离开时间）",
}


def _get_mapping() -> dict[str, bool]:
    """Route name → whether GET reaches a handler (False for a DRF action mapped to POST only)."""
    out = {}
    for name, _path, _kwargs, pattern in walk_routes(get_resolver().url_patterns):
        actions = getattr(pattern.callback, "actions", None)
        if name is not None:
            out.setdefault(name, actions is None or "get" in actions)
    return out


_TAKES_GET = _get_mapping()
OBJECT_ROUTES = [r for r in pm.ROUTES if _TAKES_GET[r.name] and r.name not in OBJECT_SKIP]
API_POST_ONLY = sorted(r.name for r in pm.ROUTES if not _TAKES_GET[r.name])


def measure_objects(users, routes, objects) -> dict[str, tuple[int, int, list[str], int]]:
    clients: dict[str, Client] = {}
    out = {}
    for route in routes:
        who = pm.REACHED_BY.get(route.name, "secretary_a")
        if who not in clients:
            clients[who] = Client()
            clients[who].force_login(getattr(users, who))
        out[route.name] = count_queries(clients[who], pm.url_for(route, objects))
    return out


# Pages of one object that must show the rows `grow_objects` adds under it. (A's 痕迹 page is paged by 30 and
# already full before: its rows are held to the ceiling, and a per-row query would already show there.)
MUST_GROW_OBJECTS = ("orgs:org_children", "orgs:org_detail", "people:person_history",
                     "orglife:meeting_sign_in_list", "orglife:meeting_detail", "dues:person", "study:person",
                     "recruitment:recruitment_detail", "recruitment-detail", "orgs:unit_detail", "accounts:user_detail",
                     "exams:questionbank_detail")


def test_the_object_walk_finds_the_pages_of_one_object():
    names = {r.name for r in OBJECT_ROUTES}
    assert set(MUST_GROW_OBJECTS) | {"dashboards:org_dashboard", "person-detail", "meeting-detail"} <= names
    assert "disposition-approve" in API_POST_ONLY and "disposition-approve" not in names


@pytest.mark.slow  # 136 routes, each requested four times: about 25 s (with a CI run on the same 2 cores)
def test_object_pages_do_not_grow_with_rows(branch_a, tree, people, users):  # noqa: F811
    small = measure_objects(users, OBJECT_ROUTES, branch_a)
    grow(tree, people, users)
    grow_objects(branch_a, tree, people, users)
    big = measure_objects(users, OBJECT_ROUTES, branch_a)
    unchanged = [n for n in MUST_GROW_OBJECTS if big[n][3] <= small[n][3]]
    assert not unchanged, f"grow_objects() 增加的数据没有出现在这些页面上：{unchanged}"
    problems = compare(small, big)
    assert not problems, "\n".join(problems)


@pytest.mark.slow  # builds the same data (a few seconds)
def test_the_object_detector_catches_one_query_per_child(branch_a, tree, people, users, monkeypatch):  # noqa: F811
    """The same comparison, on A's 下级组织 list, fails when each child's member count is read row by row."""
    from dangjian.orgs import views
    from dangjian.people.models import Person

    plain = views.annotate_member_counts

    def n_plus_one(nodes):
        plain(nodes)
        for node in nodes:   # one query per child
            node.member_count = Person.objects.filter(org=node).count()

    monkeypatch.setattr(views, "annotate_member_counts", n_plus_one)
    routes = [r for r in OBJECT_ROUTES if r.name == "orgs:org_children"]
    small = measure_objects(users, routes, branch_a)
    grow_objects(branch_a, tree, people, users)
    problems = compare(small, measure_objects(users, routes, branch_a))
    assert problems and "查询数随行数增长" in problems[0], problems


def grow_objects(objects, tree, people, users, n: int = 3) -> None:
    """More rows under branch A's own objects (`grow` adds people, meetings, talks, findings … to A as a
    whole): n child groups of A (in A's 机关单位, member_a's account with a role in each), n more questions in
    A's 题库, everyone of A signed in at A's meeting, more months of dues, study, contacts and edits of member_a,
    another step of A's 发展档案, more items of A's 组织生活会."""
    from django.utils import timezone

    from dangjian.accounts.actions import do_assign_role
    from dangjian.accounts.models import Role
    from dangjian.dues.actions import do_record_payments
    from dangjian.exams.models import Question
    from dangjian.membership.actions import do_record_contact
    from dangjian.orglife.actions import do_add_rectification_item, do_update_meeting
    from dangjian.orglife.models import Attendance
    from dangjian.orgs.actions import do_create_org
    from dangjian.people.actions import do_update_person
    from dangjian.people.models import Person
    from dangjian.recruitment.actions import do_record_step
    from dangjian.study.actions import do_record_study

    admin, member = users.secretary_a, people.member_a
    for i in range(n):   # hosted by A's 机关单位; member_a's account gets a 只读审计 role in each
        group = do_create_org(name=f"第{i + 2}党小组", type="group", parent=tree.a, unit=objects["unit"])
        do_assign_role(users.member_a, Role.AUDITOR, group, acting_user=admin)
    for i in range(n):   # (A's paper is in a published exam: it cannot take more questions; its bank can)
        Question.objects.create(bank=objects["question_bank"], kind="judge", stem=f"判断题{i}",
                                options=["正确", "错误"], answer="A", topic="党章")
    everyone = list(Person.objects.filter(org=tree.a))
    meeting = objects["meeting"]
    do_update_meeting(meeting, present=everyone, acting_user=admin)
    Attendance.objects.filter(meeting=meeting).update(signed_in_at=timezone.now())
    do_record_payments(tree.a, dt.date(2025, 3, 1), [{"person": member.pk, "amount": "14.00",
                                                      "paid_on": dt.date(2025, 3, 10)}], acting_user=admin)
    do_record_payments(tree.a, dt.date(2025, 4, 1), [{"person": member.pk, "amount": "14.00",
                                                      "paid_on": dt.date(2025, 4, 10)}], acting_user=admin)
    for i in range(n):
        do_record_study([member], date=dt.date(2025, 7, 1 + i), hours="1", acting_user=admin)
        do_record_contact(member, date=dt.date(2025, 7, 1 + i), way="phone", acting_user=admin)
        do_update_person(member, phone=f"1390000000{i}", acting_user=admin)
        do_add_rectification_item(objects["rectification_item"].meeting, problem=f"整改问题{i}",
                                  owner=everyone[i], deadline=dt.date(2026, 3, 31), acting_user=admin)
    f = objects["recruitment"]
    do_record_step(f, "activist", dt.date(2025, 4, 1), acting_user=admin)
