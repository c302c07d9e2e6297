"""支部工作条例第二十至二十三条：支部委员会、书记的批准与补选、书记的党龄（BR-09, BR-10, BR-11, DATA-07）。"""
import datetime as dt

from hypothesis import given, strategies as st

from dangjian.core import engine
from dangjian.core.engine import Context
from dangjian.core.periods import add_years
from dangjian.orgs.actions import do_appoint, do_create_org, do_end_post, do_update_post
from dangjian.orgs.rules import secretary_standing_short
from dangjian.people.actions import do_create_person
from dangjian.people.models import Person

AS_OF = dt.date(2025, 6, 30)


def judge(rule_id, as_of=AS_OF, **settings):
    ctx = Context(as_of=as_of, settings=engine.effective_settings(settings))
    return {hit.subject.pk: hit for _, hit in engine.evaluate(ctx, [rule_id])}


def add_full(org, n, prefix="党员"):
    return Person.objects.bulk_create([
        Person(name=f"{prefix}{i}", org=org, status="full", probationary_date=dt.date(2015, 7, 1),
               full_member_date=dt.date(2016, 7, 1)) for i in range(n)])


def appoint(person, org, role, start=dt.date(2024, 3, 15), **kw):
    return do_appoint(person=person, org=org, role=role, start=start, **kw)


# --- BR-09 --------------------------------------------------------------------------------------
def test_br09_six_full_members_need_no_committee_seven_do(tree, people):
    add_full(tree.b, 4)                                  # secretary_b, member_b + 4 = 6
    Person.objects.bulk_create([Person(name=f"预备{i}", org=tree.b, status="probationary",
                                       probationary_date=dt.date(2025, 1, 1)) for i in range(3)])
    assert tree.b.pk not in judge("BR-09")               # 6 full (3 probationary do not count)
    add_full(tree.b, 1, prefix="第七人")
    hit = judge("BR-09")[tree.b.pk]
    assert hit.severity == "WARN" and "7人" in hit.message and "应设立支部委员会" in hit.message


def test_br09_a_committee_of_3_is_fine_2_or_8_is_not(tree, people):
    extra = add_full(tree.b, 8)                          # 10 full members
    appoint(extra[0], tree.b, "organization")
    assert "现有2人" in judge("BR-09")[tree.b.pk].message
    appoint(extra[1], tree.b, "propaganda")
    assert tree.b.pk not in judge("BR-09")
    for p in extra[2:7]:
        appoint(p, tree.b, "member")
    assert "现有8人" in judge("BR-09")[tree.b.pk].message


def test_br09_the_committee_size_counts_persons_not_posts(tree, people):
    extra = add_full(tree.b, 8)
    appoint(extra[0], tree.b, "organization")
    appoint(extra[0], tree.b, "propaganda")              # one person, two posts
    assert "现有2人" in judge("BR-09")[tree.b.pk].message


def test_br09_a_small_branch_with_a_committee_gets_a_reminder(tree, people):
    extra = add_full(tree.b, 2)                          # 4 full members
    appoint(extra[0], tree.b, "organization")
    appoint(extra[1], tree.b, "propaganda")
    hit = judge("BR-09")[tree.b.pk]
    assert hit.severity == "INFO" and "不足7人" in hit.message


def test_br09_ended_posts_do_not_make_a_committee(tree, people):
    extra = add_full(tree.b, 5)
    post = appoint(extra[0], tree.b, "organization")
    appoint(extra[1], tree.b, "propaganda")
    do_end_post(post, on=dt.date(2025, 1, 31))
    assert "现有2人" in judge("BR-09")[tree.b.pk].message
    assert tree.b.pk not in judge("BR-09", as_of=dt.date(2025, 1, 31))   # the last day it held


def test_br09_is_silent_on_the_two_example_branches(tree):
    """../shared/examples/two-branches-2025: b1 has 8 full members and a committee of 3
    (secretary, 组织委员, 宣传委员); b2 has 4 full members and a secretary only."""
    b1 = do_create_org(name="第一党支部（示例）", type="branch", parent=tree.committee,
                       committee_elected=dt.date(2024, 3, 15))
    b2 = do_create_org(name="第二党支部（示例）", type="branch", parent=tree.committee,
                       committee_elected=dt.date(2024, 3, 15))
    p = add_full(b1, 8, "p")
    q = add_full(b2, 4, "q")
    appoint(p[0], b1, "secretary", approved=dt.date(2024, 3, 30))
    appoint(p[1], b1, "organization")
    appoint(p[2], b1, "propaganda")
    appoint(q[0], b2, "secretary", approved=dt.date(2024, 3, 30))
    hits = judge("BR-09", as_of=dt.date(2025, 12, 31))
    assert b1.pk not in hits and b2.pk not in hits


# --- BR-10 --------------------------------------------------------------------------------------
def test_br10_a_deputy_secretary_needs_the_parents_approval(tree, people):
    post = appoint(people.member_a, tree.a, "deputy_secretary")
    hit = judge("BR-10")[tree.a.pk]
    assert "副书记李红梅" in hit.message and "书记、副书记须报上级党组织批准" in hit.message
    do_update_post(post, approved=dt.date(2024, 4, 1))
    assert tree.a.pk not in judge("BR-10")


