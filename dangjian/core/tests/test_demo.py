"""`dangjian demo`: the demo data set is a consistent 市直机关 — a tree treebeard accepts, every
member in a 党支部, valid and unique 公民身份号码, dates that agree with each other, one account per
persona scoped to the right subtree — and the same seed gives the same data."""
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from dangjian.accounts.models import User
from dangjian.core import crypto, engine
from dangjian.core.models import Finding
from dangjian.core.periods import add_years
from dangjian.demo import generator, loader
from dangjian.orgs.choices import OrgType, PostRole
from dangjian.orgs.models import Org, Post, Unit
from dangjian.people.choices import MEMBER_STATUSES, Status
from dangjian.people.models import Person

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture
def demo(db):
    return loader.load("small", seed=7, as_of=AS_OF)


def signature_from_db():
    return sorted((p.org.path, p.name, p.id_number, p.status, p.probationary_date, p.full_member_date)
                  for p in Person.objects.select_related("org"))


def signature_from_plan(seed):
    plan = generator.plan("small", seed, AS_OF)
    factory = generator.PeopleFactory(plan)
    return sorted((b.path, r["name"], r["_id_number"], r["status"], r["probationary_date"], r["full_member_date"])
                  for b in plan.branches for r in factory.branch_rows(b))


def test_small_scale_builds_a_consistent_tree(demo):
    # treebeard's own audit of the computed paths, depths and child counts finds nothing.
    assert all(not problems for problems in Org.objects.find_problems())
    root = Org.objects.get(depth=1)
    assert root.type == OrgType.WORK_COMMITTEE and Org.objects.filter(depth=1).count() == 1
    counts = {t: Org.objects.filter(type=t).count() for t in OrgType.values}
    assert counts[OrgType.BRANCH] == 15 and counts[OrgType.COMMITTEE] >= 1 and counts[OrgType.GROUP] >= 2
    assert 280 <= Person.objects.count() <= 320 and Unit.objects.count() == 6
    # Each department has its 党组 with the head as 第一责任人; every unit has a head.
    for lg in Org.objects.filter(type=OrgType.LEADING_GROUP).select_related("unit__head"):
        first = Post.objects.get(org=lg, role=PostRole.FIRST_RESPONSIBLE)
        assert first.person == lg.unit.head and first.person.leading_cadre
        assert Post.objects.filter(org=lg, role=PostRole.LEADING_GROUP_MEMBER).count() >= 3
    assert not Unit.objects.filter(head__isnull=True).exists()
    joint = Org.objects.filter(joint_units__isnull=False, type=OrgType.BRANCH).distinct().get()
    assert joint.joint_units.count() == 2
    # Every branch has one current secretary, approved by the level above (but the planted one).
    for b in Org.objects.filter(type=OrgType.BRANCH):
        secretaries = list(Post.objects.filter(org=b, role=PostRole.SECRETARY, end__isnull=True))
        assert len(secretaries) == 1, b
        assert secretaries[0].person.status == Status.FULL and secretaries[0].person.org == b


def test_people_added_after_the_load_get_fresh_keys(demo):
    # The loader assigns keys itself; the table's sequence must continue after them.
    from dangjian.people.actions import do_create_person

    top = Person.objects.order_by("-pk").first().pk
    p = do_create_person(name="新同志", org=Org.objects.filter(type=OrgType.BRANCH).first(), status=Status.APPLICANT)
    assert p.pk > top


def test_every_member_is_in_a_branch_with_consistent_dates(demo):
    people = list(Person.objects.select_related("org", "group"))
    for p in people:
        assert p.org.type == OrgType.BRANCH, p
        if p.group_id:
            assert p.group.type == OrgType.GROUP and p.group.path[:-4] == p.org.path
            assert p.status in MEMBER_STATUSES
        if p.status == Status.PROBATIONARY:
            assert AS_OF - dt.timedelta(days=366) <= p.probationary_date <= AS_OF and not p.full_member_date
        if p.full_member_date:
            assert p.full_member_date == add_years(p.probationary_date, 1) <= AS_OF
            assert p.application_date < p.probationary_date
        if p.status in (Status.APPLICANT, Status.ACTIVIST, Status.CANDIDATE):
            assert p.application_date <= AS_OF and not p.probationary_date
    # Exactly one full member was left without a 转正日期 on purpose (a DATA finding).
    assert sum(1 for p in people if p.status == Status.FULL and not p.full_member_date) == 1
    # Most secretaries have a year of party standing when they take office (BR-11).
    secretaries = Post.objects.filter(role=PostRole.SECRETARY, org__type=OrgType.BRANCH).select_related("person")
    short = [s for s in secretaries if s.person.full_member_date and add_years(s.person.full_member_date, 1) > s.start]
    assert len(short) <= 1


