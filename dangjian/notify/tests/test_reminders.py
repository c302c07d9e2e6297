"""提醒: an open finding reminds the admins who can act on it (the branch's own secretary, not
everyone up the tree — 减负) and the member it is about; in-app always, by e-mail once."""
import datetime as dt

import pytest
from django.core import mail
from django.db.models import Q

from dangjian.core import engine
from dangjian.core.models import Finding, FindingState
from dangjian.notify import actions
from dangjian.notify.models import Kind, Notification

DAY = dt.date(2026, 11, 20)
# JG-03: branch below 3 full members (WARN, org); ORGLIFE-05: no 谈心谈话 (WARN, person);
# TERM-02: term ends in 115 days (INFO, counts down → "due soon").
RULES = ["JG-03", "ORGLIFE-05", "TERM-02"]


@pytest.fixture
def judged(users):
    engine.run(as_of=DAY, rule_ids=RULES)
    return users


def titles(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def test_the_branch_secretary_is_reminded_not_everyone_up_the_tree(judged, tree, people):
    u = judged
    actions.create_reminders()
    mine = Notification.objects.filter(recipient=u.secretary_a)
    assert {n.finding.org_id for n in mine} == {tree.a.pk}
    assert {n.finding.rule_id for n in mine} == set(RULES)
    jg03 = mine.get(finding__rule_id="JG-03")
    assert jg03.kind == Kind.FINDING_OPENED
    assert "第一党支部" in jg03.title and "依据：" in jg03.body and jg03.finding.citation in jg03.body
    assert mine.get(finding__rule_id="TERM-02").kind == Kind.DUE_SOON
    # 减负: the 机关党委 and the 工委 are not copied on a branch that has its own secretary.
    assert not Notification.objects.filter(recipient__in=[u.committee_admin, u.wc_admin, u.auditor]).exists()


def test_the_outsider_never_receives_branch_a_reminders(judged, tree):
    actions.create_reminders()
    theirs = Notification.objects.filter(recipient=judged.secretary_b).select_related("finding")
    assert theirs and all(n.finding.org_id == tree.b.pk for n in theirs)


def test_a_member_is_reminded_only_of_findings_about_themselves(judged, people):
    actions.create_reminders()
    mine = list(Notification.objects.filter(recipient=judged.member_a).select_related("finding"))
    assert [n.finding.rule_id for n in mine] == ["ORGLIFE-05"]
    assert mine[0].finding.person_id == people.member_a.pk


def test_without_an_admin_of_its_own_the_next_level_up_is_reminded(judged, tree):
    from dangjian.accounts.models import RoleAssignment

    RoleAssignment.objects.filter(user=judged.secretary_a).update(end=dt.date(2020, 1, 1))
    actions.create_reminders()
    assert not Notification.objects.filter(recipient=judged.secretary_a, finding__person__isnull=True).exists()
    got = Notification.objects.filter(recipient=judged.committee_admin).select_related("finding")
    assert got and {n.finding.org_id for n in got} == {tree.a.pk}
    assert not Notification.objects.filter(recipient=judged.wc_admin).exists()


def test_advice_without_a_deadline_is_not_a_reminder():
    assert actions.kind_for("INFO", "机关党员100人以上的，设立机关党委") is None
    assert actions.kind_for("INFO", "本年度组织生活会尚未召开，距年底还有 41 天") == Kind.DUE_SOON
    assert actions.kind_for("BLOCK", "任何") == Kind.FINDING_OPENED


def test_running_the_task_again_creates_nothing_new(judged):
    from dangjian.notify.tasks import send_reminders

    first = actions.create_reminders()
    assert first == Notification.objects.count() > 0
    assert actions.create_reminders() == 0
    send_reminders.call_local()
    engine.run(as_of=DAY, rule_ids=RULES)   # findings confirmed again: still one reminder each
    assert actions.create_reminders() == 0
    assert Notification.objects.count() == first


def _emails(*users):
    from dangjian.accounts.models import User

    for u in users:
        User.objects.filter(pk=u.pk).update(email=f"{u.username}@example.gov.cn")


def test_a_reminder_is_sent_once_with_two_workers(judged, monkeypatch):
    u = judged
    _emails(u.secretary_a, u.secretary_b, u.member_a)
    actions.create_reminders()
    expected = Notification.objects.exclude(recipient__email="").count()
    # The race: worker 2 looked for unsent rows at the same moment as worker 1, so it holds the
    # same ids; worker 1's UPDATE lands first. Worker 2's conditional UPDATE must take nothing.
    seen_by_worker_2 = actions._candidates(Q(claimed_at__isnull=True), 500)
    w1 = actions.claim("worker-1")
    monkeypatch.setattr(actions, "_candidates", lambda *a: seen_by_worker_2)
    w2 = actions.claim("worker-2")
    assert len(w1) == expected and w2 == []
    assert actions.send(w1) == expected
    assert actions.send(w2) == 0
    assert actions.send_pending("worker-2") == 0   # a later run: everything is stamped
    # Every reminder appears in exactly one e-mail, once.
    mailed = [(m.to[0], line.split(". ", 1)[1]) for m in mail.outbox for line in m.body.splitlines()
              if line[:1].isdigit() and ". 【" in line]
    assert len(mailed) == len(set(mailed)) == expected
    assert len(mail.outbox) == 3   # one digest per recipient with an address
    assert {m.to[0] for m in mail.outbox} == {"secretary_a@example.gov.cn", "secretary_b@example.gov.cn",
                                              "member_a@example.gov.cn"}
    assert not Notification.objects.filter(emailed_at__isnull=True).exclude(recipient__email="").exists()


def test_a_dead_workers_claim_is_taken_over_after_the_timeout(judged):
    from django.utils import timezone

    _emails(judged.secretary_a)
    actions.create_reminders()
    dead = actions.claim("dead-worker")   # claimed, never sent
    assert dead and actions.claim("worker-2") == []
    later = timezone.now() + actions.CLAIM_TIMEOUT + dt.timedelta(minutes=1)
    taken = actions.claim("worker-2", now=later)
    assert {n.pk for n in taken} == {n.pk for n in dead}
    actions.send(taken)
    assert actions.send(dead) == 0 and len(mail.outbox) == 1


def test_a_failed_send_keeps_the_reminder_for_the_next_run(judged, settings):
    _emails(judged.secretary_a)
    actions.create_reminders()
    settings.EMAIL_BACKEND = "dangjian.notify.tests.failing_backend.Backend"
    assert actions.send_pending("w") == 0
    assert not Notification.objects.filter(claimed_at__isnull=False).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert actions.send_pending("w") == Notification.objects.filter(recipient=judged.secretary_a).count()


def test_users_without_an_address_are_reminded_in_app_only(judged):
    actions.create_reminders()
    assert actions.send_pending("w") == 0 and mail.outbox == []
    assert Notification.objects.filter(recipient=judged.secretary_a).exists()


def test_resolving_the_finding_stops_further_reminders(judged, client_as):
    u = judged
    _emails(u.secretary_a)
    actions.create_reminders()
    term = Finding.objects.get(rule_id="TERM-02", org__name="第一党支部")
    # Half a year earlier the term was not yet due: the engine resolves the TERM-02 finding.
    engine.run(as_of=dt.date(2026, 1, 5), rule_ids=["TERM-02"])
    term.refresh_from_db()
    assert term.state == FindingState.RESOLVED
    actions.send_pending("w")
    body = "\n".join(m.body for m in mail.outbox)
    assert "TERM-02" not in body and "JG-03" in body
    assert Notification.objects.get(recipient=u.secretary_a, finding=term).emailed_at is None
    assert actions.create_reminders() == 0
    page = client_as(u.secretary_a).get("/notifications/").content.decode()
    assert "已消除" in page
    # The badge counts only what still needs attention.
    assert actions.unread_count(u.secretary_a) == Notification.objects.filter(
        recipient=u.secretary_a).exclude(finding=term).count()


def _finding_on(org, rule_id="TEST-01"):
    # A stored finding as the engine would write it, on an org no current rule happens to hit.
    return Finding.objects.create(rule_id=rule_id, severity="WARN", subject_kind="org", subject_id=org.pk,
                                  org=org, message=f"{org.name}测试预警", citation="测试依据")


def test_the_nearest_admins_are_chosen_at_every_level(users, tree):
    from dangjian.accounts.models import RoleAssignment

    group, committee = _finding_on(tree.a1), _finding_on(tree.committee)
    actions.create_reminders()
    assert set(Notification.objects.filter(finding=group).values_list("recipient", flat=True)) == {users.secretary_a.pk}
    assert set(Notification.objects.filter(finding=committee).values_list("recipient", flat=True)) == {
        users.committee_admin.pk}
    # The committee answers to the 工委: without an admin of its own, the 工委 admin is told.
    RoleAssignment.objects.filter(user=users.committee_admin).update(end=dt.date(2020, 1, 1))
    again = _finding_on(tree.committee, "TEST-02")
    actions.create_reminders()
    assert set(Notification.objects.filter(finding=again).values_list("recipient", flat=True)) == {users.wc_admin.pk}
