"""Dates and titles: a branch is named between the day its application was submitted and today; a 复核 or a
revocation falls between the naming day and today; a title runs to the day before its anniversary (a title named on
29 February too); a branch applies under this year's or last year's standard and holds one valid title at a time."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from dangjian.core.errors import ActionError
from dangjian.fourstrong import actions
from dangjian.fourstrong.choices import ApplicationState, TitleState
from dangjian.fourstrong.models import Title

from .helpers import full_marks, name_branch, published_standard

pytestmark = pytest.mark.django_db


def reviewed(tree, users, org=None, standard=None, as_of=dt.date(2025, 11, 30), secretary=None):
    secretary = secretary or users.secretary_a
    app = actions.do_open_application(standard=standard or published_standard(tree, users), org=org or tree.a,
                                      acting_user=secretary)
    actions.do_save_self_assessment(app, scores=full_marks(app), acting_user=secretary)
    actions.do_submit(app, as_of=as_of, acting_user=secretary)
    return actions.do_review(app, passed=True, scores=full_marks(app), comment="同意", acting_user=users.committee_admin)


@pytest.mark.parametrize("on, message", [("9999-06-01", "命名日期不能晚于今天"), ("2025-12-21", "命名日期不能晚于今天"),
                                         ("1990-01-01", "命名日期不能早于申报提交日期（2025-11-30）"),
                                         ("2025-11-29", "命名日期不能早于申报提交日期")])
def test_a_naming_date_lies_between_the_submission_and_today(tree, people, users, client_as, on, message):
    app = reviewed(tree, users)
    url = reverse("fourstrong:fsapplication_detail", kwargs={"pk": app.pk})
    response = client_as(users.wc_admin).post(url, {"form": "name", "on": on, "comment": "同意命名"})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "同意命名" in html
    app.refresh_from_db()
    assert app.state == ApplicationState.PASSED and not Title.objects.exists()
    # The submission day and today are both allowed.
    for day in (dt.date(2025, 11, 30), dt.date(2025, 12, 20)):
        Title.objects.all().delete()
        actions.do_decide(app, named=True, on=day, acting_user=users.wc_admin)
        app.refresh_from_db()
        assert app.title.valid_from == day
        app.state = ApplicationState.PASSED
        app.save()


@pytest.mark.parametrize("form, on, message", [("recheck", "9999-12-30", "复核日期不能晚于今天"),
                                               ("recheck", "0001-01-01", "复核日期不能早于命名日期（2025-12-01）"),
                                               ("recheck", "2025-11-30", "复核日期不能早于命名日期"),
                                               ("revoke", "0001-01-01", "撤销日期不能早于命名日期"),
                                               ("revoke", "2026-01-01", "撤销日期不能晚于今天")])
def test_a_recheck_or_revocation_lies_between_the_naming_and_today(tree, people, users, client_as, form, on, message):
    _, title = name_branch(tree, users, tree.a, on=dt.date(2025, 12, 1))
    url = reverse("fourstrong:fstitle_detail", kwargs={"pk": title.pk})
    response = client_as(users.wc_admin).post(url, {"form": form, "on": on, "reason": "支部书记受到党纪处分"})
    assert response.status_code == 200 and message in response.content.decode()
    title.refresh_from_db()
    assert title.state == TitleState.VALID and title.revoked_on is None and not title.rechecks.exists()
    actions.do_revoke(title, reason="支部书记受到党纪处分", on=dt.date(2025, 12, 1), acting_user=users.wc_admin)


@pytest.mark.parametrize("on, years, until", [(dt.date(2024, 2, 29), 3, dt.date(2027, 2, 28)),
                                              (dt.date(2024, 2, 29), 4, dt.date(2028, 2, 28)),
                                              (dt.date(2023, 3, 1), 1, dt.date(2024, 2, 29)),
                                              (dt.date(2025, 12, 1), 3, dt.date(2028, 11, 30))])
def test_a_title_runs_to_the_day_before_its_anniversary(on, years, until):
    assert actions.title_end(on, years) == until


def test_a_branch_named_on_29_february_keeps_28_february_three_years_on(tree, people, users, today):
    today.move_to(dt.date(2024, 3, 5))
    standard = published_standard(tree, users, year=2024)
    app = reviewed(tree, users, standard=standard, as_of=dt.date(2024, 2, 28))
    app = actions.do_decide(app, named=True, on=dt.date(2024, 2, 29), acting_user=users.wc_admin)
    assert (app.title.valid_from, app.title.valid_until) == (dt.date(2024, 2, 29), dt.date(2027, 2, 28))


def test_a_branch_applies_under_this_years_or_last_years_standard_only(tree, people, users, client_as, today):
    old = published_standard(tree, users, year=2024)
    last = published_standard(tree, users, year=2025)
    today.move_to(dt.date(2026, 6, 1))
    with pytest.raises(ActionError, match="只能按本年度或上一年度（2025—2026年）的创建标准申报"):
        actions.do_open_application(standard=old, org=tree.a, acting_user=users.secretary_a)
    html = client_as(users.secretary_a).get(reverse("fourstrong:fsbranch", kwargs={"org_pk": tree.a.pk})).content.decode()
    assert f'<option value="{last.pk}"' in html and f'<option value="{old.pk}"' not in html
    assert actions.do_open_application(standard=last, org=tree.a, acting_user=users.secretary_a).year == 2025


def test_a_branch_holds_one_valid_title_at_a_time(tree, people, users, today):
    _, first = name_branch(tree, users, tree.a, on=dt.date(2025, 12, 1))
    today.move_to(dt.date(2026, 11, 20))
    app = reviewed(tree, users, standard=published_standard(tree, users, year=2026), as_of=dt.date(2026, 11, 10))
    with pytest.raises(ActionError, match="已有有效的“四强”党支部命名（2025-12-01至2028-11-30）"):
        actions.do_decide(app, named=True, on=dt.date(2026, 11, 20), acting_user=users.wc_admin)
    app.refresh_from_db()
    assert app.state == ApplicationState.PASSED
    actions.do_revoke(first, reason="支部书记受到党纪处分", on=dt.date(2026, 11, 15), acting_user=users.wc_admin)
    assert actions.do_decide(app, named=True, on=dt.date(2026, 11, 20),
                             acting_user=users.wc_admin).state == ApplicationState.NAMED
