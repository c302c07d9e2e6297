"""年度计划: what the rules require of a branch in which months — 主题党日 monthly on the branch's usual
day, 支委会 monthly only where a 支部委员会 is set up, 党小组会 monthly per group, 党员大会 quarterly,
党课 per `lecture_per`, 组织生活会 and 民主评议 in the fourth quarter with 谈心谈话 before it — each
item done (with the date), to do, or overdue; and the same as an iCalendar file for a phone."""
import datetime as dt
from collections import Counter

import pytest
from django.urls import reverse

from conftest import _person
from dangjian.core import engine
from dangjian.orglife.actions import do_record_appraisal, do_record_meeting, do_record_talk
from dangjian.orglife.plan import DONE, OVERDUE, TODO, by_month, fold, theme_day, to_ics, year_plan
from dangjian.orgs.actions import do_appoint, do_create_org

D = dt.date


def plan(org, year=2025, today=D(2025, 6, 30), **settings):
    return year_plan(org, year, engine.effective_settings(settings), today=today)


def kinds(items):
    return Counter(i.title for i in items)


def meet(org, type, day, **kw):
    return do_record_meeting(org=org, type=type, date=day, topic=f"{day}会议", **kw)


# --- what is required ------------------------------------------------------------------------------
def test_a_branch_without_a_committee_has_no_committee_meetings_and_a_quarterly_lecture(tree, people):
    items = plan(tree.a)
    k = kinds(items)
    assert k["主题党日"] == 12 and k["支部党员大会"] == 4 and k["支部党课"] == 4
    assert k["党小组会（第一党小组）"] == 12          # the branch's party group, monthly
    assert k["组织生活会"] == k["民主评议党员"] == k["谈心谈话（组织生活会前）"] == 1
    assert "支委会" not in k                         # only a secretary: 议事由党员大会进行 (BR-06)
    lecture = next(i for i in items if i.title == "支部党课")
    assert lecture.rule_id == "ORGLIFE-02" and "lecture_per=quarter" in lecture.note
    assert {i.rule_id for i in items} == {"ORGLIFE-03", "BR-05", "BR-07", "ORGLIFE-02", "ORGLIFE-04",
                                          "ORGLIFE-06", "TALK-01"}


def test_a_branch_with_a_committee_meets_monthly_and_lecture_per_year_gives_one_lecture(tree, people):
    do_appoint(person=people.member_a, org=tree.a, role="organization", start=D(2024, 3, 15))
    items = plan(tree.a, lecture_per="year")
    k = kinds(items)
    assert k["支委会"] == 12 and k["支部党课"] == 1
    assert next(i for i in items if i.title == "支部党课").period == "2025"
    # A committee set up in July: 支委会 is required from the first whole month with it (as BR-06 judges).
    do_appoint(person=people.member_b, org=tree.b, role="propaganda", start=D(2025, 7, 1))
    assert [i.period for i in plan(tree.b) if i.title == "支委会"] == [f"2025-{m:02d}" for m in range(7, 13)]


def test_the_plan_follows_the_jurisdiction_setting_the_rules_use(tree, people, users):
    from dangjian.core.actions import do_update_setting

    do_update_setting("lecture_per", "year", acting_user=users.wc_admin)
    items = year_plan(tree.a, 2025, engine.effective_settings(), today=D(2025, 6, 30))
    assert kinds(items)["支部党课"] == 1
    do_update_setting("orglife_records_from", "2025-07-01", acting_user=users.wc_admin)
    items = year_plan(tree.a, 2025, engine.effective_settings(), today=D(2025, 6, 30))
    # Periods that began before the jurisdiction started recording are not judged: not planned either.
    assert min(i.period for i in items if i.title == "主题党日") == "2025-07"


def test_a_group_and_a_leading_group_and_a_committee_secretary(tree, people):
    assert kinds(plan(tree.a1)) == Counter({"党小组会": 12})
    lg = do_create_org(name="市交通运输局党组", type="leading_group", parent=tree.wc)
    chief = _person(tree.a, "周书记")
    do_appoint(person=chief, org=lg, role="first_responsible", start=D(2024, 1, 1))
    items = plan(lg)
    assert {i.title for i in items} == {"领导班子民主生活会", "书记讲党课（周书记）"}
    assert next(i for i in items if i.rule_id == "DLH-01").date.month == 12
    # The secretary's lecture given in a branch (any org) satisfies the yearly duty.
    meet(tree.a, "lecture", D(2025, 6, 20), lecturer=chief)
    lecture = next(i for i in plan(lg) if i.rule_id == "ORGLIFE-02")
    assert (lecture.status, lecture.done_on) == (DONE, D(2025, 6, 20))


