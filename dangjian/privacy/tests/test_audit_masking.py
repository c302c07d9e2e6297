"""最小必要 in the audit trail: a reader of the 痕迹 (history page, `/api/audit-events/`) sees that a contact or an
identifier changed and a masked value; only a role that may see full personal data (`view_id_number`, the rule of the
full 公民身份号码) sees the full values, and then the API read is logged (个人信息访问记录)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.permissions import VIEW_ID_NUMBER, can_in_org
from dangjian.people.actions import do_update_person
from dangjian.privacy.masking import PERSONAL_KEYS, mask_personal
from dangjian.privacy.models import PersonalDataAccess

pytestmark = pytest.mark.django_db

OLD, NEW = "13800005678", "13700001111"
OLD_MASK, NEW_MASK = "138****5678", "137****1111"


@pytest.fixture
def phone_changed(people, users):
    """secretary_a records member_a's phone, then changes it."""
    do_update_person(people.member_a, phone=OLD, acting_user=users.secretary_a)
    do_update_person(people.member_a, phone=NEW, acting_user=users.secretary_a)
    return people.member_a


def history(client, person):
    return client.get(reverse("people:person_history", kwargs={"pk": person.pk}))


def api_access(person, actor):
    return PersonalDataAccess.objects.filter(person=person, actor=actor, purpose="history", channel="api")


# --- the masking function ------------------------------------------------------------------------------------
def test_the_personal_keys_are_masked_at_any_depth_and_nothing_else():
    data = {"before": {"phone": OLD, "job_title": "科员", "status": "full"},
            "after": {"phone": NEW, "nested": [{"mobile": "13912345678", "email": "lihongmei@example.com"}]},
            "id_number": "110105198001010016", "phone": [OLD, "None"], "count": 3}
    out = mask_personal(data)
    assert out == {"before": {"phone": OLD_MASK, "job_title": "科员", "status": "full"},
                   "after": {"phone": NEW_MASK, "nested": [{"mobile": "139****5678", "email": "l***@example.com"}]},
                   "id_number": "1101**********0016", "phone": [OLD_MASK, "None"], "count": 3}
    assert data["before"]["phone"] == OLD  # the stored value is not touched


@pytest.mark.parametrize("key", sorted(PERSONAL_KEYS))
def test_what_the_trail_masks_is_blanked_for_good_by_anonymisation(people, users, key):
    """Masking only hides a value from a reader; 去标识化 must remove it from the trail: every key the trail masks,
    in an event about a person who left, is blanked when the person is anonymised."""
    import datetime as dt

    from dangjian.core import audit
    from dangjian.core.models import AuditEvent
    from dangjian.people.actions import do_change_status
    from dangjian.privacy.actions import do_anonymise_person

    person = people.member_a
    audit.record("person.contact", "登记联系方式", actor=users.secretary_a, org=person.org, person=person, obj=person,
                 before={key: "old-value-7301"}, after={"nested": [{key: "new-value-7302"}]})
    person = do_change_status(person, "transferred_out", on=dt.date(2021, 11, 27), acting_user=users.secretary_a)
    do_anonymise_person(person, as_of=dt.date(2026, 11, 27))
    data = str(AuditEvent.objects.get(verb="person.contact").data)
    assert "old-value-7301" not in data and "new-value-7302" not in data


# --- the history page ----------------------------------------------------------------------------------------
def test_the_auditor_sees_a_masked_phone_on_the_history_page(client_as, users, phone_changed):
    assert not can_in_org(users.auditor, VIEW_ID_NUMBER, phone_changed.org)
    r = history(client_as(users.auditor), phone_changed)
    page = r.content.decode()
    assert r.status_code == 200
    assert NEW_MASK in page and OLD_MASK in page
    assert NEW not in page and OLD not in page


def test_the_branch_secretary_sees_the_full_phone_on_the_history_page(client_as, users, phone_changed):
    page = history(client_as(users.secretary_a), phone_changed).content.decode()
    assert NEW in page and OLD in page


def test_the_outsider_gets_404_for_the_history_page(client_as, users, phone_changed):
    assert history(client_as(users.secretary_b), phone_changed).status_code == 404


