"""The review of issue 9's privacy app: each test fails on the defect it names."""
import datetime as dt
import io
import json
import zipfile
from decimal import Decimal as D_

import pytest
from django.apps import apps
from django.db import connection, models
from django.urls import reverse

from dangjian.core.permissions import VIEW_ID_NUMBER, can_in_org
from dangjian.people.actions import do_update_person
from dangjian.people.models import Person
from dangjian.privacy import export
from dangjian.privacy.actions import anonymise_expired, do_anonymise_person, do_export_person_data, expired
from dangjian.privacy.models import Anonymisation, PersonalDataAccess

pytestmark = pytest.mark.django_db
D = dt.date
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


# --- 1. 身份证号查询 is not an oracle ---------------------------------------------------------------------
def test_a_reader_without_the_id_right_cannot_recover_a_number_from_the_mask_by_searching(client_as, people, users):
    assert not can_in_org(users.auditor, VIEW_ID_NUMBER, people.member_a.org)
    c = client_as(users.auditor)
    d = c.get(f"/api/people/{people.member_a.pk}/").json()
    masked, birth = d["id_number_masked"], d["birth_date"]
    found = []
    for xx in range(100):       # the two hidden area digits; the check digit leaves ~10 candidates
        body = masked[:4] + f"{xx:02d}" + birth.replace("-", "") + masked[-4:-1]
        if CHECK[sum(int(a) * w for a, w in zip(body, W)) % 11] != masked[-1]:
            continue
        if "李红梅" in c.get("/people/", {"q": body + masked[-1]}).content.decode():
            found.append(body)
        if c.get("/api/people/", {"q": body + masked[-1]}).json()["count"]:
            found.append(body)
    assert found == []
    assert c.get("/api/people/", {"q": "李红"}).json()["count"] == 1      # (the name search still works)


def test_the_secretary_finds_by_id_number_and_each_search_is_an_access_record(client_as, people, users):
    c = client_as(users.secretary_a)
    before = PersonalDataAccess.objects.filter(purpose="id_search").count()
    assert "李红梅" in c.get("/people/", {"q": "110105198001010016"}).content.decode()
    assert c.get("/api/people/", {"q": "110105198001010016"}).json()["count"] == 1
    rows = PersonalDataAccess.objects.filter(purpose="id_search")
    assert rows.count() == before + 2 and set(rows.values_list("person_id", flat=True)) == {people.member_a.pk}
    assert set(rows.values_list("actor_id", flat=True)) == {users.secretary_a.pk}


# --- 2. the export holds the person's data, not what they entered about others ----------------------------
def test_a_secretarys_export_holds_no_data_of_the_members_they_recorded(people, users):
    from dangjian.dues.actions import do_set_base
    from dangjian.people.actions import do_reveal_id_number

    do_update_person(people.member_a, phone="13700001111", acting_user=users.secretary_a)
    do_set_base(people.member_a, start=D(2025, 1, 1), base=D_("8765.43"), acting_user=users.secretary_a)
    do_reveal_id_number(people.member_a, acting_user=users.secretary_a)
    content, _ = do_export_person_data(None, people.secretary_a)
    text = zipfile.ZipFile(io.BytesIO(content)).read("data.json").decode()
    # a salary base with its cents: a bare "8765" can turn up inside a timestamp's microseconds
    for needle in ("13700001111", "8765.43", "110105198001010016", "李红梅"):
        assert needle not in text, needle
    data = json.loads(text)
    # what the secretary entered is counted, per kind, never copied
    assert data["records"]["dues.duesbase"] == {**data["records"]["dues.duesbase"], "rows": [],
                                                "recorded": {"created_by": 1}}
    assert data["records"]["core.auditevent"]["recorded"]["actor"] >= 3
    # …and the member's own export does hold them
    content, _ = do_export_person_data(None, people.member_a)
    text = zipfile.ZipFile(io.BytesIO(content)).read("data.json").decode()
    assert "13700001111" in text and "8765.43" in text


