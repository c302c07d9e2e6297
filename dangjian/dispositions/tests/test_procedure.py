"""DISP-04 程序：支委会研究提出启动意见 → 报基层党委事前备案 → 调查核实 → 支部大会讨论表决 → 报基层党委审批.
The vote follows the 发展党员 branch meeting: 到会 strictly more than half of the voting members, passed
with yes votes strictly more than half of those eligible. DISP-01: no disposition for an issue already
punished by party discipline. DISP-02: 限期改正 6 months (at most a year); 5 years before re-entry."""
import datetime as dt

import pytest

from dangjian.core.errors import ActionError
from dangjian.core.models import AuditEvent
from dangjian.dispositions import actions
from dangjian.dispositions.choices import Outcome, State
from dangjian.dispositions.models import Disposition
from dangjian.people.choices import Status

from .helpers import D, effective, open_for, through_vote


# --- order ------------------------------------------------------------------------------------------
def test_the_five_steps_in_order_each_audited(people, users):
    u = users.secretary_a
    d = effective(people.member_a, u)
    assert d.state == State.EFFECTIVE and d.committee_date == D(2025, 1, 6) and d.approved_date == D(2025, 1, 10)
    verbs = list(AuditEvent.objects.filter(object_id=str(d.pk), verb__startswith="disposition.")
                 .order_by("created", "pk").values_list("verb", flat=True))
    assert verbs == ["disposition.open", "disposition.file", "disposition.investigate", "disposition.vote",
                     "disposition.approve"]
    assert all(e.actor == u for e in AuditEvent.objects.filter(object_id=str(d.pk), verb__startswith="disposition."))


def test_a_step_out_of_order_is_refused_with_the_article(people, users):
    d = open_for(people.member_a, users.secretary_a)
    with pytest.raises(ActionError) as e:
        actions.do_record_vote(d, date=D(2025, 1, 9), eligible=4, present=3, yes=3, acting_user=users.secretary_a)
    assert e.value.rule == "DISP-04" and "应先报基层党委事前备案" in e.value.message and "不合格党员组织处置办法" in e.value.message
    with pytest.raises(ActionError, match="应先报基层党委事前备案"):
        actions.do_approve_disposition(d, date=D(2025, 1, 9), acting_user=users.secretary_a)
    assert Disposition.objects.get(pk=d.pk).state == State.PROPOSED


def test_a_step_dated_before_the_one_before_it_is_refused(people, users):
    d = open_for(people.member_a, users.secretary_a, day=D(2025, 1, 6))
    with pytest.raises(ActionError, match="不能早于支委会研究提出启动意见的日期") as e:
        actions.do_file_disposition(d, date=D(2025, 1, 5), acting_user=users.secretary_a)
    assert e.value.rule == "DISP-04"


def test_a_second_open_disposition_for_the_same_member_is_refused(people, users):
    open_for(people.member_a, users.secretary_a)
    with pytest.raises(ActionError, match="已有一项进行中的组织处置"):
        open_for(people.member_a, users.secretary_a)


# --- the vote ---------------------------------------------------------------------------------------
def test_exactly_half_present_is_no_quorum_and_the_vote_is_refused(people, users):
    d = open_for(people.member_a, users.secretary_a)
    with pytest.raises(ActionError, match="未超过应到4人的半数，不能表决") as e:
        through_vote(d, users.secretary_a, eligible=4, present=2, yes=2)
    assert e.value.rule == "DISP-04"


def test_more_than_half_present_and_more_than_half_of_the_eligible_for_passes(people, users):
    d = through_vote(open_for(people.member_a, users.secretary_a), users.secretary_a, eligible=4, present=3, yes=3)
    assert d.state == State.VOTED and d.quorum and d.vote_passed


def test_yes_votes_of_exactly_half_of_the_eligible_do_not_pass(people, users):
    # 3 of 4 present, 2 for: a majority of those present, but not more than half of the 4 eligible.
    d = through_vote(open_for(people.member_a, users.secretary_a), users.secretary_a, eligible=4, present=3, yes=2)
    assert d.state == State.REJECTED and d.outcome == Outcome.VOTE_FAILED and d.quorum and not d.vote_passed
    with pytest.raises(ActionError):
        actions.do_approve_disposition(d, date=D(2025, 1, 10), acting_user=users.secretary_a)


def test_a_tally_larger_than_those_present_is_refused(people, users):
    with pytest.raises(ActionError, match="多于实到人数"):
        through_vote(open_for(people.member_a, users.secretary_a), users.secretary_a, eligible=4, present=3, yes=4)


# --- DISP-01 ----------------------------------------------------------------------------------------
def test_no_disposition_for_an_issue_already_punished_by_party_discipline(people, users):
    with pytest.raises(ActionError) as e:
        open_for(people.member_a, users.secretary_a, sanctioned_for_same_issue=True)
    assert e.value.rule == "DISP-01" and "不因同一问题再作组织处置" in e.value.message
    assert not Disposition.objects.exists()