# --- the API -------------------------------------------------------------------------------------------------
def test_the_auditor_sees_masked_phones_in_the_audit_api_and_no_access_is_logged(client_as, users, phone_changed):
    c = client_as(users.auditor)
    r = c.get("/api/audit-events/", {"person": phone_changed.pk, "verb": "person.update"})
    assert r.status_code == 200
    body = r.content.decode()
    assert NEW not in body and OLD not in body
    rows = r.json()["results"]
    assert [e["data"]["after"]["phone"] for e in rows] == [NEW_MASK, OLD_MASK]
    assert rows[0]["data"]["before"]["phone"] == OLD_MASK
    one = c.get(f"/api/audit-events/{rows[0]['id']}/")
    assert one.json()["data"]["after"]["phone"] == NEW_MASK and NEW not in one.content.decode()
    # Masked values disclose nothing: no access row (as a list page of masked ID numbers writes none).
    assert not PersonalDataAccess.objects.filter(actor=users.auditor).exists()


def test_a_role_with_the_id_right_sees_full_phones_and_the_read_is_logged_once(client_as, users, phone_changed):
    c = client_as(users.committee_admin)
    r = c.get("/api/audit-events/", {"person": phone_changed.pk, "verb": "person.update"})
    assert [e["data"]["after"]["phone"] for e in r.json()["results"]] == [NEW, OLD]
    # Two events about the same person: one access row (one INSERT per request, not per row).
    assert api_access(phone_changed, users.committee_admin).count() == 1
    c.get(f"/api/audit-events/{r.json()['results'][0]['id']}/")
    assert api_access(phone_changed, users.committee_admin).count() == 2


def test_an_id_number_stored_masked_is_no_disclosure_and_is_not_logged(client_as, users, people):
    """`person.id_number` events store the number masked (1101**********0016): reading them as the 机关党委 admin
    shows nothing more than the masked form, so no 个人信息访问记录 is written."""
    from dangjian.people.actions import do_set_id_number

    do_set_id_number(people.member_a, "110105198001010016", acting_user=users.secretary_a)
    r = client_as(users.committee_admin).get("/api/audit-events/", {"verb": "person.id_number"})
    assert [e["data"]["after"]["id_number"] for e in r.json()["results"]] == ["1101**********0016"]
    assert not PersonalDataAccess.objects.filter(actor=users.committee_admin).exists()


def test_events_without_personal_values_are_not_logged(client_as, users, people):
    do_update_person(people.member_a, job_title="科员", acting_user=users.secretary_a)
    r = client_as(users.committee_admin).get("/api/audit-events/", {"person": people.member_a.pk})
    assert r.status_code == 200 and r.json()["count"] >= 1
    assert not PersonalDataAccess.objects.filter(actor=users.committee_admin).exists()


def test_a_member_sees_their_own_phone_and_no_access_is_logged(client_as, users, phone_changed):
    r = client_as(users.member_a).get("/api/audit-events/", {"verb": "person.update"})
    assert [e["data"]["after"]["phone"] for e in r.json()["results"]] == [NEW, OLD]
    assert not PersonalDataAccess.objects.filter(actor=users.member_a).exists()


def test_the_outsider_sees_none_of_branch_as_events(client_as, users, phone_changed):
    c = client_as(users.secretary_b)
    r = c.get("/api/audit-events/", {"verb": "person.update"})
    assert r.status_code == 200 and r.json()["results"] == []
    from dangjian.core.models import AuditEvent

    pk = AuditEvent.objects.filter(person=phone_changed, verb="person.update").values_list("pk", flat=True)[0]
    assert c.get(f"/api/audit-events/{pk}/").status_code == 404
    assert NEW not in c.get("/api/audit-events/").content.decode()


# --- queries do not grow with rows ---------------------------------------------------------------------------
def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def _more_changes(people, users, n):
    for i in range(n):
        do_update_person(people.member_a, phone=f"1360000{i:04d}", acting_user=users.secretary_a)
        do_update_person(people.secretary_a, phone=f"1350000{i:04d}", acting_user=users.secretary_a)


@pytest.mark.parametrize("who", ["auditor", "committee_admin"])
def test_the_api_list_costs_the_same_queries_for_more_rows(client_as, people, users, phone_changed, who,
                                                           django_assert_max_num_queries):
    c = client_as(getattr(users, who))
    small = _count(c, "/api/audit-events/")
    _more_changes(people, users, 12)
    with django_assert_max_num_queries(small):
        r = c.get("/api/audit-events/")
    assert r.json()["count"] > 24


@pytest.mark.parametrize("who", ["auditor", "secretary_a"])
def test_the_history_page_costs_the_same_queries_for_more_rows(client_as, people, users, phone_changed, who,
                                                               django_assert_max_num_queries):
    c = client_as(getattr(users, who))
    url = reverse("people:person_history", kwargs={"pk": people.member_a.pk})
    small = _count(c, url)
    _more_changes(people, users, 12)
    with django_assert_max_num_queries(small):
        page = c.get(url).content.decode()
    assert ("136****0011" in page) == (who == "auditor")