def test_every_relation_is_classified_as_subject_or_recorder():
    # A new model with a key to Person or to the account must say which it is (the export copies only the first).
    keys = {rel.key for rel in export.relations()}
    assert keys - (export.SUBJECT | export.RECORDER) == set()
    assert export.SUBJECT & export.RECORDER == set()


def test_the_export_is_a_constant_number_of_queries_per_kind(tree, people, users, django_assert_max_num_queries):
    from django.test.utils import CaptureQueriesContext

    from dangjian.orglife.models import Talk

    def count():
        with CaptureQueriesContext(connection) as c:
            export.collect(people.member_a)
        return len(c.captured_queries)

    base = count()
    Talk.objects.bulk_create([Talk(org=tree.a, a=people.secretary_a, b=people.member_a,
                                   date=D(2020, 1, 1) + dt.timedelta(days=i)) for i in range(30)])
    assert count() <= base + 1


# --- 3. nothing identifying is left anywhere after anonymisation ------------------------------------------
def hits(needles):
    """Every (table, column, needle) where a needle appears in any text or JSON column of any model's table."""
    found = []
    with connection.cursor() as c:
        for m in apps.get_models():
            if m._meta.proxy or not m._meta.managed:
                continue
            cols = [f.column for f in m._meta.concrete_fields
                    if f.get_internal_type() in ("CharField", "TextField", "JSONField", "FileField", "SlugField",
                                                 "EmailField", "GenericIPAddressField")]
            if not cols:
                continue
            c.execute("SELECT %s FROM %s" % (", ".join(connection.ops.quote_name(x) for x in cols),
                                             connection.ops.quote_name(m._meta.db_table)))
            for row in c.fetchall():
                for col, value in zip(cols, row):
                    for n in needles:
                        if n and value is not None and n in str(value):
                            found.append((m._meta.db_table, col, n, str(value)[:120]))
    return found


def test_an_applicant_leaves_no_trace_after_anonymisation(tree, people, users):
    from conftest import _person
    from dangjian.recruitment.actions import do_open_file, do_stop_cultivation

    applicant = _person(tree.a, "何平安", "110105199001010010", status="applicant", probationary_date=None,
                        full_member_date=None, application_date=D(2015, 3, 1), phone="13912345678")
    f = do_open_file(person=applicant, application_date=D(2015, 3, 1), acting_user=users.secretary_a)
    do_stop_cultivation(f, on=D(2015, 6, 1), basis="withdrawn", reason="何平安本人撤回申请",
                        acting_user=users.secretary_a)
    digest = Person.objects.get(pk=applicant.pk).id_number_digest
    assert [p.name for p, _ in expired(D(2026, 11, 27))] == ["何平安"]
    do_anonymise_person(applicant, as_of=D(2026, 11, 27))
    assert hits(["何平安", "13912345678", "110105199001010010", digest]) == []


def test_a_transferred_member_leaves_no_trace_after_anonymisation(tree, people, users):
    from dangjian.membership.actions import do_confirm_report, do_issue_transfer_out
    from dangjian.orglife.actions import do_record_talk

    do_update_person(people.member_a, phone="13700001111", job_title="科长", acting_user=users.secretary_a)
    do_update_person(people.member_a, name="李红美", acting_user=users.secretary_a)       # a former name
    do_record_talk(a=people.secretary_a, b=people.member_a, date=D(2021, 1, 2), topic="李红美家庭情况",
                   acting_user=users.secretary_a)
    t = do_issue_transfer_out(people.member_a, to_name="外省某县党支部", letter_no="（2021）第088号",
                              letter_date=D(2021, 11, 20), acting_user=users.secretary_a)
    do_confirm_report(t, reported_on=D(2021, 11, 27), acting_user=users.secretary_a)
    p = Person.objects.get(pk=people.member_a.pk)
    digest = p.id_number_digest
    _, done = do_anonymise_person(p, as_of=D(2026, 11, 27))
    assert done
    assert hits(["李红梅", "李红美", "13700001111", "110105198001010016", digest, "member_a", "科长",
                 "第088号"]) == []
    assert Person.objects.get(pk=people.secretary_a.pk).name == "王建国"      # (the other party is untouched)


