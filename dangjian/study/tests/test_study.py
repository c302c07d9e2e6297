"""学习培训 as the secretary of branch A records it: one session for the members who took part; each member's
hours of the year against 32 (56 for the secretary); a record entered by mistake removed with the reason;
the secretary of sibling B gets 404."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from dangjian.core.errors import ActionError
from dangjian.study import actions
from dangjian.study.models import StudyRecord

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_hours_are_exact_and_a_float_is_refused(people):
    with pytest.raises(ActionError):
        actions.do_record_study([people.member_a], date=dt.date(2025, 6, 1), hours=1.5)
    with pytest.raises(ActionError, match="一位小数"):
        actions.do_record_study([people.member_a], date=dt.date(2025, 6, 1), hours="1.25")
    (r,) = actions.do_record_study([people.member_a], date=dt.date(2025, 6, 1), hours="1.5")
    assert r.hours == Decimal("1.5")


def test_the_page_records_a_session_and_shows_the_year(client_as, users, people, tree):
    c = client_as(users.secretary_a)
    url = reverse("study:study_list")
    r = c.post(f"{url}?org={tree.a.pk}", {"people": [people.member_a.pk, people.secretary_a.pk], "date": "2025-06-01",
                                          "hours": "8", "kind": "centralized", "title": "学习贯彻党的二十届四中全会精神"})
    assert r.status_code == 302
    page = c.get(url, {"org": tree.a.pk, "year": 2025}).content.decode()
    assert "李红梅" in page and "班子成员" in page and ">56<" in page and ">32<" in page
    bad = c.post(f"{url}?org={tree.a.pk}", {"people": [people.member_a.pk], "date": "2025-06-01", "hours": "abc",
                                            "kind": "centralized", "title": "读书班"})
    assert bad.status_code == 200 and "读书班" in bad.content.decode()
    assert client_as(users.secretary_b).get(url, {"org": tree.a.pk}).status_code == 404
    rec = StudyRecord.objects.filter(person=people.member_a).first()
    person_url = reverse("study:person", kwargs={"pk": people.member_a.pk})
    c = client_as(users.secretary_a)
    assert c.post(person_url, {"record": rec.pk, "reason": "重复登记"}).status_code == 302
    assert not StudyRecord.objects.filter(pk=rec.pk).exists()
    assert client_as(users.member_a).get(person_url).status_code == 200


def test_the_api(client_as, users, people):
    api = client_as(users.secretary_a)
    r = api.post("/api/study/session/", {"people": [people.member_a.pk], "date": "2025-06-01", "hours": "4"},
                 content_type=JSON)
    assert r.status_code == 201 and r.json()[0]["hours"] == "4.0"
    pk = r.json()[0]["id"]
    assert client_as(users.secretary_b).get(f"/api/study/{pk}/").status_code == 404
    assert client_as(users.member_a).get(f"/api/study/{pk}/").status_code == 200
    api = client_as(users.secretary_a)
    assert api.post(f"/api/study/{pk}/remove/", {"reason": "录错"}, content_type=JSON).status_code == 204
