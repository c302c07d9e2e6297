"""考责 as the 机关党委 lives it: a 2025 scheme for its branches, scored from the records (三会一课 held, 党费
paid, problems closed on time, open BLOCK findings) and from an assigned assessor's marks. Every computed
value below is worked out by hand from the fixture; changing the scheme re-scores without anyone typing a
number again."""
import datetime as dt
from decimal import Decimal

import pytest

from dangjian.assessment import actions, metrics, scoring
from dangjian.assessment.models import Result
from dangjian.core.errors import ActionError
from dangjian.core.models import Finding
from dangjian.orglife.models import Meeting
from dangjian.supervision.models import Rectification

pytestmark = pytest.mark.django_db
D = Decimal


def _meetings(org, typ, months):
    for m in months:
        Meeting.objects.create(org=org, type=typ, state="held", date=dt.date(2025, m, 10), topic=f"{typ}{m}")


@pytest.fixture
def records(tree, people, users):
    from dangjian.dues.actions import do_record_payments, do_set_base

    assert not Finding.objects.exists()
    # A: 支委会 every month (12/12), 主题党日 January–June (6/12), 党员大会 in Q1–Q3 (3/4), 党课 every quarter
    # (4/4): 25 of 32. A 党员大会 twice in one quarter counts once; a cancelled one not at all.
    _meetings(tree.a, "committee", range(1, 13))
    _meetings(tree.a, "theme_day", range(1, 7))
    _meetings(tree.a, "member_assembly", (2, 3, 5, 8))
    _meetings(tree.a, "lecture", (3, 6, 9, 12))
    Meeting.objects.create(org=tree.a, type="member_assembly", state="cancelled", date=dt.date(2025, 11, 5), topic="x")
    Meeting.objects.create(org=tree.a, type="committee", state="held", date=dt.date(2024, 12, 5), topic="last year")
    # 党费: 李红梅 pays all 12 months, 王建国 January–September: 21 of 24 member-months.
    do_set_base(people.member_a, start=dt.date(2025, 1, 1), category="in_service", base=D("3000.00"))
    do_set_base(people.secretary_a, start=dt.date(2025, 1, 1), category="in_service", base=D("4000.00"))
    for m in range(1, 13):
        rows = [{"person": people.member_a.pk, "amount": D("15.00"), "paid_on": dt.date(2025, m, 20), "channel": "cash"}]
        if m <= 9:
            rows.append({"person": people.secretary_a.pk, "amount": D("40.00"), "paid_on": dt.date(2025, m, 20),
                         "channel": "cash"})
        do_record_payments(tree.a, dt.date(2025, m, 1), rows)
    # Problems: one closed and approved on time, one still open past its deadline: 1 of 2.
    Rectification.objects.create(org=tree.a, issuing_org=tree.committee, found=dt.date(2025, 3, 1), problem="一",
                                 deadline=dt.date(2025, 5, 31), state="closed", closed=dt.date(2025, 5, 31), approved=True)
    Rectification.objects.create(org=tree.a, issuing_org=tree.committee, found=dt.date(2025, 3, 1), problem="二",
                                 deadline=dt.date(2025, 6, 30))
    # Two BLOCK findings open at the end of 2025 (one resolved in 2026 still was); not: one resolved in 2025,
    # one first found in 2026, a WARN.
    for i, (sev, state, seen, resolved) in enumerate((
            ("BLOCK", "open", (2025, 10, 1), None), ("BLOCK", "resolved", (2025, 11, 1), (2026, 2, 1)),
            ("BLOCK", "resolved", (2025, 3, 1), (2025, 6, 1)), ("BLOCK", "open", (2026, 3, 1), None),
            ("WARN", "open", (2025, 10, 1), None))):
        f = Finding.objects.create(rule_id=f"T-{i}", severity=sev, subject_kind="org", subject_id=tree.a.pk,
                                   org=tree.a, message="x", citation="x", state=state)
        Finding.objects.filter(pk=f.pk).update(first_seen=_aware(*seen), resolved_at=resolved and _aware(*resolved))
    return tree


def _aware(y, m, d):
    from django.utils import timezone

    return timezone.make_aware(dt.datetime(y, m, d, 12))


