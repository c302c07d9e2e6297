"""事事有回应: a 意见建议 the branch received is answered within 30 days ([P]) — by a reply or by putting it on
the problem list — or SUP-05 warns; the 30th day is still in time; the warning clears once answered. Only the
branch's (and higher) admins answer; the secretary of sibling B gets 404."""
import datetime as dt

import pytest

from dangjian.core import engine
from dangjian.core.errors import ActionError
from dangjian.supervision import actions
from dangjian.supervision.models import Rectification, Suggestion

pytestmark = pytest.mark.django_db
JSON = "application/json"


def hits(as_of, **settings):
    ctx = engine.Context(as_of=as_of, settings={**engine.effective_settings(), **settings})
    return [(h.subject.pk, h.message) for _, h in engine.evaluate(ctx, ["SUP-05"])]


@pytest.fixture
def suggestion(tree, users):
    return actions.do_record_suggestion(org=tree.a, received=dt.date(2025, 6, 1), source="meeting",
                                        text="支部学习形式单一，建议增加现场教学", acting_user=users.secretary_a)


def test_sup_05_thirty_days_to_answer_the_thirtieth_still_in_time(suggestion, tree, users):
    assert hits(dt.date(2025, 7, 1)) == []                      # 30 days later: still in time
    (org, message), = hits(dt.date(2025, 7, 2))
    assert org == tree.a.pk and "31天未回应" in message
    assert hits(dt.date(2025, 7, 2), sup_reply_days=31) == []
    actions.do_reply_suggestion(suggestion, reply="已采纳，三季度组织到红色教育基地现场教学", replied=dt.date(2025, 7, 5),
                                acting_user=users.secretary_a)
    assert hits(dt.date(2025, 8, 1)) == []
    assert len(hits(dt.date(2025, 7, 3))) == 1                  # judged at an earlier date it was still unanswered


def test_putting_it_on_the_problem_list_is_an_answer(suggestion, tree, users):
    r = actions.do_suggestion_to_problem(suggestion, deadline=dt.date(2025, 9, 30), category="study",
                                         acting_user=users.secretary_a)
    suggestion.refresh_from_db()
    assert suggestion.rectification == r and r.source == "self" and r.issuing_org == tree.committee
    assert suggestion.replied and "问题清单" in suggestion.reply
    assert hits(suggestion.replied) == []
    with pytest.raises(ActionError, match="已回应"):
        actions.do_reply_suggestion(suggestion, reply="x", replied=dt.date(2025, 7, 1), acting_user=users.secretary_a)


def test_only_the_orgs_admins_answer(suggestion, users):
    for who in (users.secretary_b, users.member_a):
        with pytest.raises(ActionError, match="管理员"):
            actions.do_reply_suggestion(suggestion, reply="x", replied=dt.date(2025, 6, 2), acting_user=who)
    with pytest.raises(ActionError, match="回应日期"):
        actions.do_reply_suggestion(suggestion, reply="x", replied=dt.date(2025, 5, 31), acting_user=users.secretary_a)
    actions.do_reply_suggestion(suggestion, reply="已研究", replied=dt.date(2025, 6, 2), acting_user=users.committee_admin)


def test_the_page_and_the_api(suggestion, tree, users, client):
    client.force_login(users.secretary_a)
    page = client.get("/supervision/suggestions/").content.decode()
    assert "支部学习形式单一" in page and "已逾期" in page
    r = client.post("/supervision/suggestions/", {"form": "reply", "suggestion": suggestion.pk, "reply": "",
                                                  "replied": "2025-06-10"})
    assert r.status_code == 200 and 'value="2025-06-10"' in r.content.decode()        # refused, kept
    r = client.post("/supervision/suggestions/", {"form": "problem", "suggestion": suggestion.pk,
                                                  "category": "study", "deadline": "2025-09-30"}, follow=True)
    assert "已列入问题清单" in r.content.decode()
    assert Rectification.objects.filter(org=tree.a, source="self").exists()
    client.force_login(users.secretary_b)
    assert client.post("/supervision/suggestions/", {"form": "reply", "suggestion": suggestion.pk, "reply": "x",
                                                     "replied": "2025-06-10"}).status_code == 404
    assert "支部学习形式单一" not in client.get("/supervision/suggestions/").content.decode()
    r = client.post("/api/supervision/suggestions/", {"org": tree.a.pk, "received": "2025-06-01", "text": "x"},
                    content_type=JSON)
    assert r.status_code == 400
    client.force_login(users.secretary_a)
    r = client.post("/api/supervision/suggestions/", {"org": tree.a.pk, "received": "2025-06-01", "text": "建议"},
                    content_type=JSON)
    assert r.status_code == 201
    r = client.post(f"/api/supervision/suggestions/{r.json()['id']}/reply/", {"reply": "好", "replied": "2025-06-03"},
                    content_type=JSON)
    assert r.status_code == 200 and r.json()["replied"] == "2025-06-03"
    assert Suggestion.objects.filter(replied__isnull=True).count() == 0