# --- 5. an applicant in the pipeline is never anonymised because the record is old ------------------------
def test_an_applicant_without_a_closed_file_is_kept_however_old_the_record(tree, users):
    from conftest import _person

    applicant = _person(tree.a, "何平", status="applicant", probationary_date=None, full_member_date=None,
                        application_date=D(2015, 3, 1))
    Person.objects.filter(pk=applicant.pk).update(
        status_since=D(2015, 3, 1), updated=dt.datetime(2015, 3, 1, tzinfo=dt.timezone.utc))
    assert expired(D(2026, 11, 27)) == []


# --- 7. the re-entry bar's ID index goes once the bar has ended -------------------------------------------
def test_the_disposition_id_index_is_blanked_once_the_reentry_bar_ends(people, users):
    from dangjian.dispositions.models import Disposition

    d = Disposition.objects.create(org=people.member_a.org, person=people.member_a, opened=D(2015, 1, 1),
                                   reentry_barred_until=D(2021, 1, 1), id_number_digest="x" * 64)
    kept = Disposition.objects.create(org=people.member_a.org, person=people.member_a, opened=D(2024, 1, 1),
                                      reentry_barred_until=D(2029, 1, 1), id_number_digest="y" * 64)
    anonymise_expired(as_of=D(2026, 11, 27))
    d.refresh_from_db()
    kept.refresh_from_db()
    assert d.id_number_digest == "" and kept.id_number_digest == "y" * 64


# --- 8/9. a working account is reported, not disabled; one refusal does not stop the run --------------------
def test_an_admin_account_is_skipped_and_reported_and_the_others_still_go(tree, people, users):
    from dangjian.people.actions import do_change_status

    sec = do_change_status(people.secretary_a, "transferred_out", on=D(2021, 1, 1), acting_user=users.wc_admin)
    mem = do_change_status(people.member_a, "transferred_out", on=D(2021, 1, 1), acting_user=users.wc_admin)
    result = anonymise_expired(as_of=D(2026, 11, 27))
    assert result.done == 1 and [pk for pk, _ in result.skipped] == [sec.pk]
    assert "管理角色" in result.skipped[0][1] and "跳过 1 人" in str(result)
    assert Anonymisation.objects.filter(person=mem).exists() and not Anonymisation.objects.filter(person=sec).exists()
    users.secretary_a.refresh_from_db()
    assert users.secretary_a.is_active


def test_no_role_ends_before_it_started(tree, people, users):
    from dangjian.people.actions import do_change_status

    mem = do_change_status(people.member_a, "transferred_out", on=D(2021, 1, 1), acting_user=users.wc_admin)
    ra = users.member_a.role_assignments.get()
    type(ra).objects.filter(pk=ra.pk).update(start=D(2020, 1, 1))
    later = type(ra).objects.create(user=users.member_a, role="member", org=tree.committee,
                                    start=D(2027, 1, 1))
    do_anonymise_person(mem, as_of=D(2026, 11, 27))
    ra.refresh_from_db()
    assert ra.end == D(2026, 11, 26)
    assert not type(ra).objects.filter(pk=later.pk).exists()        # never took effect: removed, not end < start
    assert not type(ra).objects.filter(end__lt=models.F("start")).exists()


# --- 4/11. filters never 500; an invalid filter shows no rows ------------------------------------------------
BAD = ["-6.8e+161", "1e30", "99999999999999999999999", "9.5", "-1", "NaN", "0"]


