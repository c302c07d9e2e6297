"""restrict(user, action): a role on an org covers its subtree, nothing else."""
from dangjian.core.models import AuditEvent
from dangjian.orgs.models import Org
from dangjian.people.models import Person


def test_secretary_of_a_sees_a_and_its_group_only(tree, people, users):
    orgs = set(Org.objects.restrict(users.secretary_a).values_list("name", flat=True))
    assert orgs == {"第一党支部", "第一党小组"}
    names = set(Person.objects.restrict(users.secretary_a).values_list("name", flat=True))
    assert names == {"王建国", "李红梅"}


def test_outsider_secretary_of_b_sees_nothing_of_a(tree, people, users):
    assert not Person.objects.restrict(users.secretary_b).filter(org=tree.a).exists()
    assert not Org.objects.restrict(users.secretary_b).filter(pk=tree.a.pk).exists()


def test_member_sees_own_record_and_own_branch(tree, people, users):
    assert list(Person.objects.restrict(users.member_a)) == [people.member_a]
    assert set(Org.objects.restrict(users.member_a)) == {tree.a}
    assert not Person.objects.restrict(users.member_a, "delete").exists()


def test_committee_admin_covers_both_branches(tree, people, users):
    assert Person.objects.restrict(users.committee_admin).count() == 4


def test_auditor_reads_but_cannot_change_or_unmask(tree, people, users):
    assert Person.objects.restrict(users.auditor).count() == 4
    assert not Person.objects.restrict(users.auditor, "change").exists()
    assert not Person.objects.restrict(users.auditor, "view_id_number").exists()
    assert AuditEvent.objects.restrict(users.auditor, "view_audit").exists()


def test_anonymous_sees_nothing(tree, people):
    from django.contrib.auth.models import AnonymousUser

    assert not Person.objects.restrict(AnonymousUser()).exists()
    assert not Org.objects.restrict(None).exists()