# --- done, to do, overdue --------------------------------------------------------------------------
def test_a_held_meeting_marks_its_item_done_with_the_date_and_ended_periods_are_overdue(tree, people):
    meet(tree.a, "theme_day", D(2025, 3, 14))
    items = {(i.title, i.period): i for i in plan(tree.a, today=D(2025, 3, 31))}
    march = items[("主题党日", "2025-03")]
    assert (march.status, march.done_on, march.status_label) == (DONE, D(2025, 3, 14), "已完成")
    assert march.meeting_id is not None
    assert items[("主题党日", "2025-02")].status == OVERDUE
    # The quarter's last day is the day its finding appears: overdue from that day, as in the warnings centre.
    assert items[("支部党员大会", "2025Q1")].status == OVERDUE
    assert items[("主题党日", "2025-04")].status == TODO
    assert {(i.title, i.period): i for i in plan(tree.a, today=D(2025, 3, 30))}[("支部党员大会", "2025Q1")].status == TODO
    # A quarter's 党员大会 held in the quarter's first month sits in that month of the calendar.
    meet(tree.a, "member_assembly", D(2025, 4, 11))
    months = dict(by_month(plan(tree.a)))
    assert [i.title for i in months[4] if i.status == DONE] == ["支部党员大会"]
    assert "支部党员大会" not in [i.title for i in months[5]]
    # An announced meeting is not a held one.
    assert {(i.title, i.period): i for i in plan(tree.a)}[("支部党员大会", "2025Q3")].status == TODO
    meet(tree.a, "member_assembly", D(2025, 8, 8), state="announced")
    assert {(i.title, i.period): i for i in plan(tree.a, today=D(2025, 9, 30))}[("支部党员大会", "2025Q3")].status == OVERDUE


def test_q4_duties_talks_before_the_org_life_meeting_and_appraisal_by_grades(tree, people, users):
    talk = do_record_talk(a=people.secretary_a, b=people.member_a, date=D(2025, 11, 20), topic="会前谈心",
                          acting_user=users.secretary_a)
    ol = meet(tree.a, "org_life", D(2025, 12, 5), present=[people.secretary_a, people.member_a])
    do_record_appraisal(org=tree.a, year=2025, acting_user=users.secretary_a,
                        grades={people.secretary_a: "qualified", people.member_a: "qualified"})
    items = {i.rule_id: i for i in plan(tree.a, today=D(2025, 12, 31)) if i.period == "2025"}
    assert (items["ORGLIFE-04"].status, items["ORGLIFE-04"].done_on) == (DONE, ol.date)
    assert (items["TALK-01"].status, items["TALK-01"].done_on) == (DONE, talk.date)
    assert items["ORGLIFE-06"].status == DONE
    # A talk outside the window before the meeting (talk_before_meeting_days) does not count.
    late = {i.rule_id: i for i in plan(tree.a, today=D(2025, 12, 31), talk_before_meeting_days=10)}
    assert late["TALK-01"].status == OVERDUE


def test_the_theme_day_is_suggested_on_the_branch_usual_day_else_the_first_working_friday(tree, people):
    assert [i.date for i in plan(tree.b) if i.title == "主题党日"][0] == D(2025, 1, 3)   # first Friday
    assert theme_day(2025, 10, None) == D(2025, 10, 10)      # 1–7 October is the National Day holiday
    for month in (1, 2, 3):
        meet(tree.b, "theme_day", D(2024, month, 15))
    days = {i.period: i.date for i in plan(tree.b) if i.title == "主题党日"}
    assert days["2025-01"] == D(2025, 1, 15)
    assert days["2025-03"] == D(2025, 3, 14)                 # the 15th is a Saturday: the Friday before


