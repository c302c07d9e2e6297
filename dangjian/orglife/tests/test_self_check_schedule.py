"""A 对照检查材料 entered or changed is an input of TXT-01 (copied text): recording it asks the engine to re-judge
the branch, naming SelfCheck as what changed (so TXT-01, which reads it, is among the rules re-judged)."""
import datetime as dt

import pytest
from django.utils import timezone

from dangjian.core import engine
from dangjian.orglife.actions import do_record_meeting, do_record_self_check
from dangjian.orglife.models import SelfCheck

pytestmark = pytest.mark.django_db


def test_recording_and_changing_a_self_check_schedules_a_run(tree, people, users, monkeypatch):
    m = do_record_meeting(org=tree.a, type="org_life", date=timezone.localdate() - dt.timedelta(days=40),
                          topic="年度组织生活会", present=[people.secretary_a, people.member_a],
                          acting_user=users.secretary_a)
    calls = []
    monkeypatch.setattr(engine, "schedule", lambda org_ids, changed=None: calls.append((set(org_ids),
                                                                                        tuple(changed or ()))))
    do_record_self_check(m, person=people.member_a, text="理论学习不够系统。", acting_user=users.member_a)
    do_record_self_check(m, person=people.member_a, text="联系群众不够经常。", acting_user=users.member_a)
    assert len(calls) == 2
    for org_ids, changed in calls:
        assert tree.a.pk in org_ids and SelfCheck in changed
    assert "TXT-01" in engine.affected_rules((SelfCheck,))
