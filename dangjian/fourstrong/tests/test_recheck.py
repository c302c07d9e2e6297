"""复核 under the `flag` policy: a failing re-check sets a 整改期限 once; a re-check within it that still fails keeps
the title flagged with the same deadline; a re-check on or after the deadline that still fails revokes the title.
SQ-03 reminds the naming organ of a re-check that is due (提示 30 days before, 预警 from the day)."""
from __future__ import annotations

import datetime as dt

import pytest

from dangjian.core import engine
from dangjian.core.models import Finding, FindingState
from dangjian.fourstrong import actions
from dangjian.fourstrong.choices import RecheckOutcome, TitleState

from .helpers import finding, name_branch

pytestmark = pytest.mark.django_db


def test_a_flagged_title_still_failing_when_its_deadline_comes_is_revoked(tree, people, users, today):
    _, title = name_branch(tree, users, tree.a, on=dt.date(2025, 12, 1))
    finding(tree.a, "ORGLIFE-03", "WARN", message="第一党支部：2026年10月没有开展主题党日")
    today.move_to(dt.date(2026, 12, 1))
    assert actions.do_recheck(title, acting_user=users.wc_admin).outcome == RecheckOutcome.FLAGGED
    title.refresh_from_db()
    assert title.rectify_by == dt.date(2027, 3, 1) and title.next_recheck == dt.date(2027, 3, 1)
    # A re-check within the period that still fails does not extend the deadline.
    today.move_to(dt.date(2027, 2, 1))
    assert actions.do_recheck(title, acting_user=users.wc_admin).outcome == RecheckOutcome.FLAGGED
    title.refresh_from_db()
    assert title.state == TitleState.FLAGGED and title.rectify_by == dt.date(2027, 3, 1)
    # The deadline has come and the finding is still open: revoked, although the policy is `flag`.
    today.move_to(dt.date(2027, 3, 1))
    r = actions.do_recheck(title, acting_user=users.wc_admin)
    title.refresh_from_db()
    assert r.outcome == RecheckOutcome.REVOKED and title.state == TitleState.REVOKED
    assert title.revoked_on == dt.date(2027, 3, 1) and "整改期限（2027-03-01）届满" in title.revoked_reason
    assert "ORGLIFE-03" in title.revoked_reason


def test_sq03_reminds_the_naming_organ_of_a_recheck_that_is_due(tree, people, users):
    from dangjian.notify.actions import create_reminders
    from dangjian.notify.models import Notification

    _, title = name_branch(tree, users, tree.a, on=dt.date(2025, 12, 1))
    assert title.next_recheck == dt.date(2026, 12, 1)
    assert engine.run(as_of=dt.date(2026, 10, 31), rule_ids=["SQ-03"]).opened == 0
    engine.run(as_of=dt.date(2026, 11, 11), rule_ids=["SQ-03"])
    f = Finding.objects.get(rule_id="SQ-03")
    assert f.severity == "INFO" and "还有 20 天" in f.message and f.subject_id == tree.a.pk
    assert f.org_id == tree.wc.pk        # the 工委 re-checks: the finding lives with it
    engine.run(as_of=dt.date(2026, 12, 2), rule_ids=["SQ-03"])
    f.refresh_from_db()
    assert f.severity == "WARN" and "复核日期2026-12-01已到" in f.message and "请中共某市直属机关工作委员会办理复核" in f.message
    create_reminders()
    assert Notification.objects.filter(finding=f, recipient=users.wc_admin).exists()
    assert not Notification.objects.filter(finding=f, recipient=users.secretary_a).exists()


def test_sq03_clears_once_rechecked_and_is_silent_for_revoked_or_lapsed_titles(tree, people, users, today):
    _, title = name_branch(tree, users, tree.a, on=dt.date(2025, 12, 1))
    today.move_to(dt.date(2026, 12, 2))
    engine.run(as_of=dt.date(2026, 12, 2), rule_ids=["SQ-03"])
    actions.do_recheck(title, acting_user=users.wc_admin)
    engine.run(as_of=dt.date(2026, 12, 2), rule_ids=["SQ-03"])
    assert Finding.objects.get(rule_id="SQ-03").state == FindingState.RESOLVED
    actions.do_revoke(title, reason="支部书记受到党纪处分", acting_user=users.wc_admin)
    assert engine.run(as_of=dt.date(2027, 12, 2), rule_ids=["SQ-03"]).opened == 0
    assert engine.run(as_of=dt.date(2028, 12, 2), rule_ids=["SQ-03"]).opened == 0


def test_naming_rechecking_and_revoking_rejudge_sq03(tree, people, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        name_branch(tree, users, tree.a, on=dt.date(2025, 12, 1))
    assert engine._run_pending in callbacks