@pytest.mark.parametrize("url", [
    "/api/privacy/access/?person={v}", "/api/privacy/access/?actor={v}", "/privacy/access/?person={v}",
    "/privacy/access/?actor={v}", "/api/dispositions/?person={v}", "/api/dispositions/?year={v}",
    "/api/meetings/?year={v}", "/api/talks/?year={v}", "/dispositions/?person={v}", "/dispositions/?year={v}",
    "/orglife/meetings/?year={v}", "/orglife/talks/?year={v}", "/api/people/?within={v}", "/api/orgs/?within={v}",
])
def test_numeric_filters_never_fail(client_as, users, url):
    c = client_as(users.wc_admin)
    for v in BAD:
        r = c.get(url.format(v=v))
        assert r.status_code in (200, 400), (v, r.status_code)
        if url.startswith("/api/") and r.status_code == 400:
            assert any("请输入" in str(m) for m in r.json().values()), r.json()
    r = c.get(url.format(v="9.5"))
    if url.startswith("/api/"):
        assert r.status_code == 400           # never silently 9


def test_an_invalid_filter_on_the_access_log_shows_no_rows(client_as, people, users):
    c = client_as(users.secretary_a)
    c.get(reverse("people:person_detail", kwargs={"pk": people.member_a.pk}))
    page = c.get(reverse("privacy:access_list"), {"person": "9.5"}).content.decode()
    assert "筛选条件有误" in page and "共 1 条" not in page


def test_a_member_sees_who_viewed_them_by_name_and_purpose_only(client_as, people, users):
    client_as(users.secretary_a).get(reverse("people:person_detail", kwargs={"pk": people.member_a.pk}),
                                     REMOTE_ADDR="10.9.8.7")
    page = client_as(users.member_a).get(reverse("privacy:access_list")).content.decode()
    assert "人员详情" in page and "王建国" in page
    assert "10.9.8.7" not in page and "客户端地址" not in page and "请求编号" not in page


# --- 6. disclosures that were not logged -------------------------------------------------------------------
def test_a_djx_export_logs_every_exported_person(client_as, tree, people, users):
    r = client_as(users.secretary_a).get(reverse("djx_export"), {"org": tree.a.pk})
    assert r.status_code == 200
    rows = PersonalDataAccess.objects.filter(purpose="djx_export")
    assert set(rows.values_list("person_id", flat=True)) == {people.secretary_a.pk, people.member_a.pk}
    assert set(rows.values_list("actor_id", flat=True)) == {users.secretary_a.pk}


def test_the_djx_export_command_logs_too(people, users, tmp_path):
    from django.core.management import call_command

    call_command("export", "-o", str(tmp_path / "x.json"), stderr=io.StringIO())
    assert PersonalDataAccess.objects.filter(purpose="djx_export", channel="cli").count() == 4


def test_reading_a_persons_history_is_logged(client_as, people, users):
    do_update_person(people.member_a, phone="13700001111", acting_user=users.secretary_a)
    r = client_as(users.auditor).get(reverse("people:person_history", kwargs={"pk": people.member_a.pk}))
    assert r.status_code == 200
    assert PersonalDataAccess.objects.filter(purpose="history", person=people.member_a,
                                             actor=users.auditor).count() == 1


def test_the_answer_of_an_api_update_is_logged(client_as, people, users):
    r = client_as(users.secretary_a).patch(f"/api/people/{people.member_a.pk}/", {"phone": "13700002222"},
                                           content_type="application/json")
    assert r.status_code == 200
    assert PersonalDataAccess.objects.filter(purpose="api_read", person=people.member_a).count() == 1


def test_a_removed_persons_reentry_bar_outlives_their_deidentification(people, users):
    from dangjian.dispositions.models import Disposition
    from dangjian.people.actions import do_change_status

    p = do_change_status(people.member_a, "removed", on=D(2021, 1, 1), reason="党员大会决定除名",
                         acting_user=users.wc_admin)
    d = Disposition.objects.create(org=p.org, person=p, opened=D(2020, 12, 1), reentry_barred_until=D(2027, 1, 1),
                                   id_number_digest=p.id_number_digest)
    do_anonymise_person(p, as_of=D(2026, 11, 27))
    d.refresh_from_db()
    assert d.id_number_digest and d.id_number_digest == people.member_a.id_number_digest
    anonymise_expired(as_of=D(2027, 1, 1))
    d.refresh_from_db()
    assert d.id_number_digest == ""
