"""书记讲党课: members present rate the lecture, anonymously and once each (the one-per-member constraint holds
in the database too); a lecture averaging under 3 of 5 with at least 3 ratings puts the lecturer on the 补课
list (LECT-01) until a later lecture there rates well. Nobody sees who gave which score."""
import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from dangjian.core import engine
from dangjian.core.errors import ActionError
from dangjian.study import actions
from dangjian.study.models import LectureRating

from .clock import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def audience(tree, people, users):
    from conftest import _person, _user

    return [(p, _user(f"m{i}", p, [("member", tree.a)])) for i, p in
            enumerate([_person(tree.a, f"党员{i}") for i in range(4)])]


def lecture(tree, people, users, audience, day=None):
    from dangjian.orglife.actions import do_record_meeting

    return do_record_meeting(org=tree.a, type="lecture", date=day or TODAY - dt.timedelta(days=2),
                             topic="学习党章", lecturer=people.secretary_a,
                             present=[people.secretary_a] + [p for p, _ in audience], acting_user=users.secretary_a)


def test_one_anonymous_rating_per_member_present(tree, people, users, audience):
    m = lecture(tree, people, users, audience)
    (p0, u0) = audience[0]
    actions.do_rate_lecture(m, score=4, comment="联系实际", acting_user=u0)
    with pytest.raises(ActionError, match="每人一次"):
        actions.do_rate_lecture(m, score=5, acting_user=u0)
    with pytest.raises(IntegrityError), transaction.atomic():
        LectureRating.objects.create(meeting=m, token=actions.rater_token(m.pk, p0.pk), score=5)
    with pytest.raises(ActionError, match="授课人"):
        actions.do_rate_lecture(m, score=5, acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="出席"):
        actions.do_rate_lecture(m, score=5, acting_user=users.secretary_b)
    r = LectureRating.objects.get()
    assert {f.name for f in LectureRating._meta.get_fields()} == {"id", "meeting", "token", "score", "comment",
                                                                  "created_at"}          # no person to read back


def test_a_poorly_rated_lecture_puts_the_lecturer_on_the_make_up_list(tree, people, users, audience, client):
    m = lecture(tree, people, users, audience)
    for score, (_, u) in zip((2, 3, 2), audience):
        actions.do_rate_lecture(m, score=score, acting_user=u)

    def hits():
        ctx = engine.Context(as_of=TODAY, settings=engine.effective_settings())
        return [h.message for _, h in engine.evaluate(ctx, ["LECT-01"])]

    (msg,) = hits()                                      # 2.3 of 5 with 3 ratings
    assert "王建国" in msg and "需补课" in msg
    ctx = engine.Context(as_of=TODAY, settings={**engine.effective_settings(), "lecture_min_ratings": 4})
    assert [h for _, h in engine.evaluate(ctx, ["LECT-01"])] == []
    again = lecture(tree, people, users, audience, day=TODAY - dt.timedelta(days=1))
    for score, (_, u) in zip((4, 5, 4), audience):
        actions.do_rate_lecture(again, score=score, acting_user=u)
    assert hits() == []                                  # the 补课 rated well
    client.force_login(users.secretary_a)
    page = client.get("/study/lectures/").content.decode()
    assert "4.3 分（3 条）" in page and audience[0][0].name not in page


def test_a_member_rates_on_the_page(tree, people, users, audience, client):
    m = lecture(tree, people, users, audience)
    _, u = audience[1]
    client.force_login(u)
    assert "学习党章" in client.get("/study/lectures/").content.decode()
    client.post("/study/lectures/", {"meeting": m.pk, "score": "5"})
    assert LectureRating.objects.filter(meeting=m, score=5).count() == 1
    assert "已评价" in client.get("/study/lectures/").content.decode()
    assert client.post("/study/lectures/", {"meeting": "x", "score": "5"}).status_code == 404


def test_the_make_up_becomes_a_task_evidenced_by_the_lecture(tree, people, users, audience, client):
    from dangjian.core.models import Finding
    from dangjian.duty.models import Task

    m = lecture(tree, people, users, audience)
    for score, (_, u) in zip((1, 2, 2), audience):
        actions.do_rate_lecture(m, score=score, acting_user=u)
    engine.run(org_ids=[tree.a.pk])
    f = Finding.objects.get(rule_id="LECT-01", state="open")
    client.force_login(users.secretary_b)
    assert client.post("/study/lectures/", {"form": "task", "finding": f.pk, "deadline": "2099-01-01"}).status_code == 404
    client.force_login(users.committee_admin)
    client.post("/study/lectures/", {"form": "task", "finding": f.pk, "deadline": "2099-01-01"})
    t = Task.objects.get()
    assert (t.owner_id, t.evidence_source, t.org_id) == (people.secretary_a.pk, "lecture_given", tree.a.pk)
    with pytest.raises(ActionError, match="已布置"):
        actions.do_make_up_task(f, deadline=dt.date(2099, 1, 1), acting_user=users.committee_admin)
