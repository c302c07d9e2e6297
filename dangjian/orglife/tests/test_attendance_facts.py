"""Each attendance row carries its meeting's date and whether it was organisational life (党章第九条:
REL-01 counts a member's months from these rows alone). Every way a meeting is written keeps them
true: recording, correcting the date or the type, cancelling, QR sign-in and the DJX import."""
import datetime as dt

from django.db.models import F, Q

from dangjian.djx.actions import do_import_djx
from dangjian.djx.tests.test_import_orglife import MEETINGS, branch_doc
from dangjian.orglife.actions import do_record_meeting, do_sign_in, do_update_meeting
from dangjian.orglife.choices import ORG_LIFE_TYPES, MeetingState
from dangjian.orglife.models import Attendance

D = dt.date


def assert_in_step():
    wrong = Attendance.objects.exclude(
        Q(meeting_date=F("meeting__date"))
        & Q(counts_as_org_life=Q(meeting__state=MeetingState.HELD, meeting__type__in=ORG_LIFE_TYPES)))
    assert not wrong.exists(), list(wrong.values("meeting__type", "meeting__state", "meeting_date", "meeting__date"))


def facts(m):
    return set(m.attendance.values_list("meeting_date", "counts_as_org_life"))


def test_recording_and_correcting_a_meeting_keeps_the_rows_in_step(tree, people):
    m = do_record_meeting(org=tree.a, type="theme_day", date=D(2025, 6, 10), topic="主题党日",
                          present=[people.secretary_a])
    assert facts(m) == {(D(2025, 6, 10), True)}
    do_update_meeting(m, date=D(2025, 6, 12))
    assert facts(m) == {(D(2025, 6, 12), True)}
    do_update_meeting(m, type="study_center", topic="中心组学习")        # study is not organisational life
    assert facts(m) == {(D(2025, 6, 12), False)}
    do_update_meeting(m, type="theme_day")
    do_update_meeting(m, state=MeetingState.CANCELLED)
    assert facts(m) == {(D(2025, 6, 12), False)}
    assert_in_step()


def test_an_announced_meeting_counts_once_held_and_sign_in_rows_carry_the_date(tree, people, users):
    from django.utils import timezone

    today = timezone.localdate()
    m = do_record_meeting(org=tree.a, type="member_assembly", date=today, topic="党员大会",
                          state=MeetingState.ANNOUNCED)
    do_sign_in(m, people.member_a, acting_user=users.member_a)
    assert facts(m) == {(today, False)}                # announced: not yet organisational life
    do_update_meeting(m, state=MeetingState.HELD, present=[people.member_a, people.secretary_a])
    assert facts(m) == {(today, True)}
    assert_in_step()


def test_the_djx_import_writes_the_facts_and_rewrites_them_on_change(db):
    do_import_djx(branch_doc(meetings=MEETINGS))
    assert Attendance.objects.exists()
    assert_in_step()
    changed = branch_doc(meetings=[dict(m) for m in MEETINGS])
    changed["meetings"][0]["date"] = "2025-02-03"
    do_import_djx(changed)
    assert_in_step()
