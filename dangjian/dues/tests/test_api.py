"""党费 over the API as the personas use it: the secretary of A 核定 and collects a branch-month, the
member declares and the secretary confirms, the member reads their own ledger; amounts are strings both
ways (a JSON number is refused); the secretary of sibling B gets 404."""
import datetime as dt

import pytest
from django.utils import timezone

from dangjian.dues.ledger import first_of
from dangjian.dues.models import DuesPayment

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_collect_declare_confirm_and_the_ledger(client_as, users, people, tree):
    month = first_of(first_of(timezone.localdate()) - dt.timedelta(days=1))
    api = client_as(users.secretary_a)
    r = api.post("/api/dues/bases/", {"person": people.member_a.pk, "start": month.isoformat(), "base": "2800.00"},
                 content_type=JSON)
    assert r.status_code == 201 and r.json()["amount"] == "14.00"
    refused = api.post("/api/dues/bases/", {"person": people.member_a.pk, "start": month.isoformat(), "base": 2800.5},
                       content_type=JSON)
    assert refused.status_code == 400 and "字符串" in str(refused.json())
    bad = api.post("/api/dues/payments/collect/", {"org": tree.a.pk, "month": month.isoformat(),
                                                   "rows": [{"person": people.member_a.pk, "amount": "-1.00"}]},
                   content_type=JSON)
    assert bad.status_code == 400 and "李红梅" in bad.json()["detail"]
    ok = api.post("/api/dues/payments/collect/", {"org": tree.a.pk, "month": month.isoformat(),
                                                  "rows": [{"person": people.member_a.pk, "amount": "10.00"}]},
                  content_type=JSON)
    assert ok.status_code == 201 and ok.json()[0]["amount"] == "10.00"
    me = client_as(users.member_a)
    d = me.post("/api/dues/payments/declare/", {"month": month.isoformat(), "amount": "4.00",
                                                "paid_on": timezone.localdate().isoformat()}, content_type=JSON)
    assert d.status_code == 201 and d.json()["state"] == "declared"
    assert me.post(f"/api/dues/payments/{d.json()['id']}/confirm/", content_type=JSON).status_code in (403, 404)
    ledger = me.get(f"/api/dues/ledger/{people.member_a.pk}/").json()
    row = next(r for r in ledger if r["month"] == month.isoformat())
    assert (row["due"], row["paid"], row["declared"]) == ("14.00", "10.00", "4.00")
    assert me.get(f"/api/dues/ledger/{people.secretary_a.pk}/").status_code == 404
    api = client_as(users.secretary_a)
    assert api.post(f"/api/dues/payments/{d.json()['id']}/confirm/", content_type=JSON).status_code == 200
    assert me.get("/api/dues/calc/", {"base": "3000.01"}).json() == {
        "base": "3000.01", "category": "in_service", "rate": "0.01", "amount": "30.00", "rule": "FEE-02"}
    outsider = client_as(users.secretary_b)
    assert outsider.get(f"/api/dues/ledger/{people.member_a.pk}/").status_code == 404
    assert outsider.post("/api/dues/payments/collect/", {"org": tree.a.pk, "month": month.isoformat(), "rows": []},
                         content_type=JSON).status_code == 400
    assert {p["person"] for p in outsider.get("/api/dues/payments/").json()["results"]} == set()
    assert DuesPayment.objects.filter(state="confirmed").count() == 2
