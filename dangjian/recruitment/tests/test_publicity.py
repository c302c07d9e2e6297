"""DEV-27 (a local rule, [P] `publicity_working_days`, default 5): before 确定积极分子, 确定发展对象, the
branch vote on admission and the one on confirmation, a publicity of at least N working days must end.
Working days are Monday to Friday, less the holidays and plus the 调休 weekend days the 工委 keeps in the
work calendar, both ends included."""
import datetime as dt

import pytest
from django.urls import reverse

from conftest import _person
from dangjian.core import engine
from dangjian.core.actions import do_set_calendar_day
from dangjian.core.errors import ActionError
from dangjian.core.workdays import WorkCalendar
from dangjian.recruitment.actions import do_open_file, do_record_step

D = dt.date


def test_working_days_count_weekdays_less_holidays_plus_adjusted_weekends():
    cal = WorkCalendar({D(2025, 10, 1): False, D(2025, 10, 2): False, D(2025, 9, 28): True})
    assert WorkCalendar({}).count(D(2025, 9, 22), D(2025, 9, 26)) == 5          # Monday to Friday
    assert WorkCalendar({}).count(D(2025, 9, 26), D(2025, 10, 2)) == 5          # over a weekend
    assert cal.count(D(2025, 9, 26), D(2025, 10, 2)) == 4                       # 国庆 off, Sunday 28 worked
    assert cal.add(D(2025, 9, 29), 5) == D(2025, 10, 7)      # 29, 30, 3, 6, 7


def _dev27(as_of):
    ctx = engine.Context(as_of=as_of, settings=engine.effective_settings())
    return [h.message for _, h in engine.evaluate(ctx, ["DEV-27"])]


@pytest.mark.parametrize("end, ok", [(D(2024, 5, 31), True),     # Mon 27 – Fri 31: five working days
                                     (D(2024, 5, 30), False)])   # four
def test_the_publicity_before_the_activist_decision(tree, people, end, ok):
    p = _person(tree.a, "李明", status="applicant", birth_date=D(2000, 1, 1), probationary_date=None,
                full_member_date=None)
    f = do_open_file(person=p, application_date=D(2024, 1, 10))
    do_record_step(f, "publicity", D(2024, 5, 27), publicity_for="activist", end_date=end)
    do_record_step(f, "activist", D(2024, 6, 3))
    found = _dev27(D(2024, 6, 10))
    assert (found == []) == ok, found
    if not ok:
        assert "只有4个工作日" in found[0]


def test_a_holiday_in_the_publicity_is_not_a_working_day(tree, people, users):
    p = _person(tree.a, "李明", status="applicant", birth_date=D(2000, 1, 1), probationary_date=None,
                full_member_date=None)
    f = do_open_file(person=p, application_date=D(2024, 1, 10))
    do_record_step(f, "publicity", D(2024, 5, 27), publicity_for="activist", end_date=D(2024, 5, 31))
    do_record_step(f, "activist", D(2024, 6, 3))
    assert _dev27(D(2024, 6, 10)) == []
    do_set_calendar_day(D(2024, 5, 29), workday=False, name="测试假日", acting_user=users.wc_admin)
    assert "不足5个工作日" in _dev27(D(2024, 6, 10))[0]


def test_no_publicity_before_the_candidate_decision_is_a_finding_unless_the_jurisdiction_requires_none(
        tree, people, users):
    from dangjian.core.actions import do_update_setting

    p = _person(tree.a, "李明", status="applicant", birth_date=D(2000, 1, 1), probationary_date=None,
                full_member_date=None)
    f = do_open_file(person=p, application_date=D(2023, 1, 10))
    do_record_step(f, "activist", D(2023, 3, 1))
    assert "前没有“确定入党积极分子”的公示" in _dev27(D(2023, 3, 5))[0]
    do_update_setting("publicity_working_days", 0, acting_user=users.wc_admin)
    assert _dev27(D(2023, 3, 5)) == []


def test_the_work_calendar_is_kept_by_the_work_committee(client_as, users):
    with pytest.raises(ActionError, match="工委管理员"):
        do_set_calendar_day(D(2025, 10, 1), workday=False, acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="本来就是工作日"):
        do_set_calendar_day(D(2025, 9, 29), workday=True, acting_user=users.wc_admin)
    c = client_as(users.wc_admin)
    url = reverse("jurisdiction:work_calendar")
    assert c.post(url, {"date": "2025-10-01", "name": "国庆节"}).status_code == 302
    page = c.get(url, {"year": 2025}).content.decode()
    assert "2025-10-01" in page and "国庆节" in page and "放假" in page
    page = client_as(users.secretary_a).get(url, {"year": 2025}).content.decode()
    assert "国庆节" in page and "登记</button>" not in page
    assert client_as(users.secretary_a).post(url, {"date": "2025-10-02"}).status_code == 200