@pytest.fixture
def scheme(records, users):
    s = actions.do_create_scheme(issuer=records.committee, year=2025, name="党支部工作考核", acting_user=users.committee_admin)
    life = actions.do_add_indicator(s, name="组织生活", kind="group", acting_user=users.committee_admin)
    s.meetings = actions.do_add_indicator(s, parent=life, name="三会一课", method="computed", metric="meetings_held",
                                          points="40", acting_user=users.committee_admin)
    actions.do_add_indicator(s, name="党费", method="computed", metric="dues_paid", points="20",
                             acting_user=users.committee_admin)
    actions.do_add_indicator(s, name="整改", method="computed", metric="rectification_on_time", points="20",
                             acting_user=users.committee_admin)
    s.team = actions.do_add_indicator(s, name="班子建设", method="manual", points="20", acting_user=users.committee_admin)
    actions.do_add_indicator(s, name="严重预警", kind="deduction", method="computed", metric="open_block_findings",
                             points="5", unit_points="1", acting_user=users.committee_admin)
    s.bonus = actions.do_add_indicator(s, name="创新工作", kind="bonus", method="manual", points="3",
                                       acting_user=users.committee_admin)
    actions.do_set_assessors(s, [users.wc_admin], acting_user=users.committee_admin)
    actions.do_publish_scheme(s, acting_user=users.committee_admin)
    return s


def test_each_metric_equals_the_hand_computed_value(records):
    scope = metrics.build_scope(records.committee, "branch", 2025, dt.date(2025, 12, 31))
    a, b = records.a.pk, records.b.pk
    assert set(scope.targets) == {a, b} and scope.owner[records.a1.pk] == a
    got = {k: metrics.REGISTRY[k](scope) for k in metrics.REGISTRY}
    assert (got["meetings_held"][a].num, got["meetings_held"][a].den) == (25, 32)
    assert (got["meetings_held"][b].num, got["meetings_held"][b].den) == (0, 32)
    assert (got["dues_paid"][a].num, got["dues_paid"][a].den) == (21, 24)
    assert got["dues_paid"][b].den == 0 and got["dues_paid"][b].applicable is False
    assert (got["rectification_on_time"][a].num, got["rectification_on_time"][a].den) == (1, 2)
    assert got["open_block_findings"][a].num == 2 and got["open_block_findings"][b].num == 0
    assert got["overdue_rectifications"][a].num == 1


def test_periods_count_once_ended():
    assert metrics.months_ended(2025, dt.date(2025, 9, 29)) == 8
    assert metrics.months_ended(2025, dt.date(2025, 9, 30)) == 9      # the month's last day ends it
    assert metrics.months_ended(2025, dt.date(2026, 1, 1)) == 12
    assert metrics.months_ended(2025, dt.date(2024, 12, 31)) == 0


def test_a_september_scoring_judges_only_the_ended_months_and_quarters(records):
    scope = metrics.build_scope(records.committee, "branch", 2025, dt.date(2025, 9, 29))
    v = metrics.REGISTRY["meetings_held"](scope)[records.a.pk]
    # 8 months ended: 支委会 8, 主题党日 6, Q1–Q2 党员大会 2, 党课 2 — of 8 + 8 + 2 + 2.
    assert (v.num, v.den) == (18, 20)


def test_the_scheme_scores_every_branch_as_computed_by_hand(scheme, records, users):
    actions.do_manual_score(scheme.team, org=records.a, points="18.5", evidence="班子分工明确，支委会议事规范",
                            acting_user=users.wc_admin)
    actions.do_manual_score(scheme.bonus, org=records.a, points="2", evidence="“党建+业务”项目获评优秀",
                            acting_user=users.wc_admin)
    actions.do_score_scheme(scheme, as_of=dt.date(2025, 12, 31), acting_user=users.committee_admin)
    a = Result.objects.get(scheme=scheme, org=records.a)
    b = Result.objects.get(scheme=scheme, org=records.b)
    # A: 40×25/32 = 31.25; 20×21/24 = 17.50; 20×1/2 = 10.00; 18.50; −2.00; +2.00 = 77.25 → 一般.
    assert (a.total, a.grade, a.pending) == (D("77.25"), "average", 0)
    assert a.detail[str(scheme.meetings.pk)] == ["31.25", 25, 32]
    # B: no meeting held (0), nothing due and no problem (full marks, said so), two items awaiting the assessor.
    assert (b.total, b.grade, b.pending) == (D("40.00"), "poor", 2)
    dues = scheme.indicators.get(name="党费")
    assert b.detail[str(dues.pk)] == ["20.00", 0, 0]
    assert scoring.explain(dues, b.detail[str(dues.pk)]) == "党费按月交纳率：没有应计入的事项，按满分计"


