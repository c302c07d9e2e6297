"""Saving re-judges at once, without a browser and without anyone running the rules: every action
calls `engine.schedule(org_ids)`, which pools the touched orgs and runs one incremental
`engine.run(org_ids=…)` in `transaction.on_commit` — synchronously, in the committing thread (no
pool, no thread), so running the captured on-commit callbacks is the whole evaluation and the test
is deterministic.

支部工作条例第十六条：党支部应当每月相对固定1天开展主题党日 (ORGLIFE-03). With
`orglife_due_soon_days_month` = 31 the running month is "due soon" from its first day: branch A has
this month's INFO finding until a 主题党日 is recorded, and has it again when the record is deleted."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core.actions import do_update_setting
from dangjian.core.models import Finding, FindingState
from dangjian.core.periods import month_label
from dangjian.core import engine
from dangjian.orglife.actions import do_delete_meeting, do_record_meeting, do_update_meeting
from dangjian.orgs.actions import do_appoint, do_create_org


@pytest.fixture(autouse=True)
def mid_month(mid_november):
    """The clock stands mid-month (15 November 2026, Beijing time): on a month's last day the month counts as ended
    (its 主题党日 finding is a WARN, not the INFO asserted here), and on 31 December so does the year."""


def this_months_theme_day(org):
    return Finding.objects.filter(rule_id="ORGLIFE-03", subject_kind="org", subject_id=org.pk,
                                  period=month_label(timezone.localdate()))


@pytest.fixture
def due_from_the_first_day(tree, people, users, django_capture_on_commit_callbacks):
    # The setting change itself re-judges after its commit: the finding opens with no manual run.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        do_update_setting("orglife_due_soon_days_month", 31, acting_user=users.wc_admin)
    assert callbacks
    f = this_months_theme_day(tree.a).get()
    assert (f.state, f.severity) == (FindingState.OPEN, "INFO")
    assert f"{timezone.localdate().month}月主题党日尚未召开" in f.message
    assert f.settings_used["orglife_due_soon_days_month"] == 31
    return f


def test_recording_this_months_theme_day_resolves_the_warning_and_deleting_it_reopens_it(
        tree, people, users, client_as, due_from_the_first_day, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        meeting = do_record_meeting(org=tree.a, type="theme_day", date=today, topic=f"{today.month}月主题党日",
                                    present=[people.secretary_a, people.member_a], acting_user=users.secretary_a)
    assert callbacks                                     # the evaluation is the on-commit callback
    f = this_months_theme_day(tree.a).get()
    assert f.pk == due_from_the_first_day.pk and f.state == FindingState.RESOLVED and f.resolved_at
    page = client_as(users.secretary_a).get(reverse("orgs:org_detail", kwargs={"pk": tree.a.pk})).content.decode()
    assert f"{today.month}月主题党日尚未召开" not in page

    with django_capture_on_commit_callbacks(execute=True):
        do_delete_meeting(meeting, reason="重复录入", acting_user=users.secretary_a)
    f = this_months_theme_day(tree.a).get()
    assert f.pk == due_from_the_first_day.pk and f.state == FindingState.OPEN and f.resolved_at is None
    page = client_as(users.secretary_a).get(reverse("orgs:org_detail", kwargs={"pk": tree.a.pk})).content.decode()
    assert f"{today.month}月主题党日尚未召开" in page


def test_without_the_commit_nothing_is_judged(tree, people, users, due_from_the_first_day,
                                              django_capture_on_commit_callbacks):
    """The callbacks are what judges: captured but not run, the finding stays as it was."""
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        do_record_meeting(org=tree.a, type="theme_day", date=today, topic=f"{today.month}月主题党日",
                          present=[people.secretary_a], acting_user=users.secretary_a)
    assert callbacks
    assert this_months_theme_day(tree.a).get().state == FindingState.OPEN


def test_a_party_group_secretarys_lecture_in_a_branch_re_judges_the_party_groups_finding(
        tree, people, users, django_capture_on_commit_callbacks):
    """支部工作条例第十五条：党委（党组）书记每年至少讲1次党课 (ORGLIFE-02). The 党组 sits beside the
    机关党委, not above branch A: saving a 党课 in A that the 党组书记 gave must re-judge the 党组 too."""
    group = do_create_org(name="中共市交通运输局党组", type="leading_group", parent=tree.wc, unit=tree.unit)
    do_appoint(person=people.secretary_b, org=group, role="first_responsible", start=dt.date(2020, 1, 1),
               approved=dt.date(2020, 1, 10))
    last_year = timezone.localdate().year - 1
    engine.run()
    gap = Finding.objects.filter(rule_id="ORGLIFE-02", subject_kind="person", subject_id=people.secretary_b.pk,
                                 period=str(last_year))
    assert gap.get().state == FindingState.OPEN and gap.get().org_id == group.pk
    with django_capture_on_commit_callbacks(execute=True):
        lecture = do_record_meeting(org=tree.a, type="lecture", date=dt.date(last_year, 12, 1), topic="党课：学习党章",
                                    lecturer=people.secretary_b, present=[people.secretary_a, people.member_a],
                                    acting_user=users.secretary_a)
    assert gap.get().state == FindingState.RESOLVED
    with django_capture_on_commit_callbacks(execute=True):     # the lecturer corrected: the gap is back
        do_update_meeting(lecture, lecturer=people.secretary_a, acting_user=users.secretary_a)
    assert gap.get().state == FindingState.OPEN