# --- the page and the ICS file ---------------------------------------------------------------------
def test_the_plan_page_shows_the_months_and_the_outsider_gets_404(mid_november, tree, people, users, client_as,
                                                                   django_assert_max_num_queries):
    year = dt.date.today().year
    meet(tree.a, "theme_day", D(year, 1, 9))
    client = client_as(users.secretary_a)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("orglife:org_plan", kwargs={"pk": tree.a.pk, "year": year}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "12月" in html and "主题党日" in html and "已完成 01-09" in html and "ORGLIFE-03" in html
    assert reverse("orglife:org_plan_ics", kwargs={"pk": tree.a.pk, "year": year}) in html
    assert client.get(reverse("orglife:org_plan", kwargs={"pk": tree.a.pk})).status_code == 200
    outsider = client_as(users.secretary_b)
    for name in ("orglife:org_plan", "orglife:org_plan_ics"):
        assert outsider.get(reverse(name, kwargs={"pk": tree.a.pk, "year": year})).status_code == 404
        assert outsider.get(reverse(name, kwargs={"pk": tree.a.pk})).status_code == 404
    assert client.get(reverse("orglife:org_plan", kwargs={"pk": tree.a.pk, "year": 1990})).status_code == 404


def unfold(text: str) -> list[str]:
    """RFC 5545 §3.1: a CRLF followed by one space or tab continues the previous line."""
    lines: list[str] = []
    for raw in text.split("\r\n"):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        else:
            lines.append(raw)
    assert lines[-1] == "", "the file ends with CRLF"
    return lines[:-1]


def parse(body: bytes) -> list[dict]:
    text = body.decode("utf-8")
    assert "\n" not in text.replace("\r\n", ""), "every line ends with CRLF"
    for physical in text.split("\r\n"):
        assert len(physical.encode("utf-8")) <= 75, physical
    stack, events, current = [], [], None
    for line in unfold(text):
        name, _, value = line.partition(":")
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                current = {}
        elif name == "END":
            assert stack.pop() == value
            if value == "VEVENT":
                events.append(current)
                current = None
        elif current is not None:
            current[name] = value
        else:
            assert stack == ["VCALENDAR"], line
            events.append({"_calendar": name, "value": value}) if name == "X-WR-CALNAME" else None
    assert not stack
    return events


def test_the_ics_file_is_valid_icalendar_with_stable_uids(mid_november, tree, people, users, client_as):
    year = dt.date.today().year
    meet(tree.a, "theme_day", D(year, 1, 9))
    client = client_as(users.secretary_a)
    url = reverse("orglife:org_plan_ics", kwargs={"pk": tree.a.pk, "year": year})
    first, second = client.get(url), client.get(url)
    assert first.status_code == 200 and first["Content-Type"].startswith("text/calendar")
    assert "attachment" in first["Content-Disposition"]
    parsed = parse(first.content)
    calname = [e for e in parsed if "_calendar" in e]
    assert calname == [{"_calendar": "X-WR-CALNAME", "value": f"第一党支部{year}年组织生活计划"}]
    events = [e for e in parsed if "_calendar" not in e]
    items = year_plan(tree.a, year, engine.effective_settings())
    assert len(events) == len(items) > 20
    assert all(e["DTSTART;VALUE=DATE"].isdigit() and len(e["DTSTART;VALUE=DATE"]) == 8 for e in events)
    assert all(e["DESCRIPTION"] and "依据" in e["DESCRIPTION"] for e in events)
    assert len({e["UID"] for e in events}) == len(events)
    assert [e["UID"] for e in events] == [e["UID"] for e in parse(second.content) if "_calendar" not in e]
    done = next(e for e in events if e["DTSTART;VALUE=DATE"] == f"{year}0109")
    assert done["SUMMARY"] == "【已完成】主题党日（第一党支部）"
    assert "《中国共产党支部工作条例（试行）》第十六条" in done["DESCRIPTION"]


def test_folding_never_splits_a_chinese_character():
    line = "DESCRIPTION:" + "党支部每月相对固定1天开展主题党日，" * 10
    folded = fold(line)
    assert all(len(p.encode("utf-8")) <= 75 for p in folded.split("\r\n"))
    assert unfold(folded + "\r\n") == [line]
    ics = to_ics(type("O", (), {"name": "测试支部"})(), 2025, [])
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")


def test_a_group_meeting_in_the_branch_calendar_names_the_group(tree, people):
    item = next(i for i in plan(tree.a) if i.rule_id == "BR-07")
    assert item.title == "党小组会（第一党小组）" and item.summary == "党小组会（第一党小组）"
    renamed = do_create_org(name="第一党支部第二党小组", type="group", parent=tree.a)
    items = [i for i in plan(tree.a) if i.org_id == renamed.pk]
    assert items[0].title == "党小组会（第二党小组）" and items[0].summary == "党小组会（第一党支部第二党小组）"