def test_changing_the_scheme_rescores_without_reentering_anything(scheme, records, users):
    actions.do_manual_score(scheme.team, org=records.a, points="18.5", evidence="规范", acting_user=users.wc_admin)
    actions.do_manual_score(scheme.bonus, org=records.a, points="2", evidence="创新", acting_user=users.wc_admin)
    actions.do_score_scheme(scheme, as_of=dt.date(2025, 12, 31), acting_user=users.committee_admin)
    actions.do_update_indicator(scheme.meetings, points="50", acting_user=users.committee_admin)
    # Rescoring after the change (as of today: 2025 has ended, the same values): 50×25/32 = 39.0625 → 39.06.
    a = Result.objects.get(scheme=scheme, org=records.a)
    assert (a.total, a.grade) == (D("85.06"), "fairly_good")
    actions.do_update_indicator(scheme.meetings, method="manual", acting_user=users.committee_admin)
    a = Result.objects.get(scheme=scheme, org=records.a)
    assert (a.total, a.pending) == (D("46.00"), 1)


def test_only_assigned_assessors_score_and_only_within_the_marks(scheme, records, users):
    for who in (users.committee_admin, users.secretary_a):
        with pytest.raises(ActionError, match="指定的考核人"):
            actions.do_manual_score(scheme.team, org=records.a, points="10", evidence="x", acting_user=who)
    with pytest.raises(ActionError, match="不能超过20"):
        actions.do_manual_score(scheme.team, org=records.a, points="20.01", evidence="x", acting_user=users.wc_admin)
    with pytest.raises(ActionError, match="依据"):
        actions.do_manual_score(scheme.team, org=records.a, points="20", evidence=" ", acting_user=users.wc_admin)
    with pytest.raises(ActionError, match="不是本方案的考核对象"):
        actions.do_manual_score(scheme.team, org=records.committee, points="1", evidence="x", acting_user=users.wc_admin)
    with pytest.raises(ActionError, match="系统按数据计算"):
        actions.do_manual_score(scheme.meetings, org=records.a, points="1", evidence="x", acting_user=users.wc_admin)
    actions.do_manual_score(scheme.team, org=records.a, points="20.00", evidence="满分", acting_user=users.wc_admin)


def test_scheme_validation(records, users):
    with pytest.raises(ActionError, match="上级党组织"):
        actions.do_create_scheme(issuer=records.a, year=2025, name="x", acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="管理员"):
        actions.do_create_scheme(issuer=records.committee, year=2025, name="x", acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="依次降低"):
        actions.do_create_scheme(issuer=records.committee, year=2025, name="x", good_min=80, fairly_good_min=80,
                                 acting_user=users.committee_admin)
    s = actions.do_create_scheme(issuer=records.committee, year=2025, name="x", acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="还没有指标"):
        actions.do_publish_scheme(s, acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="计算口径"):
        actions.do_add_indicator(s, name="x", method="computed", metric="open_block_findings", points="10",
                                 acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="两位小数"):
        actions.do_add_indicator(s, name="x", method="manual", points="1.005", acting_user=users.committee_admin)


def test_deadlines_on_the_last_day_count_and_a_deduction_of_nothing_is_zero(records, users):
    """A task or problem due on 31 December counts in that year's result; 0 occurrences deduct 0.00, not -0.00."""
    from dangjian.duty.models import Task

    Task.objects.create(year=2025, title="年终任务", org=records.b, deadline=dt.date(2025, 12, 31))
    Rectification.objects.create(org=records.b, issuing_org=records.committee, found=dt.date(2025, 11, 1), problem="三",
                                 deadline=dt.date(2025, 12, 31))
    scope = metrics.build_scope(records.committee, "branch", 2025, dt.date(2025, 12, 31))
    b = records.b.pk
    assert (metrics.REGISTRY["tasks_on_time"](scope)[b].num, metrics.REGISTRY["tasks_on_time"](scope)[b].den) == (0, 1)
    assert metrics.REGISTRY["rectification_on_time"](scope)[b].den == 1
    assert metrics.REGISTRY["overdue_rectifications"](scope)[b].num == 0        # (due today: not yet overdue)
    s = actions.do_create_scheme(issuer=records.committee, year=2025, name="x", acting_user=users.committee_admin)
    ind = actions.do_add_indicator(s, name="扣分", kind="deduction", method="computed", metric="open_block_findings",
                                   points="5", acting_user=users.committee_admin)
    assert str(scoring.leaf_points(ind, metrics.Value(0), None)) == "0.00"