def test_br10_a_secretary_vacancy_of_90_days_is_tolerated_91_is_not(tree, people):
    post = people.secretary_b.posts.get()
    do_end_post(post, on=dt.date(2025, 3, 1))
    assert tree.b.pk not in judge("BR-10", as_of=dt.date(2025, 5, 30))     # 90 days
    hit = judge("BR-10", as_of=dt.date(2025, 5, 31))[tree.b.pk]            # 91 days
    assert "书记空缺已91天" in hit.message and "应及时补选" in hit.message
    # The jurisdiction may set its own limit ([P]).
    assert tree.b.pk in judge("BR-10", as_of=dt.date(2025, 4, 1), vacancy_days=30)


def test_br10_the_vacancy_limit_is_a_setting_of_the_jurisdiction(tree, people):
    from dangjian.core.models import Finding, JurisdictionSetting

    do_end_post(people.secretary_b.posts.get(), on=dt.date(2025, 3, 1))
    JurisdictionSetting.objects.create(key="vacancy_days", value=30, note="本辖区要求30天内补选")
    engine.run(as_of=dt.date(2025, 4, 1), rule_ids=["BR-10"])
    assert "超过30天" in Finding.objects.get(rule_id="BR-10", subject_id=tree.b.pk).message


def test_br10_a_branch_that_never_had_a_secretary_counts_from_its_founding(tree):
    founded = do_create_org(name="新建党支部", type="branch", parent=tree.committee,
                            founded=dt.date(2025, 1, 1))
    unknown = do_create_org(name="成立日期不详的党支部", type="branch", parent=tree.committee)
    assert founded.pk not in judge("BR-10", as_of=dt.date(2025, 4, 1))      # 90 days
    hits = judge("BR-10", as_of=dt.date(2025, 4, 2))
    assert "成立起" in hits[founded.pk].message
    assert unknown.pk not in hits                                            # cannot be judged
    assert tree.a1.pk not in hits                                            # a 党小组 has no secretary


# --- BR-11 --------------------------------------------------------------------------------------
def _secretary_with_standing(tree, full_member_date, start, status="full"):
    """A new branch whose secretary took office on `start`."""
    branch = do_create_org(name="新任书记的党支部", type="branch", parent=tree.committee)
    p = do_create_person(name="新书记", org=branch, status=status, probationary_date=dt.date(2020, 1, 1),
                         full_member_date=full_member_date)
    appoint(p, branch, "secretary", start=start, approved=start)
    return branch


def test_br11_one_year_of_party_standing_to_the_day_is_enough(tree, people):
    branch = _secretary_with_standing(tree, dt.date(2023, 3, 15), dt.date(2024, 3, 15))
    assert branch.pk not in judge("BR-11")


def test_br11_one_day_short_of_a_year_is_a_finding(tree, people):
    branch = _secretary_with_standing(tree, dt.date(2023, 3, 16), dt.date(2024, 3, 15))
    hit = judge("BR-11")[branch.pk]
    assert "党龄不足1年" in hit.message and "2024-03-16" in hit.message


def test_br11_a_member_confirmed_on_29_february(tree, people):
    # add_years clamps 2024-02-29 + 1 year to 2025-02-28: that day completes the year.
    branch = _secretary_with_standing(tree, dt.date(2024, 2, 29), dt.date(2025, 2, 28))
    assert branch.pk not in judge("BR-11")
    do_update_post(branch.posts.get(), start=dt.date(2025, 2, 27))
    assert branch.pk in judge("BR-11")


def test_br11_a_probationary_secretary_has_no_standing(tree, people):
    branch = _secretary_with_standing(tree, None, dt.date(2024, 3, 15), status="probationary")
    assert "没有转正日期（预备党员）" in judge("BR-11")[branch.pk].message
    assert tree.a.pk not in judge("BR-11") and tree.b.pk not in judge("BR-11")


def test_br11_a_secretary_without_a_start_date_is_judged_at_the_as_of_date(tree, people):
    branch = _secretary_with_standing(tree, dt.date(2025, 3, 1), dt.date(2025, 3, 1))
    do_update_post(branch.posts.get(), start=None)
    assert branch.pk in judge("BR-11", as_of=dt.date(2026, 2, 28))
    assert branch.pk not in judge("BR-11", as_of=dt.date(2026, 3, 1))


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31)),
       st.integers(min_value=-400, max_value=800))
def test_br11_standing_is_short_exactly_until_the_same_date_a_year_later(full_member_date, days):
    start = full_member_date + dt.timedelta(days=days)
    assert secretary_standing_short(full_member_date, start) == (start < add_years(full_member_date, 1))


# --- DATA-07 ------------------------------------------------------------------------------------
def test_data07_two_current_secretaries_in_one_branch(tree, people):
    assert tree.a.pk not in judge("DATA-07")
    appoint(people.member_a, tree.a, "secretary", start=dt.date(2025, 1, 1), approved=dt.date(2025, 1, 5))
    assert "现有2名书记" in judge("DATA-07")[tree.a.pk].message
    do_end_post(people.secretary_a.posts.get(), on=dt.date(2024, 12, 31))
    assert tree.a.pk not in judge("DATA-07")
