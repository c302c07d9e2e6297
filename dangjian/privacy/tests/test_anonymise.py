"""保存期限与匿名化 (个人信息保护法第十九、四十七条): a non-member's identifying data is replaced once the retention period
after leaving has run out; members never; the party statistics of past years do not change."""
import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command

from dangjian.core.errors import ActionError
from dangjian.core.models import AuditEvent
from dangjian.people.actions import do_change_status, do_update_person
from dangjian.people.models import Person
from dangjian.privacy.actions import anonymise_expired, do_anonymise_person, expired
from dangjian.privacy.models import Anonymisation

from dangjian.partystats.tests.conftest import year_2025  # noqa: F401  (the hand-counted year of branch A)

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def left(people, users):
    """李红梅 (member_a) transferred out of the platform on 2021-11-27, with a phone and a login."""
    do_update_person(people.member_a, phone="13800000000", job_title="科长", acting_user=users.secretary_a)
    return do_change_status(people.member_a, "transferred_out", on=D(2021, 11, 27), acting_user=users.secretary_a)


def test_the_period_runs_out_exactly_five_years_after_leaving(left):
    assert [p.name for p, _ in expired(D(2026, 11, 26))] == []
    assert [(p.name, day) for p, day in expired(D(2026, 11, 27))] == [("李红梅", D(2021, 11, 27))]
    with pytest.raises(ActionError, match="2026-11-27 届满"):
        do_anonymise_person(left, as_of=D(2026, 11, 26))


def test_members_are_never_anonymised(people):
    assert expired(D(2099, 1, 1)) == []
    with pytest.raises(ActionError, match="仍由党组织管理"):
        do_anonymise_person(people.secretary_a, as_of=D(2099, 1, 1), require_expired=False)
    assert Person.objects.get(pk=people.secretary_a.pk).name == "王建国"


def test_anonymisation_replaces_what_identifies_and_keeps_what_counts(left, people, users):
    p, done = do_anonymise_person(left, as_of=D(2026, 11, 27))
    assert done
    assert p.name == f"已匿名化人员{p.pk}"
    assert (p.id_number_encrypted, p.id_number_digest, p.phone, p.job_title) == ("", "", "", "")
    assert p.birth_date == D(1980, 7, 1)                          # the year stays, the day does not
    assert (p.status, p.status_since, p.probationary_date, p.org_id) == (
        "transferred_out", D(2021, 11, 27), D(2010, 7, 1), people.member_a.org_id)
    user = type(users.member_a).objects.get(pk=users.member_a.pk)
    assert not user.is_active and user.username == f"anonymised-{user.pk}" and not user.has_usable_password()
    assert not user.role_assignments.active().exists()
    # The history still tells the story, without the name: the status change stays for the statistics.
    assert not AuditEvent.objects.filter(person=p, summary__contains="李红梅").exists()
    assert AuditEvent.objects.filter(person=p, verb="person.status", data__after__status="transferred_out").exists()
    event = AuditEvent.objects.get(verb="person.anonymise")
    assert "李红梅" not in event.summary and "13800000000" not in str(event.data)
    # django-auditlog's field diffs of the person no longer hold the old values (and the anonymisation left none).
    diffs = " ".join(str(e.changes) + e.object_repr for e in LogEntry.objects.get_for_object(p))
    assert "李红梅" not in diffs and "13800000000" not in diffs and "科长" not in diffs


def test_it_is_idempotent(left):
    do_anonymise_person(left, as_of=D(2026, 11, 27))
    count = AuditEvent.objects.count()
    p, done = do_anonymise_person(left, as_of=D(2030, 1, 1))
    assert not done and AuditEvent.objects.count() == count
    assert expired(D(2030, 1, 1)) == []


def test_party_statistics_of_past_years_are_the_same_after(tree, people, year_2025):
    from dangjian.partystats import tables

    def report():
        return tables.compute(tree.a, 2025, today=D(2026, 11, 26)).as_dict()

    before = report()
    assert before["tables"][0]["rows"][0]["values"][0] == 7
    for p in (year_2025.zheng, year_2025.qian):       # died 2025-08-10; transferred out of the platform 2025-03-01
        do_anonymise_person(p, as_of=D(2031, 1, 1))
    assert Anonymisation.objects.count() == 2
    assert report() == before


def test_an_applicant_is_kept_while_the_recruitment_file_is_open(tree, users):
    from conftest import _person
    from dangjian.recruitment.actions import do_open_file
    from dangjian.recruitment.models import RecruitmentFile

    applicant = _person(tree.a, "何平", status="applicant", probationary_date=None, full_member_date=None,
                        application_date=D(2015, 3, 1))
    Person.objects.filter(pk=applicant.pk).update(status_since=D(2015, 3, 1))
    f = do_open_file(person=applicant, application_date=D(2015, 3, 1), acting_user=users.secretary_a)
    assert expired(D(2026, 11, 27)) == []
    RecruitmentFile.objects.filter(pk=f.pk).update(closed=D(2019, 6, 30))
    Person.objects.filter(pk=applicant.pk).update(updated=dt.datetime(2019, 6, 30, 12, tzinfo=dt.timezone.utc))
    assert [(p.name, day) for p, day in expired(D(2026, 11, 27))] == [("何平", D(2019, 6, 30))]


def test_the_command_dry_run_changes_nothing_then_the_run_does(left, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 27, 12, 0))
    out = io.StringIO()
    call_command("anonymise_expired", "--dry-run", stdout=out)
    assert "到期 1 人，已匿名化 0 人" in out.getvalue() and "李红梅" not in out.getvalue()
    assert Person.objects.get(pk=left.pk).name == "李红梅"
    call_command("anonymise_expired", stdout=out)
    assert Person.objects.get(pk=left.pk).name.startswith("已匿名化人员")


def test_the_nightly_job_prunes_and_anonymises(left, time_machine):
    from dangjian.privacy.tasks import privacy_nightly

    time_machine.move_to(dt.datetime(2026, 11, 27, 2, 40))
    privacy_nightly.call_local()
    assert Anonymisation.objects.filter(person=left).exists()