def test_a_branch_owes_only_the_periods_it_existed_through_with_members(records, people):
    from dangjian.orgs.models import Org

    Org.objects.filter(pk=records.a.pk).update(founded=dt.date(2025, 7, 1))
    old = Org.objects.get(pk=records.b.pk)
    Org.objects.filter(pk=old.pk).update(dissolved=dt.date(2025, 4, 15))
    scope = metrics.build_scope(records.committee, "branch", 2025, dt.date(2025, 12, 31))
    got = metrics.REGISTRY["meetings_held"](scope)
    # A from July: 6 months of 支委会 and 主题党日 (held: 6 and none), Q3–Q4 党员大会 (Q3 held) and 党课 (both).
    assert (got[records.a.pk].num, got[records.a.pk].den) == (6 + 0 + 1 + 2, 6 + 6 + 2 + 2)
    # B dissolved in April owes January–March: 3 + 3 + 1 + 1 (held none).
    assert (got[records.b.pk].num, got[records.b.pk].den) == (0, 8)


def test_underpaying_is_not_paying_in_full(records, people):
    from dangjian.dues.models import DuesPayment

    DuesPayment.objects.filter(person=people.member_a, month=dt.date(2025, 1, 1)).update(amount=D("0.01"))
    scope = metrics.build_scope(records.committee, "branch", 2025, dt.date(2025, 12, 31))
    v = metrics.REGISTRY["dues_paid"](scope)[records.a.pk]
    assert (v.num, v.den) == (20, 24)


def test_assessors_recuse_themselves_and_lose_the_right_with_their_role(scheme, records, users):
    from conftest import _user

    from dangjian.accounts.models import RoleAssignment

    actions.do_set_assessors(scheme, [users.wc_admin, users.secretary_a], acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="回避"):
        actions.do_manual_score(scheme.team, org=records.a, points="20", evidence="自评", acting_user=users.secretary_a)
    actions.do_manual_score(scheme.team, org=records.b, points="10", evidence="一般", acting_user=users.secretary_a)
    RoleAssignment.objects.filter(user=users.secretary_a).update(end=dt.date(2025, 1, 1))
    users.secretary_a.__dict__.pop("_dangjian_scope_cache", None)
    with pytest.raises(ActionError, match="指定的考核人"):
        actions.do_manual_score(scheme.team, org=records.b, points="1", evidence="x", acting_user=users.secretary_a)


def _night(y, m, d):
    """The nightly job's hour, 02:30 Beijing time (crontab in tasks.py)."""
    from zoneinfo import ZoneInfo

    return dt.datetime(y, m, d, 2, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_nightly_run_rescores_the_running_year_and_closes_last_year_once(scheme, users):
    import time_machine
    from django.utils import timezone

    from dangjian.assessment.models import Scheme
    from dangjian.assessment.tasks import nightly_rescoring

    Scheme.objects.filter(pk=scheme.pk).update(scored_at=_aware(2025, 12, 1))
    with time_machine.travel(_night(2026, 1, 2), tick=False):
        nightly_rescoring.call_local()
    scheme.refresh_from_db()
    first = scheme.scored_at
    assert timezone.localtime(first) == _night(2026, 1, 2)         # the closing re-score of 2025
    with time_machine.travel(_night(2026, 1, 3), tick=False):
        nightly_rescoring.call_local()
    scheme.refresh_from_db()
    assert scheme.scored_at == first                     # and no more


def test_the_closing_re_score_at_half_past_two_on_new_years_day_is_the_last(scheme, users):
    """02:30 on 1 January in Beijing is still 31 December in UTC (18:30): the closing re-score happened in the new
    year all the same, and the next night leaves the closed year alone."""
    import time_machine
    from django.utils import timezone

    from dangjian.assessment.models import Scheme
    from dangjian.assessment.tasks import nightly_rescoring

    for night in (_night(2025, 12, 30), _night(2025, 12, 31), _night(2026, 1, 1)):
        with time_machine.travel(night, tick=False):
            nightly_rescoring.call_local()
        scheme.refresh_from_db()
        assert timezone.localtime(scheme.scored_at) == night
    assert scheme.scored_at.astimezone(dt.timezone.utc).date() == dt.date(2025, 12, 31)
    with time_machine.travel(_night(2026, 1, 2), tick=False):
        nightly_rescoring.call_local()
    scheme.refresh_from_db()
    assert timezone.localtime(scheme.scored_at) == _night(2026, 1, 1)
