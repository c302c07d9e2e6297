"""Cases a review found: a member in no organisation stays flagged through incremental runs; a letter
without a stated validity lapses after the jurisdiction's months; a member who moved keeps their study
hours; the 三清 count starts at the first absence; a member sees only their own hours."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core import engine
from dangjian.core.models import Finding, FindingState
from dangjian.people.models import Person

pytestmark = pytest.mark.django_db


def test_a_member_in_no_org_stays_flagged_through_incremental_runs(people, tree):
    Person.objects.filter(pk=people.member_b.pk).update(org=None)
    engine.run()
    open_ = Finding.objects.filter(rule_id="EDU-04", person=people.member_b, state=FindingState.OPEN)
    assert open_.exists()
    engine.run(org_ids=[tree.a.pk])
    assert open_.exists()


def test_a_letter_without_validity_lapses_after_three_months():
    from .test_check import base, rules

    doc = base()
    doc["transfers"] = [{"person": "m1", "direction": "out", "from_org": "b1", "to_org": "外省某支部",
                         "letter_date": "2025-04-01"}]
    assert rules(doc, "2025-06-30") == []
    assert rules(doc, "2025-07-01") == [("REL-03", "WARN", "m1")]


def test_a_member_who_moved_keeps_their_hours(people, tree):
    from dangjian.people.actions import do_move_person
    from dangjian.study.actions import do_record_study

    day = dt.date(timezone.localdate().year - 1, 6, 1)
    do_record_study([people.member_a, people.secretary_a], date=day, hours="32")
    do_record_study([people.secretary_b, people.member_b], date=day, hours="60")
    do_move_person(people.member_a, tree.b)
    ctx = engine.Context(as_of=timezone.localdate(), settings=engine.effective_settings(),
                         org_ids=engine.expand_with_ancestors([tree.b.pk]))
    assert [h for _, h in engine.evaluate(ctx, ["EDU-01"]) if h.subject.pk == people.member_a.pk] == []


def test_sanqing_counts_from_the_first_absence(client_as, users, people, tree):
    from dangjian.orglife.actions import do_record_meeting

    today = timezone.localdate()
    for back in (9, 6, 3, 1):
        day = (today.replace(day=1) - dt.timedelta(days=30 * back)).replace(day=10)
        do_record_meeting(org=tree.a, type="member_assembly", date=day, topic="党员大会", present=[people.secretary_a])
    page = client_as(users.secretary_a).get(reverse("membership:sanqing"), {"org": tree.a.pk}).content.decode()
    assert "连续 1 个月未参加" not in page and "个月未参加" in page
    import re
    months = [int(n) for n in re.findall(r"连续 (\d+) 个月未参加", page)]
    assert max(months) >= 9


def test_a_member_sees_only_their_own_hours(client_as, users, people, tree):
    from dangjian.study.actions import do_record_study

    do_record_study([people.member_a, people.secretary_a], date=dt.date(2025, 6, 1), hours="8")
    page = client_as(users.member_a).get(reverse("study:study_list"), {"org": tree.a.pk})
    if page.status_code == 200:
        assert "王建国" not in page.content.decode()