# --- DISP-02: the correction period -----------------------------------------------------------------
def test_the_correction_period_is_six_months_by_default(people, users):
    d = effective(people.member_a, users.secretary_a, approved=D(2025, 1, 10))
    assert (d.correction_start, d.correction_deadline) == (D(2025, 1, 10), D(2025, 7, 10))


def test_a_correction_period_of_twelve_months_is_allowed(people, users):
    d = effective(people.member_a, users.secretary_a, approved=D(2025, 1, 10), correction_deadline=D(2026, 1, 10))
    assert d.correction_deadline == D(2026, 1, 10)


def test_twelve_months_and_a_day_is_refused(people, users):
    with pytest.raises(ActionError) as e:
        effective(people.member_a, users.secretary_a, approved=D(2025, 1, 10), correction_deadline=D(2026, 1, 11))
    assert e.value.rule == "DISP-02" and "最长不超过1年" in e.value.message


def test_the_end_of_a_correction_corrected_or_no_change_after_the_deadline(people, users):
    d = effective(people.member_a, users.secretary_a, approved=D(2025, 1, 10))
    with pytest.raises(ActionError, match="尚未届满"):
        actions.do_close_correction(d, date=D(2025, 7, 9), corrected=False, note="无转变", acting_user=users.secretary_a)
    d = actions.do_close_correction(d, date=D(2025, 7, 10), corrected=False, note="无转变", acting_user=users.secretary_a)
    assert d.state == State.CLOSED and d.outcome == Outcome.NO_CHANGE
    # The 劝其退党 that follows (DISP-03: 限期改正期满仍无转变) may now be opened.
    nxt = open_for(people.member_a, users.secretary_a, measure="persuade_withdraw", grounds="correction_failed",
                   day=D(2025, 7, 15))
    assert nxt.state == State.PROPOSED


# --- the 5-year bar, 除名 and 劝其退党 -----------------------------------------------------------------
def test_expulsion_removes_the_member_and_bars_reentry_for_five_years(people, users):
    d = effective(people.member_a, users.secretary_a, measure="expel", approved=D(2025, 1, 10))
    people.member_a.refresh_from_db()
    assert people.member_a.status == Status.REMOVED and people.member_a.status_since == D(2025, 1, 10)
    assert d.state == State.CLOSED and d.outcome == Outcome.EXPELLED
    assert d.reentry_barred_until == D(2030, 1, 10)
    assert actions.reentry_bar(people.member_a, D(2030, 1, 9)) == d            # the last day of the bar
    assert actions.reentry_bar(people.member_a, D(2030, 1, 10)) is None        # five full years have passed
    # Matched by the 公民身份号码 blind index too (a new application under another record).
    assert actions.reentry_bar(people.member_a.id_number_digest, D(2026, 1, 1)) == d
    assert actions.reentry_bar(people.secretary_a, D(2026, 1, 1)) is None


def test_persuaded_to_withdraw_the_member_withdraws_or_refuses(people, users):
    d = effective(people.member_a, users.secretary_a, measure="persuade_withdraw", approved=D(2025, 1, 10))
    assert d.state == State.EFFECTIVE and d.reentry_barred_until == D(2030, 1, 10)
    d = actions.do_record_withdrawal(d, date=D(2025, 2, 1), withdrew=True, acting_user=users.secretary_a)
    people.member_a.refresh_from_db()
    assert people.member_a.status == Status.REMOVED and d.outcome == Outcome.WITHDREW
    other = effective(people.secretary_a, users.secretary_a, measure="persuade_withdraw", approved=D(2025, 1, 10))
    other = actions.do_record_withdrawal(other, date=D(2025, 2, 1), withdrew=False, acting_user=users.secretary_a)
    people.secretary_a.refresh_from_db()
    assert other.outcome == Outcome.REFUSED and people.secretary_a.status == Status.FULL


def test_a_disposition_may_be_cancelled_before_it_takes_effect_only(people, users):
    d = open_for(people.member_a, users.secretary_a)
    with pytest.raises(ActionError, match="须注明理由"):
        actions.do_cancel_disposition(d, reason=" ", acting_user=users.secretary_a)
    assert actions.do_cancel_disposition(d, reason="经核实不属于处置情形", acting_user=users.secretary_a).state == State.CANCELLED
    e = effective(people.member_a, users.secretary_a)
    with pytest.raises(ActionError, match="不能撤销"):
        actions.do_cancel_disposition(e, reason="x", acting_user=users.secretary_a)


# --- who may ----------------------------------------------------------------------------------------
def test_the_secretary_of_the_sibling_branch_and_a_member_cannot_open_or_advance(people, users):
    for outsider in (users.secretary_b, users.member_a):
        with pytest.raises(ActionError, match="所在党支部或上级党组织的管理员"):
            open_for(people.member_a, outsider)
    d = open_for(people.member_a, users.secretary_a)
    with pytest.raises(ActionError, match="所在党支部或上级党组织的管理员"):
        actions.do_file_disposition(d, date=D(2025, 1, 7), acting_user=users.secretary_b)
    # The 机关党委 above the branch may.
    assert actions.do_file_disposition(d, date=D(2025, 1, 7), acting_user=users.committee_admin).state == State.FILED
