"""明责 as the personas use it: the 机关党委 drafts the year's 支部书记 责任清单 and publishes it (nobody below
may); branch A instantiates it for its secretary and member (never twice); only the named person signs;
each item's evidence is found among the records that already exist — the lecture the secretary gave, a
talk — and only confirmed; an item past its due date with no evidence is DUTY-02 on the person until
evidence is added (and again when it is withdrawn); the secretary of sibling B gets 404."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.errors import ActionError
from dangjian.duty import actions
from dangjian.duty.evidence import candidates
from dangjian.duty.models import Evidence, ResponsibilityList, ResponsibilityTemplate
from dangjian.orglife.actions import do_record_meeting, do_record_talk

from .test_duty import hits

pytestmark = pytest.mark.django_db
JSON = "application/json"
D = dt.date

ITEMS = [dict(text="每年至少为党员讲一次党课", due=D(2025, 6, 30), evidence_source="lecture_given", rules="orglife-02"),
         dict(text="与每名支委、党员开展谈心谈话", evidence_source="talk"),
         dict(text="带头落实意识形态工作责任制", due=D(2025, 9, 30))]
SOURCES = ["lecture_given", "meeting_held", "meeting_attended", "talk", "contact_visit", "study", "rectification_closed",
           "manual"]


def make_template(tree, users, items=None, publish=True):
    t = actions.do_create_template(issuer=tree.committee, year=2025, role="branch_secretary",
                                   title="2025年党支部书记抓党建工作责任清单", acting_user=users.committee_admin)
    for kw in ITEMS if items is None else items:
        actions.do_add_template_item(t, acting_user=users.committee_admin, **kw)
    return actions.do_publish_template(t, acting_user=users.committee_admin) if publish else t


@pytest.fixture
def template(tree, users):
    return make_template(tree, users)


@pytest.fixture
def lists(template, tree, people, users):
    mine, member = actions.do_instantiate(template, org=tree.a, people=[people.secretary_a, people.member_a],
                                          acting_user=users.secretary_a)
    return mine, member


def lecture(tree, lecturer, day, users):
    return do_record_meeting(org=tree.a, type="lecture", date=day, topic="学习贯彻党的二十届三中全会精神",
                             lecturer=lecturer, present=[lecturer], acting_user=users.secretary_a)


# --- templates ------------------------------------------------------------------------------------------------
def test_only_the_issuing_level_drafts_and_publishes(tree, users):
    with pytest.raises(ActionError, match="机关工委、党组（党委）或机关党委") as e:
        actions.do_create_template(issuer=tree.a, year=2025, role="branch_secretary", title="支部自定清单")
    assert e.value.field == "issuer"
    with pytest.raises(ActionError, match="管理员"):
        actions.do_create_template(issuer=tree.committee, year=2025, role="branch_secretary", title="清单",
                                   acting_user=users.secretary_a)
    draft = make_template(tree, users, items=[], publish=False)
    with pytest.raises(ActionError, match="没有责任事项"):
        actions.do_publish_template(draft, acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="没有编号为 NOPE-01") as e:
        actions.do_add_template_item(draft, text="x", rules="BR-05, nope-01", acting_user=users.committee_admin)
    assert e.value.field == "rules"
    with pytest.raises(ActionError, match="2025年内"):
        actions.do_add_template_item(draft, text="x", due=D(2026, 1, 1), acting_user=users.committee_admin)
    item = actions.do_add_template_item(draft, text="召开组织生活会", rules="orglife-04，BR-05",
                                        evidence_source="meeting_held", meeting_type="org_life",
                                        acting_user=users.committee_admin)
    assert item.rules == "ORGLIFE-04,BR-05" and item.due_on == D(2025, 12, 31)
    with pytest.raises(ActionError, match="管理员"):
        actions.do_publish_template(draft, acting_user=users.secretary_a)
    actions.do_publish_template(draft, acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="已发布"):
        actions.do_add_template_item(draft, text="再加一项", acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="已于"):
        actions.do_publish_template(draft, acting_user=users.committee_admin)


def test_a_unit_instantiates_once_per_person(template, tree, people, users):
    (lst,) = actions.do_instantiate(template, org=tree.a, people=[people.secretary_a], acting_user=users.secretary_a)
    assert [(i.text, i.due) for i in lst.items.order_by("pk")] == [
        ("每年至少为党员讲一次党课", D(2025, 6, 30)), ("与每名支委、党员开展谈心谈话", D(2025, 12, 31)),
        ("带头落实意识形态工作责任制", D(2025, 9, 30))]
    with pytest.raises(ActionError, match="王建国已有") as e:
        actions.do_instantiate(template, org=tree.a, people=[people.member_a, people.secretary_a],
                               acting_user=users.secretary_a)
    assert e.value.field == "people" and ResponsibilityList.objects.count() == 1
    with pytest.raises(ActionError, match="赵志强不是第一党支部"):
        actions.do_instantiate(template, org=tree.a, people=[people.secretary_b], acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="管理员"):
        actions.do_instantiate(template, org=tree.a, people=[people.member_a], acting_user=users.secretary_b)
    with pytest.raises(ActionError, match="不在模板制定单位"):
        actions.do_instantiate(template, org=tree.wc, people=[people.member_a], acting_user=users.wc_admin)
    draft = make_template(tree, users, publish=False)
    with pytest.raises(ActionError, match="尚未发布"):
        actions.do_instantiate(draft, org=tree.a, people=[people.member_a], acting_user=users.secretary_a)


def test_only_the_named_person_signs(lists, users):
    mine, member = lists
    with pytest.raises(ActionError, match="李红梅本人签署"):
        actions.do_sign(member, acting_user=users.secretary_a)      # (the branch's administrator, not the person)
    signed = actions.do_sign(member, acting_user=users.member_a)
    assert signed.signed_at and signed.signed_by == users.member_a
    with pytest.raises(ActionError, match="已于"):
        actions.do_sign(member, acting_user=users.member_a)


# --- evidence -------------------------------------------------------------------------------------------------
def test_the_lecture_the_secretary_gave_and_a_talk_are_found(lists, tree, people, users):
    mine, member = lists
    lecture_item, talk_item, manual_item = mine.items.order_by("pk")
    given = lecture(tree, people.secretary_a, D(2025, 5, 10), users)
    lecture(tree, people.secretary_a, D(2025, 7, 10), users)          # after the due date: not evidence of it
    lecture(tree, people.member_a, D(2025, 5, 12), users)             # someone else's lecture
    talk = do_record_talk(a=people.member_a, b=people.secretary_a, date=D(2025, 3, 1), topic="思想状况",
                          acting_user=users.secretary_a)
    assert [(c.source, c.ref_id) for c in candidates(lecture_item)] == [("orglife.meeting", given.pk)]
    ((c,),) = [candidates(talk_item)]
    assert (c.source, c.ref_id, c.date) == ("orglife.talk", talk.pk, D(2025, 3, 1)) and "李红梅与王建国" in c.text
    assert candidates(manual_item) == []
    # The member's own list: their lecture is theirs, not the secretary's.
    (m_lecture, *_) = member.items.order_by("pk")
    assert [c.date for c in candidates(m_lecture)] == [D(2025, 5, 12)]

    # Confirm (by the person) — then it is evidence and no longer waiting; never twice.
    e = actions.do_confirm_evidence(lecture_item, source="orglife.meeting", ref_id=given.pk, acting_user=users.secretary_a)
    assert e.date == D(2025, 5, 10) and "本人授课" in e.text and candidates(lecture_item) == []
    with pytest.raises(ActionError, match="不是此事项的佐证候选"):
        actions.do_confirm_evidence(lecture_item, source="orglife.meeting", ref_id=given.pk)
    # A record that is not a candidate is refused, whatever the client claims.
    with pytest.raises(ActionError, match="不是此事项的佐证候选") as err:
        actions.do_confirm_evidence(talk_item, source="orglife.meeting", ref_id=given.pk)
    assert err.value.field == "ref_id"
    # Only the person or the unit: the outsider may not confirm for them.
    with pytest.raises(ActionError, match="本人或所在单位"):
        actions.do_confirm_evidence(talk_item, source="orglife.talk", ref_id=talk.pk, acting_user=users.secretary_b)
    # Withdrawn (with a reason): the lecture waits again.
    with pytest.raises(ActionError, match="理由"):
        actions.do_remove_evidence(e, reason=" ", acting_user=users.secretary_a)
    actions.do_remove_evidence(e, reason="确认错了", acting_user=users.secretary_a)
    assert [c.ref_id for c in candidates(lecture_item)] == [given.pk] and not Evidence.objects.exists()


def test_other_sources(template, tree, people, users):
    """A meeting the unit held (of the type asked), the person's own attendance, study hours, a visit to the
    contact point and a closed rectification: each found where it belongs."""
    from dangjian.duty.actions import do_assign_contact_point, do_log_visit
    from dangjian.people.models import Person
    from dangjian.study.actions import do_record_study
    from dangjian.supervision.actions import do_add_evidence, do_approve_closure, do_record_problem, do_request_closure

    t = make_template(tree, users, items=[
        dict(text="每季度召开支部党员大会", evidence_source="meeting_held", meeting_type="member_assembly"),
        dict(text="参加组织生活", evidence_source="meeting_attended"),
        dict(text="完成学习学时", evidence_source="study"),
        dict(text="到联系点指导", evidence_source="contact_visit"),
        dict(text="督查发现的问题按期整改销号", evidence_source="rectification_closed")])
    Person.objects.filter(pk=people.secretary_a.pk).update(leading_cadre=True)
    (lst,) = actions.do_instantiate(t, org=tree.a, people=[people.secretary_a], acting_user=users.secretary_a)
    held, attended, study, visit, rectified = lst.items.order_by("pk")
    assembly = do_record_meeting(org=tree.a, type="member_assembly", date=D(2025, 3, 5), topic="一季度党员大会",
                                 present=[people.secretary_a], acting_user=users.secretary_a)
    committee = do_record_meeting(org=tree.a, type="committee", date=D(2025, 3, 6), topic="支委会",
                                  present=[people.secretary_a], acting_user=users.secretary_a)
    do_record_meeting(org=tree.b, type="member_assembly", date=D(2025, 3, 7), topic="B的党员大会",
                      present=[people.secretary_b], acting_user=users.secretary_b)
    do_record_study([people.secretary_a], date=D(2025, 4, 1), hours="8", title="党纪学习教育")
    point = do_assign_contact_point(leader=Person.objects.get(pk=people.secretary_a.pk), branch=tree.b,
                                    since=D(2025, 1, 1))
    v = do_log_visit(point, date=D(2025, 5, 1), kind="research")
    # B's meeting the secretary of A attended as the leader of B's contact point counts too.
    b_meeting = do_record_meeting(org=tree.b, type="theme_day", date=D(2025, 6, 1), topic="主题党日",
                                  present=[people.secretary_b, people.secretary_a],
                                  expected=[people.secretary_b, people.secretary_a], acting_user=users.secretary_b)
    problem = do_record_problem(org=tree.a, problem="党员大会记录不完整", found=D(2025, 5, 10), deadline=D(2025, 6, 30))
    do_add_evidence(problem, evidence="补齐记录")
    do_request_closure(problem)
    do_approve_closure(problem, on=D(2025, 6, 20))
    assert [c.ref_id for c in candidates(held)] == [assembly.pk]                 # (党员大会 only; not B's)
    assert [c.ref_id for c in candidates(attended)] == [assembly.pk, committee.pk, b_meeting.pk]
    assert [c.text for c in candidates(study)] == ["集中学习培训8.0学时：党纪学习教育"]
    assert [(c.source, c.ref_id) for c in candidates(visit)] == [("duty.contactvisit", v.pk),
                                                                  ("orglife.meeting", b_meeting.pk)]
    assert [(c.source, c.ref_id, c.date) for c in candidates(rectified)] == [
        ("supervision.rectification", problem.pk, D(2025, 6, 20))]


# --- DUTY-02 --------------------------------------------------------------------------------------------------
def test_an_item_past_its_due_date_without_evidence(lists, tree, people, users):
    mine, member = lists
    lecture_item = mine.items.order_by("pk").first()

    def secretary(as_of):
        return [m for _, m in hits("DUTY-02", as_of) if m.startswith("王建国")]

    assert hits("DUTY-02", D(2025, 6, 30)) == []                            # the due day is still in time
    found = hits("DUTY-02", D(2025, 7, 1))
    assert [p for p, _ in found] == ["2025", "2025"]                        # one per person and year
    (msg,) = secretary(D(2025, 7, 1))
    assert "每年至少为党员讲一次党课" in msg and "完成时限2025-06-30" in msg and "待确认" not in msg
    # A lecture given is waiting to be confirmed: the finding says so.
    given = lecture(tree, people.secretary_a, D(2025, 5, 10), users)
    (msg,) = secretary(D(2025, 7, 1))
    assert "1项已有1条记录待确认" in msg
    e = actions.do_confirm_evidence(lecture_item, source="orglife.meeting", ref_id=given.pk, acting_user=users.secretary_a)
    assert secretary(D(2025, 7, 1)) == []
    actions.do_remove_evidence(e, reason="确认错了")
    assert secretary(D(2025, 7, 1))
    manual = actions.do_add_manual_evidence(lecture_item, date=D(2025, 6, 1), text="在机关党委讲专题党课")
    assert manual.source == "manual" and manual.ref_id is None and secretary(D(2025, 7, 1)) == []
    # At the year's end the other items are due as well: still one finding, naming both.
    (end,) = secretary(D(2026, 1, 1))
    assert "谈心谈话" in end and "意识形态" in end and "讲一次党课" not in end


def test_the_rule_reads_only_what_it_declares(template, tree, people, users):
    """(test_rule_reads runs every rule over the demo data, which has no 责任书: here with one of each source.)"""
    from dangjian.core import engine
    from dangjian.core.tests.test_rule_reads import _read_by

    t = make_template(tree, users, items=[dict(text=s, evidence_source=s) for s in SOURCES])
    actions.do_instantiate(t, org=tree.a, people=[people.secretary_a], acting_user=users.secretary_a)
    rule = engine.registry.get("DUTY-02")
    for scope in (None, engine.expand_with_ancestors([tree.a.pk])):
        ctx = engine.Context(as_of=D(2026, 1, 5), settings=engine.effective_settings(), org_ids=scope)
        read = _read_by(rule, ctx)
        assert {"orglife.talk", "supervision.rectification"} <= read <= {engine.base_label(x) for x in rule.reads}


def test_the_finding_is_kept_by_the_unit_and_resolves(lists, tree, people, users):
    from dangjian.core import engine
    from dangjian.core.models import Finding, FindingState

    mine, _ = lists
    engine.run(as_of=D(2025, 7, 1), rule_ids=["DUTY-02"])
    f = Finding.objects.get(rule_id="DUTY-02", person=people.secretary_a, state=FindingState.OPEN)
    assert f.org_id == tree.a.pk and f.period == "2025"
    actions.do_add_manual_evidence(mine.items.order_by("pk").first(), date=D(2025, 6, 1), text="讲党课")
    engine.run(as_of=D(2025, 7, 1), org_ids=[tree.a.pk], rule_ids=["DUTY-02"])
    f.refresh_from_db()
    assert f.state == FindingState.RESOLVED


def test_manual_evidence_needs_text_and_a_date_in_the_year(lists):
    mine, _ = lists
    item = mine.items.first()
    with pytest.raises(ActionError, match="履责情况"):
        actions.do_add_manual_evidence(item, date=D(2025, 6, 1), text="")
    with pytest.raises(ActionError, match="2025年内") as e:
        actions.do_add_manual_evidence(item, date=D(2024, 12, 31), text="讲党课")
    assert e.value.field == "date"


# --- pages ----------------------------------------------------------------------------------------------------
def test_the_pages(client_as, lists, tree, people, users):
    mine, member = lists
    url = reverse("duty:responsibilitylist_detail", kwargs={"pk": mine.pk})
    given = lecture(tree, people.secretary_a, D(2025, 5, 10), users)
    # The outsider: 404 to read, to confirm, to sign.
    out = client_as(users.secretary_b)
    assert out.get(url).status_code == 404
    assert out.post(url, {"form": "sign"}).status_code == 404
    assert out.post(url, {"form": "confirm", "item": mine.items.first().pk, "source": "orglife.meeting",
                          "ref_id": given.pk}).status_code == 404
    # Another member of the same branch does not see the secretary's list.
    assert client_as(users.member_a).get(url).status_code == 404
    c = client_as(users.secretary_a)
    page = c.get(url).content.decode()
    assert "待确认 1 条" in page and "签署责任书" in page and "逾期无佐证" in page and "本人授课" in page
    r = c.post(url, {"form": "confirm", "item": mine.items.order_by("pk").first().pk, "source": "orglife.meeting",
                     "ref_id": given.pk})
    assert r.status_code == 302 and Evidence.objects.filter(item__list=mine).count() == 1
    # A refused manual note keeps what was typed.
    item = mine.items.order_by("pk")[1]
    r = c.post(url, {"form": "manual", "item": item.pk, "date": "2024-05-01", "text": "与支委逐一谈心"})
    assert r.status_code == 200 and "与支委逐一谈心" in r.content.decode() and "2025年内" in r.content.decode()
    assert c.post(url, {"form": "sign"}).status_code == 302
    page = c.get(url).content.decode()
    assert "已签署" in page and "签署责任书" not in page
    # The administrator sees the member's list but no 签署 button: only 李红梅 signs it.
    other = c.get(reverse("duty:responsibilitylist_detail", kwargs={"pk": member.pk})).content.decode()
    assert "签署责任书" not in other and "由李红梅本人签署" in other
    # 我的责任: the member's own list and its items.
    page = client_as(users.member_a).get(reverse("duty:mine") + "?year=2025").content.decode()
    assert "每年至少为党员讲一次党课" in page and "签署责任书" in page and "王建国" not in page
    r = client_as(users.member_a).post(reverse("duty:responsibilitylist_detail", kwargs={"pk": member.pk}),
                                       {"form": "sign", "back": "mine"})
    assert r.status_code == 302 and r["Location"] == reverse("duty:mine")


def test_the_template_pages(client_as, tree, people, users):
    c = client_as(users.committee_admin)
    r = c.post(reverse("duty:responsibilities"), {"form": "template", "issuer": tree.committee.pk, "year": "2025",
                                                   "role": "discipline_member", "title": ""})
    assert r.status_code == 200 and "is-invalid" in r.content.decode()
    assert 'value="discipline_member" selected' in r.content.decode()
    r = c.post(reverse("duty:responsibilities"), {"form": "template", "issuer": tree.committee.pk, "year": "2025",
                                                   "role": "branch_secretary", "title": "支部书记责任清单"})
    assert r.status_code == 302
    url = r["Location"]
    r = c.post(url, {"form": "item", "text": "讲党课", "evidence_source": "lecture_given", "rules": "XX-99"})
    assert r.status_code == 200 and "XX-99" in r.content.decode() and "讲党课" in r.content.decode()
    assert c.post(url, {"form": "item", "text": "讲党课", "evidence_source": "lecture_given",
                        "rules": "ORGLIFE-02"}).status_code == 302
    # A draft is the issuer's: the branches below see nothing yet; publishing is the issuer's.
    assert client_as(users.secretary_a).get(url).status_code == 404
    assert client_as(users.secretary_a).post(url, {"form": "publish"}).status_code == 404
    assert client_as(users.committee_admin).post(url, {"form": "publish"}).status_code == 302
    page = client_as(users.secretary_a).get(url).content.decode()
    assert "发布" in page and 'value="publish"' not in page
    # The 机关党委 chooses a unit first (?unit=), then the unit's people are offered.
    page = client_as(users.committee_admin).get(reverse("duty:responsibilities") + f"?year=2025&unit={tree.b.pk}")
    assert "赵志强" in page.content.decode() and "王建国" not in page.content.decode()
    # Branch A (its only unit) instantiates it for its secretary.
    c = client_as(users.secretary_a)
    page = c.get(reverse("duty:responsibilities") + "?year=2025").content.decode()
    assert "支部书记责任清单" in page and "王建国" in page
    template = ResponsibilityTemplate.objects.get()
    r = c.post(reverse("duty:responsibilities"), {"form": "instantiate", "org": tree.a.pk, "template": template.pk,
                                                   "people": [people.secretary_a.pk]})
    assert r.status_code == 302 and ResponsibilityList.objects.get().person_id == people.secretary_a.pk
    r = c.post(reverse("duty:responsibilities"), {"form": "instantiate", "org": tree.a.pk, "template": template.pk,
                                                   "people": [people.secretary_a.pk]})
    assert r.status_code == 200 and "王建国已有" in r.content.decode()
    # The outsider cannot instantiate in A (A is not among their units).
    assert client_as(users.secretary_b).post(reverse("duty:responsibilities"), {
        "form": "instantiate", "org": tree.a.pk, "template": template.pk,
        "people": [people.member_a.pk]}).status_code == 404


def test_the_list_page_is_a_fixed_number_of_queries(client_as, tree, people, users, django_assert_max_num_queries):
    from dangjian.duty.actions import do_assign_contact_point
    from dangjian.people.models import Person
    from dangjian.study.actions import do_record_study

    def page_queries(n_per_source):
        t = make_template(tree, users, items=[dict(text=f"{s}{k}", evidence_source=s) for s in SOURCES
                                              for k in range(n_per_source)])
        (lst,) = actions.do_instantiate(t, org=tree.a, people=[people.secretary_a], acting_user=users.secretary_a)
        c = client_as(users.secretary_a)
        url = reverse("duty:responsibilitylist_detail", kwargs={"pk": lst.pk})
        c.get(url)      # (warm the session)
        with CaptureQueriesContext(connection) as q:
            assert c.get(url).status_code == 200
        lst.delete()
        return len(q)

    Person.objects.filter(pk=people.secretary_a.pk).update(leading_cadre=True)
    do_assign_contact_point(leader=Person.objects.get(pk=people.secretary_a.pk), branch=tree.b, since=D(2025, 1, 1))
    for day in (D(2025, 3, 1), D(2025, 4, 1)):
        lecture(tree, people.secretary_a, day, users)
        do_record_talk(a=people.secretary_a, b=people.member_a, date=day, acting_user=users.secretary_a)
        do_record_study([people.secretary_a], date=day, hours="4")
    assert page_queries(1) == page_queries(5)
    t = make_template(tree, users, items=[dict(text=s, evidence_source=s) for s in SOURCES])
    (lst,) = actions.do_instantiate(t, org=tree.a, people=[people.secretary_a], acting_user=users.secretary_a)
    c = client_as(users.secretary_a)
    # (the candidates are only records the viewer may see: a few more queries for the scope, not per item)
    with django_assert_max_num_queries(24):
        c.get(reverse("duty:responsibilitylist_detail", kwargs={"pk": lst.pk}))
    with django_assert_max_num_queries(24):
        c.get(reverse("duty:mine") + "?year=2025")


# --- API ------------------------------------------------------------------------------------------------------
def test_the_api_round_trip(client_as, tree, people, users):
    api = client_as(users.committee_admin)
    r = api.post("/api/duty/responsibility-templates/", {
        "issuer": tree.committee.pk, "year": 2025, "role": "branch_secretary", "title": "支部书记责任清单",
        "items": [{"text": "讲党课", "due": "2025-06-30", "evidence_source": "lecture_given", "rules": "ORGLIFE-02"},
                  {"text": "谈心谈话", "evidence_source": "talk"}]}, content_type=JSON)
    assert r.status_code == 201, r.content
    t = r.json()
    assert [i["due_on"] for i in t["items"]] == ["2025-06-30", "2025-12-31"] and t["published_at"] is None
    bad = api.post("/api/duty/responsibility-templates/", {
        "issuer": tree.committee.pk, "year": 2025, "role": "branch_secretary", "title": "x",
        "items": [{"text": "讲党课", "rules": "NOPE-1"}]}, content_type=JSON)
    assert bad.status_code == 400 and bad.json()["field"] == "items" and "第1项" in bad.json()["detail"]
    assert client_as(users.secretary_a).post(f"/api/duty/responsibility-templates/{t['id']}/publish/").status_code == 404
    api = client_as(users.committee_admin)
    assert api.post(f"/api/duty/responsibility-templates/{t['id']}/publish/").status_code == 200

    sec = client_as(users.secretary_a)
    r = sec.post("/api/duty/responsibility-lists/", {"template": t["id"], "org": tree.a.pk,
                                                     "people": [people.secretary_a.pk]}, content_type=JSON)
    assert r.status_code == 201, r.content
    lid = r.json()[0]["id"]
    given = lecture(tree, people.secretary_a, D(2025, 5, 10), users)
    detail = sec.get(f"/api/duty/responsibility-lists/{lid}/").json()
    lecture_item, talk_item = detail["items"]
    assert lecture_item["state"] == "pending" and lecture_item["candidates"][0]["ref_id"] == given.pk
    assert talk_item["state"] == "overdue" and talk_item["candidates"] == []
    r = sec.post(f"/api/duty/responsibility-lists/{lid}/confirm/", {
        "item": lecture_item["id"], "source": "orglife.meeting", "ref_id": given.pk + 999}, content_type=JSON)
    assert r.status_code == 400 and r.json()["field"] == "ref_id"
    r = sec.post(f"/api/duty/responsibility-lists/{lid}/confirm/", {
        "item": lecture_item["id"], "source": "orglife.meeting", "ref_id": given.pk}, content_type=JSON)
    assert r.status_code == 200 and r.json()["items"][0]["state"] == "evidenced"
    r = sec.post(f"/api/duty/responsibility-lists/{lid}/evidence/", {
        "item": talk_item["id"], "date": "2025-04-01", "text": "与支委逐一谈心"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["items"][1]["evidence"][0]["source"] == "manual"
    ev = r.json()["items"][0]["evidence"][0]["id"]
    r = sec.post(f"/api/duty/responsibility-lists/{lid}/unconfirm/", {"evidence": ev, "reason": "误确认"},
                 content_type=JSON)
    assert r.status_code == 200 and r.json()["items"][0]["state"] == "pending"
    # Only the person signs: the 机关党委 may read it, not sign it.
    assert client_as(users.committee_admin).post(f"/api/duty/responsibility-lists/{lid}/sign/").status_code == 403
    r = client_as(users.secretary_a).post(f"/api/duty/responsibility-lists/{lid}/sign/")
    assert r.status_code == 200 and r.json()["signed_at"]
    # The outsider: 404 to read or to act; their list shows nothing of A's.
    out = client_as(users.secretary_b)
    assert out.get(f"/api/duty/responsibility-lists/{lid}/").status_code == 404
    assert out.post(f"/api/duty/responsibility-lists/{lid}/evidence/", {
        "item": talk_item["id"], "date": "2025-04-01", "text": "x"}, content_type=JSON).status_code == 404
    assert out.get("/api/duty/responsibility-lists/").json()["results"] == []


def test_candidates_are_only_records_the_viewer_may_see(client_as, tree, people, users):
    """A talk recorded under sibling branch B is not offered on A's 责任书 to A's secretary, nor can it be
    confirmed by guessing its id; the engine (DUTY-02) still counts it."""
    t = make_template(tree, users, items=[dict(text="谈心谈话", evidence_source="talk")])
    (lst,) = actions.do_instantiate(t, org=tree.a, people=[people.member_a], acting_user=users.secretary_a)
    talk = do_record_talk(a=people.secretary_b, b=people.member_a, date=D(2025, 3, 1), topic="B支部的谈话",
                          acting_user=users.secretary_b)
    item = lst.items.select_related("list", "template_item").get()
    assert [c.ref_id for c in candidates(item)] == [talk.pk]                       # the engine sees it
    assert candidates(item, users.secretary_a) == []
    page = client_as(users.secretary_a).get(reverse("duty:responsibilitylist_detail", kwargs={"pk": lst.pk}))
    assert "B支部的谈话" not in page.content.decode()
    with pytest.raises(ActionError):
        actions.do_confirm_evidence(item, source="orglife.talk", ref_id=talk.pk, acting_user=users.secretary_a)


def test_evidence_whose_record_is_gone_no_longer_counts(client_as, tree, people, users):
    """Confirm the lecture, then delete the meeting as 重复录入: the item is unevidenced again (DUTY-02)."""
    from dangjian.core import engine
    from dangjian.orglife.actions import do_delete_meeting

    t = make_template(tree, users, items=[dict(text="讲党课", evidence_source="lecture_given", due=D(2025, 6, 30))])
    (lst,) = actions.do_instantiate(t, org=tree.a, people=[people.secretary_a], acting_user=users.secretary_a)
    m = lecture(tree, people.secretary_a, D(2025, 3, 1), users)
    item = lst.items.select_related("list", "template_item").get()
    actions.do_confirm_evidence(item, source="orglife.meeting", ref_id=m.pk, acting_user=users.secretary_a)

    def duty02():
        ctx = engine.Context(as_of=D(2025, 7, 1), settings=engine.effective_settings())
        return [h.message for _, h in engine.evaluate(ctx, ["DUTY-02"])]

    assert duty02() == []
    do_delete_meeting(m, reason="重复录入", acting_user=users.secretary_a)
    assert len(duty02()) == 1
    page = client_as(users.secretary_a).get(reverse("duty:responsibilitylist_detail", kwargs={"pk": lst.pk}))
    assert "不再作为佐证" in page.content.decode()