def test_id_numbers_are_valid_unique_and_match_birth_and_gender(demo):
    people = list(Person.objects.all())
    numbers = [p.id_number for p in people]
    assert all(crypto.id_number_problem(n) is None for n in numbers)
    assert len(set(numbers)) == len(numbers)
    assert len({p.id_number_digest for p in people}) == len(people)
    for p, n in zip(people, numbers):
        assert crypto.id_number_birth_date(n) == p.birth_date
        assert (int(n[16]) % 2 == 1) == (p.gender == "male")
        assert n not in p.id_number_encrypted  # stored as ciphertext
    assert Person.objects.by_id_number(numbers[0]).get() == people[0]


def test_personas_have_accounts_scoped_to_their_subtrees(demo):
    users = {u.username: u for u in User.objects.filter(username__in=list(generator.PERSONAS))}
    assert set(users) == set(generator.PERSONAS)
    assert all(u.check_password(generator.DEMO_PASSWORD) for u in users.values())
    branch = Org.objects.get(pk=demo.plan.persona_branch.pk)
    committee = Org.objects.get(pk=demo.plan.persona_committee.pk)
    shuji, dangyuan = users["shuji"], users["dangyuan"]
    assert Post.objects.filter(person=shuji.person, org=branch, role=PostRole.SECRETARY).exists()
    assert dangyuan.person.org == branch and dangyuan.person.status == Status.FULL
    assert not dangyuan.person.posts.filter(end__isnull=True).exclude(role=PostRole.GROUP_LEADER).exists()

    def people(user):
        return set(Person.objects.restrict(user).values_list("pk", flat=True))

    assert people(users["gongwei"]) == set(Person.objects.values_list("pk", flat=True))
    assert people(users["shenji"]) == people(users["gongwei"])
    assert people(users["jiguan"]) == set(Person.objects.filter(org__path__startswith=committee.path)
                                         .values_list("pk", flat=True))
    assert people(shuji) == set(Person.objects.filter(org=branch).values_list("pk", flat=True))
    assert people(dangyuan) == {dangyuan.person_id}
    assert len(people(users["jiguan"])) > len(people(shuji)) > 1
    assert not Person.objects.restrict(users["shenji"], "change").exists()
    assert set(Org.objects.restrict(shuji).values_list("path", flat=True)) == \
        set(Org.objects.filter(path__startswith=branch.path).values_list("path", flat=True))


def test_same_seed_gives_the_same_data_and_another_seed_does_not(demo):
    assert signature_from_db() == signature_from_plan(7)
    assert signature_from_plan(8) != signature_from_plan(7)


def test_planted_problems_reach_the_warnings_centre(demo):
    planted = {"BR-01", "BR-09", "BR-10", "DATA-01", "ELEC-01", "TERM-02"}
    registered = {r.id for r in engine.registry} & planted
    found = set(Finding.objects.filter(rule_id__in=registered).values_list("rule_id", flat=True))
    assert found == registered
    assert demo.plan.problems


def test_command_refuses_a_second_load_and_if_empty_says_so(demo):
    before = Org.objects.count()
    out = io.StringIO()
    call_command("demo", "--scale", "small", "--if-empty", stdout=out)
    assert "已有党组织数据" in out.getvalue() and Org.objects.count() == before
    with pytest.raises(CommandError, match="空数据库"):
        call_command("demo", "--scale", "small", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    assert "gongwei" in out.getvalue() and generator.DEMO_PASSWORD in out.getvalue()
    assert "中共市交通运输局机关委员会" in out.getvalue()


def test_demo_accounts_says_what_to_do_without_a_demo(db):
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    assert "尚未加载示例数据" in out.getvalue() and "dangjian demo" in out.getvalue()
