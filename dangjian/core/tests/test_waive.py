"""豁免预警：只有该组织（或上级组织）的管理员可以豁免，须写明理由，留下痕迹；豁免后引擎不再打开它，
恢复后引擎照常判断。"""
import datetime as dt

import pytest

from dangjian.core import engine
from dangjian.core.actions import do_reopen_finding, do_waive_finding
from dangjian.core.errors import ActionError
from dangjian.core.models import AuditEvent, Finding, FindingState
from dangjian.people.models import Person

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture
def small_branch_finding(tree, people, users):
    """第一党支部 has 2 full members: JG-03 (正式党员不足3人)."""
    engine.run(as_of=AS_OF, rule_ids=["JG-03"])
    return Finding.objects.get(rule_id="JG-03", subject_id=tree.a.pk)


def test_the_branch_secretary_waives_with_a_reason_and_it_is_recorded(small_branch_finding, users):
    f = do_waive_finding(small_branch_finding, "  经市直机关工委批准暂缓调整  ", acting_user=users.secretary_a)
    f.refresh_from_db()
    assert f.state == FindingState.WAIVED and f.waived_by == users.secretary_a
    assert f.waived_reason == "经市直机关工委批准暂缓调整"
    event = AuditEvent.objects.get(verb="finding.waive")
    assert event.actor == users.secretary_a and event.org_id == f.org_id
    assert "经市直机关工委批准暂缓调整" in event.summary and event.data["after"]["state"] == "waived"


def test_a_waiver_needs_a_reason(small_branch_finding, users):
    with pytest.raises(ActionError, match="须填写理由") as e:
        do_waive_finding(small_branch_finding, "   ", acting_user=users.secretary_a)
    assert e.value.field == "reason"
    small_branch_finding.refresh_from_db()
    assert small_branch_finding.state == FindingState.OPEN
    assert not AuditEvent.objects.filter(verb="finding.waive").exists()


@pytest.mark.parametrize("who", ["secretary_b", "member_a", "auditor"])
def test_the_outsider_a_member_and_the_auditor_cannot_waive(small_branch_finding, users, who):
    with pytest.raises(ActionError, match="无权"):
        do_waive_finding(small_branch_finding, "理由", acting_user=getattr(users, who))
    small_branch_finding.refresh_from_db()
    assert small_branch_finding.state == FindingState.OPEN


def test_the_committee_admin_may_waive_below(small_branch_finding, users):
    assert do_waive_finding(small_branch_finding, "理由", acting_user=users.committee_admin).state == "waived"


def test_a_waived_finding_stays_waived_while_the_rule_still_holds_and_after(small_branch_finding, users, tree):
    do_waive_finding(small_branch_finding, "联合支部正在筹建", acting_user=users.secretary_a)
    result = engine.run(as_of=AS_OF, rule_ids=["JG-03"])
    small_branch_finding.refresh_from_db()
    assert small_branch_finding.state == FindingState.WAIVED and result.kept == 2
    Person.objects.create(name="第三名正式党员", org=tree.a, status="full", full_member_date=dt.date(2016, 7, 1))
    engine.run(as_of=AS_OF, rule_ids=["JG-03"])
    small_branch_finding.refresh_from_db()
    assert small_branch_finding.state == FindingState.WAIVED


def test_reopening_a_waiver_lets_the_engine_judge_again(small_branch_finding, users, tree):
    do_waive_finding(small_branch_finding, "联合支部正在筹建", acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="已豁免"):
        do_waive_finding(small_branch_finding, "再次", acting_user=users.secretary_a)
    f = do_reopen_finding(small_branch_finding, acting_user=users.committee_admin, reason="筹建已取消")
    assert f.state == FindingState.OPEN and f.waived_by is None and f.waived_reason == ""
    assert AuditEvent.objects.filter(verb="finding.reopen", actor=users.committee_admin).exists()
    with pytest.raises(ActionError, match="只有已豁免"):
        do_reopen_finding(f, acting_user=users.committee_admin)
    Person.objects.create(name="第三名正式党员", org=tree.a, status="full", full_member_date=dt.date(2016, 7, 1))
    engine.run(as_of=AS_OF, rule_ids=["JG-03"])
    f.refresh_from_db()
    assert f.state == FindingState.RESOLVED
    with pytest.raises(ActionError, match="已自动消除"):
        do_waive_finding(f, "理由", acting_user=users.secretary_a)
