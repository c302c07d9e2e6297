"""任期与换届：《关于党的基层组织任期的意见》（TERM-01）、届满前提醒（TERM-02）、选举工作条例第三条（ELEC-01）。

第一党支部 was elected on 2024-03-15; a branch's term is 3 years, so it ends on 2027-03-15."""
import datetime as dt

from dangjian.core import engine
from dangjian.core.engine import Context
from dangjian.orgs.actions import do_create_org, do_extend_term, do_record_election, do_update_org

TERM_END = dt.date(2027, 3, 15)


def judge(rule_id, as_of, **settings):
    ctx = Context(as_of=as_of, settings=engine.effective_settings(settings))
    return {hit.subject.pk: hit for _, hit in engine.evaluate(ctx, [rule_id])}


def test_the_branch_term_ends_three_years_after_its_election(tree):
    assert tree.a.term_end == TERM_END
    assert tree.committee.term_end == dt.date(2028, 6, 1)     # 机关党委: 5 years


# --- TERM-01 ------------------------------------------------------------------------------------
def test_term01_an_org_without_an_election_date_cannot_compute_its_term(tree):
    org = do_create_org(name="新建党支部", type="branch", parent=tree.committee)
    hits = judge("TERM-01", dt.date(2025, 6, 30))
    assert hits[org.pk].severity == "INFO" and "缺少本届选举日期，无法计算任期" in hits[org.pk].message
    assert tree.a.pk not in hits and tree.a1.pk not in hits and tree.wc.pk not in hits


def test_term01_a_term_other_than_the_standard_is_a_warning(tree):
    do_update_org(tree.a, term_years=2)
    do_update_org(tree.b, term_years=3)                        # the standard, written out
    village = do_create_org(name="社区党支部", type="branch", parent=tree.committee,
                            village_or_community=True, term_years=5, committee_elected=dt.date(2024, 1, 1))
    hits = judge("TERM-01", dt.date(2025, 6, 30))
    assert hits[tree.a.pk].severity == "WARN" and "与规定的每届3年不一致" in hits[tree.a.pk].message
    assert tree.b.pk not in hits and village.pk not in hits


# --- TERM-02 ------------------------------------------------------------------------------------
def test_term02_the_reminder_starts_exactly_six_months_before_the_term_ends(tree):
    assert tree.a.pk not in judge("TERM-02", dt.date(2026, 9, 14))
    hit = judge("TERM-02", dt.date(2026, 9, 15))[tree.a.pk]
    assert "届满前6个月提醒（第1次，共3次）" in hit.message and "2027-03-15" in hit.message


def test_term02_local_practice_reminds_again_at_four_and_two_months(tree):
    assert "届满前6个月" in judge("TERM-02", dt.date(2026, 11, 14))[tree.a.pk].message
    assert "届满前4个月提醒（第2次" in judge("TERM-02", dt.date(2026, 11, 15))[tree.a.pk].message
    hit = judge("TERM-02", dt.date(2027, 1, 15))[tree.a.pk]
    assert "届满前2个月提醒（第3次" in hit.message and "还有59天（2个月）" in hit.message


def test_term02_on_the_term_end_day_it_is_still_a_reminder_not_elec01(tree):
    assert "今日届满" in judge("TERM-02", TERM_END)[tree.a.pk].message
    assert tree.a.pk not in judge("ELEC-01", TERM_END)


def test_term02_the_jurisdiction_sets_its_own_reminder_months(tree):
    assert tree.a.pk not in judge("TERM-02", dt.date(2026, 11, 14), term_reminder_months=[3])
    hit = judge("TERM-02", dt.date(2026, 12, 15), term_reminder_months=3)[tree.a.pk]
    assert "届满前3个月提醒（第1次，共1次）" in hit.message


# --- ELEC-01 ------------------------------------------------------------------------------------
def test_elec01_the_day_after_the_term_end_without_an_election_warns(tree):
    assert tree.a.pk not in judge("TERM-02", TERM_END + dt.timedelta(days=1))
    hit = judge("ELEC-01", TERM_END + dt.timedelta(days=1))[tree.a.pk]
    assert hit.severity == "WARN" and "尚未换届" in hit.message


def test_elec01_more_than_a_year_overdue_blocks(tree):
    assert judge("ELEC-01", dt.date(2028, 3, 15))[tree.a.pk].severity == "WARN"
    assert judge("ELEC-01", dt.date(2028, 3, 16))[tree.a.pk].severity == "BLOCK"


def test_elec01_an_approved_extension_covers_its_period_then_blocks(tree):
    do_extend_term(tree.a, until=dt.date(2027, 9, 30), approved_on=dt.date(2027, 2, 1))
    assert tree.a.pk not in judge("ELEC-01", dt.date(2027, 9, 30))
    hit = judge("ELEC-01", dt.date(2027, 10, 1))[tree.a.pk]
    assert hit.severity == "BLOCK" and "经批准延期至2027-09-30" in hit.message


def test_elec01_an_extension_without_approval_does_not_count(tree):
    do_update_org(tree.a, term_extension_until=dt.date(2027, 9, 30))
    hit = judge("ELEC-01", dt.date(2027, 6, 1))[tree.a.pk]
    assert hit.severity == "WARN" and "延期不成立" in hit.message


def test_elec01_a_new_election_starts_a_new_term(tree):
    do_record_election(tree.a, elected_on=dt.date(2027, 3, 10))
    assert tree.a.pk not in judge("ELEC-01", dt.date(2027, 6, 1))
    assert tree.a.pk not in judge("TERM-02", dt.date(2027, 6, 1))
