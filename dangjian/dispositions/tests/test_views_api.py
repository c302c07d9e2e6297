"""The pages and the API: the secretary of A opens a disposition from the 不合格 grade and walks it
through the procedure; the outsider (secretary of B) gets 404; a member of A cannot open one but reads
their own; a refused step keeps what was typed."""
import datetime as dt

import pytest
from django.urls import reverse

from dangjian.dispositions.choices import State
from dangjian.dispositions.models import Disposition
from dangjian.orglife.actions import do_record_appraisal

from .helpers import D, open_for

JSON = "application/json"


def test_the_appraisal_page_links_a_unqualified_grade_to_the_opening_form(client_as, tree, people, users):
    a = do_record_appraisal(org=tree.a, year=2025, grades={people.secretary_a: "qualified",
                                                          people.member_a: "unqualified"})
    page = client_as(users.secretary_a).get(reverse("orglife:appraisal_create"), {"org": tree.a.pk, "year": 2025})
    link = f"{reverse('dispositions:disposition_create')}?person={people.member_a.pk}&amp;appraisal={a.pk}"
    assert link in page.content.decode()
    form = client_as(users.secretary_a).get(reverse("dispositions:disposition_create"),
                                            {"person": people.member_a.pk, "appraisal": a.pk})
    assert form.status_code == 200 and "民主评议被评为不合格" in form.content.decode()
    r = client_as(users.secretary_a).post(
        f"{reverse('dispositions:disposition_create')}?person={people.member_a.pk}&appraisal={a.pk}",
        {"person": people.member_a.pk, "appraisal": a.pk, "measure": "correction", "grounds": "appraisal_unqualified",
         "facts": "评议不合格", "committee_date": "2026-01-05"})
    d = Disposition.objects.get()
    assert r.status_code == 302 and d.appraisal_grade.person == people.member_a and d.state == State.PROPOSED


def test_the_secretary_walks_the_procedure_on_the_detail_page(client_as, people, users):
    c = client_as(users.secretary_a)
    d = open_for(people.member_a, users.secretary_a)
    url = reverse("dispositions:disposition_detail", kwargs={"pk": d.pk})
    page = c.get(url).content.decode()
    assert "下一步：报基层党委事前备案" in page and "支委会研究提出启动意见" in page
    assert c.post(url, {"step": "file", "step-date": "2025-01-07"}).status_code == 302
    assert c.post(url, {"step": "investigate", "step-date": "2025-01-08", "step-note": "属实"}).status_code == 302
    # No quorum: refused, and the typed tally is still there.
    r = c.post(url, {"step": "vote", "step-date": "2025-01-09", "step-eligible": "4", "step-present": "2",
                     "step-yes": "2", "step-no": "0", "step-abstain": "0"})
    assert r.status_code == 200 and "不能表决" in r.content.decode() and 'value="2"' in r.content.decode()
    c.post(url, {"step": "vote", "step-date": "2025-01-09", "step-eligible": "4", "step-present": "3",
                 "step-yes": "3", "step-no": "0", "step-abstain": "0"})
    c.post(url, {"step": "approve", "step-date": "2025-01-10", "step-approved": "1", "step-correction_deadline": ""})
    d.refresh_from_db()
    assert d.state == State.EFFECTIVE and d.correction_deadline == D(2025, 7, 10)
    assert "已逾期" in c.get(url).content.decode()
    listing = c.get(reverse("dispositions:disposition_list"), {"state": "effective"}).content.decode()
    assert people.member_a.name in listing


def test_outsider_gets_404_and_a_member_cannot_open_but_reads_their_own(client_as, people, users):
    d = open_for(people.member_a, users.secretary_a)
    url = reverse("dispositions:disposition_detail", kwargs={"pk": d.pk})
    assert client_as(users.secretary_b).get(url).status_code == 404
    assert client_as(users.secretary_b).get(reverse("disposition-detail", kwargs={"pk": d.pk})).status_code == 404
    assert people.member_a.name not in client_as(users.secretary_b).get(
        reverse("dispositions:disposition_list")).content.decode()
    member = client_as(users.member_a)
    assert member.get(reverse("dispositions:disposition_create"), {"person": people.member_a.pk}).status_code == 404
    own = member.get(url)
    assert own.status_code == 200 and "下一步" not in own.content.decode()
    assert member.post(url, {"step": "file", "step-date": "2025-01-07"}).status_code == 404


def test_the_api_opens_and_advances_within_scope(client_as, people, users):
    api = client_as(users.secretary_a)
    r = api.post("/api/dispositions/", {"person": people.member_a.pk, "measure": "expel",
                                        "grounds": "absence_six_months", "committee_date": "2025-01-06"},
                 content_type=JSON)
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert r.json()["next_step"] == "file"
    refused = api.post(f"/api/dispositions/{pk}/vote/", {"date": "2025-01-09", "eligible": 4, "present": 3, "yes": 3},
                       content_type=JSON)
    assert refused.status_code == 400 and refused.json()["rule"] == "DISP-04"
    for step, body in (("file", {"date": "2025-01-07"}), ("investigate", {"date": "2025-01-08", "note": "属实"}),
                       ("vote", {"date": "2025-01-09", "eligible": 4, "present": 3, "yes": 3}),
                       ("approve", {"date": "2025-01-10"})):
        r = api.post(f"/api/dispositions/{pk}/{step}/", body, content_type=JSON)
        assert r.status_code == 200, (step, r.json())
    assert r.json()["state"] == "closed" and r.json()["reentry_barred_until"] == "2030-01-10"
    dup = api.post("/api/dispositions/", {"person": people.secretary_a.pk, "measure": "correction", "grounds": "dues",
                                          "committee_date": "2025-01-06", "sanctioned_for_same_issue": True},
                   content_type=JSON)
    assert dup.status_code == 400 and dup.json()["rule"] == "DISP-01"
    assert client_as(users.secretary_b).post(f"/api/dispositions/{pk}/cancel/", {"reason": "x"},
                                             content_type=JSON).status_code == 404
    assert client_as(users.member_a).post("/api/dispositions/", {
        "person": people.member_a.pk, "measure": "correction", "grounds": "dues", "committee_date": "2025-01-06"},
        content_type=JSON).status_code == 403
    ids = {row["id"] for row in client_as(users.secretary_b).get("/api/dispositions/").json()["results"]}
    assert pk not in ids


def test_the_opening_form_suggests_the_measure_that_fits_the_finding(client_as, tree, people, users):
    """DISP-03 maps other rules' findings to a measure: six months without organisational life (REL-01
    warning) → 除名 or 限期改正; three months (REL-01 note) → at most 限期改正, never 除名."""
    from dangjian.core.models import Finding

    def finding(severity):
        Finding.objects.all().delete()
        Finding.objects.create(rule_id="REL-01", severity=severity, subject_kind="person",
                               subject_id=people.member_a.pk, org=tree.a, person=people.member_a,
                               message="连续缺席", citation="党章第九条")
        url = reverse("dispositions:disposition_create") + f"?person={people.member_a.pk}"
        return client_as(users.secretary_a).get(url).content.decode()

    page = finding("WARN")
    assert "measure=expel" in page and "measure=correction" in page
    page = finding("INFO")
    assert "measure=expel" not in page and "measure=correction" in page
    assert "→" in page          # each situation with its usual measure
