"""第一议题 (STUDY-01): a 支委会 recorded as not opening with the latest important speeches is a finding; one not
recorded is not judged; the setting turns the rule off; recording it on the form clears it."""
import datetime as dt

import pytest

from dangjian.core import engine
from dangjian.orglife.actions import do_record_meeting, do_update_meeting

pytestmark = pytest.mark.django_db


def hits(**settings):
    ctx = engine.Context(as_of=dt.date(2025, 6, 30), settings={**engine.effective_settings(), **settings})
    return [h.subject.pk for _, h in engine.evaluate(ctx, ["STUDY-01"])]


def test_first_item_recorded_as_not_studied_is_a_finding(tree, people, users, client):
    kw = dict(org=tree.a, type="committee", present=[people.secretary_a], acting_user=users.secretary_a)
    no = do_record_meeting(date=dt.date(2025, 5, 10), topic="研究发展党员", first_item_study=False, **kw)
    do_record_meeting(date=dt.date(2025, 6, 10), topic="研究党费", **kw)                     # not recorded
    do_record_meeting(date=dt.date(2025, 4, 10), topic="学习讲话", first_item_study=True, **kw)
    assert hits() == [no.pk]
    assert hits(first_item_study="off") == []
    do_update_meeting(no, first_item_study=True, acting_user=users.secretary_a)
    assert hits() == []
    client.force_login(users.secretary_a)
    page = client.get(f"/orglife/meetings/{no.pk}/edit/").content.decode()
    assert "第一议题" in page
