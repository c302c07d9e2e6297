"""Excel 党员花名册 (issue 2, item 7): a template with drop-downs; upload → preview with row-level
errors → atomic commit (one bad row imports nothing); re-importing the same sheet updates the
people it names by 公民身份号码 instead of duplicating them; export of a subtree, masked by role."""
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.core import crypto
from dangjian.core.models import AuditEvent
from dangjian.people import roster
from dangjian.people.actions import RosterImportError
from dangjian.people.models import Person

BRANCH_A = "中共市交通运输局机关委员会/第一党支部"
BRANCH_B = "中共市交通运输局机关委员会/第二党支部"


def id_number(birth: dt.date, seq: int, region: str = "110105") -> str:
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + crypto.id_check_digit(first17)


def row(name, number, org=BRANCH_A, status="正式党员", **extra):
    r = {"姓名": name, "公民身份号码": number, "所在党组织": org, "党籍状态": status,
         "入党日期": "2015-07-01", "转正日期": "2016/07/01"}
    r.update(extra)
    return r


def sheet(*rows) -> io.BytesIO:
    return io.BytesIO(roster.write_rows(rows))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


NEW_1 = id_number(dt.date(1988, 5, 4), 13)   # odd 17th digit: 男
NEW_2 = id_number(dt.date(1992, 11, 30), 24)  # even: 女
NEW_3 = id_number(dt.date(1979, 2, 1), 35)


# --- the template ------------------------------------------------------------------------------
def test_template_downloads_with_drop_downs_and_instructions(users, client_as):
    r = client_as(users.secretary_a).get("/people/roster/template.xlsx")
    assert r.status_code == 200
    assert r["Content-Type"] == roster.XLSX_CONTENT_TYPE
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["党员花名册", "选项", "填写说明"]
    ws = wb["党员花名册"]
    headers = [c.value for c in ws[1]]
    for h in ("序号", "姓名", "性别", "民族", "出生日期", "公民身份号码", "学历", "人员类别", "所在党组织",
              "入党日期", "转正日期", "工作单位及职务", "联系电话", "党籍状态", "是否失联", "是否流动"):
        assert h in headers
    assert wb["选项"].sheet_state == "hidden"
    options = {col[0].value: [c.value for c in col[1:] if c.value] for col in wb["选项"].iter_cols()}
    # The org list holds what secretary_a may import into: branch A, not the sibling branch B.
    assert options["所在党组织"] == [BRANCH_A]
    assert options["性别"] == ["男", "女"]
    assert "正式党员" in options["党籍状态"]
    validated = {headers[ws[str(dv.sqref).split(":")[0]].column - 1] for dv in ws.data_validations.dataValidation}
    assert {"性别", "学历", "人员类别", "党籍状态", "所在党组织", "是否失联", "是否流动"} <= validated
    assert "所在党组织" in "".join(c.value or "" for c in wb["填写说明"]["A"])


def test_only_org_admins_may_import(users, client_as):
    for user in (users.member_a, users.auditor):
        c = client_as(user)
        assert c.get("/people/roster/template.xlsx").status_code == 403
        assert c.get("/people/roster/import/").status_code == 403


# --- parse, preview, commit --------------------------------------------------------------------
def test_valid_sheet_imports_through_preview_and_confirm(users, client_as):
    c = client_as(users.secretary_a)
    f = sheet(row("张伟", NEW_1, 联系电话="13800000000", 学历="大学本科", 工作单位及职务="市交通运输局 科员"),
              row("刘芳", NEW_2, status="预备党员", 转正日期=None, 入党日期=dt.date(2025, 3, 1)))
    f.name = "花名册.xlsx"
    r = c.post("/people/roster/import/", {"file": f})
    assert r.status_code == 302
    page = c.get(r["Location"])
    html = page.content.decode()
    assert "新增 <strong>2</strong> 人" in html and "确认导入" in html
    assert NEW_1 not in html  # masked in the preview
    token = r["Location"].rstrip("/").split("/")[-1]
    stored = next((roster._imports_dir()).glob("*.json")).read_text()
    assert NEW_1 not in stored  # the stored preview is encrypted (it holds ID numbers)

    r = c.post(f"/people/roster/import/{token}/commit/")
    assert r.status_code == 302
    zhang = Person.objects.by_id_number(NEW_1).get()
    assert (zhang.name, zhang.org.name, zhang.status, zhang.gender) == ("张伟", "第一党支部", "full", "male")
    assert zhang.birth_date == dt.date(1988, 5, 4)  # taken from the ID number
    assert zhang.full_member_date == dt.date(2016, 7, 1) and zhang.education == "大学本科"
    assert zhang.unit.name == "市交通运输局" and zhang.job_title == "科员"
    assert zhang.id_number_encrypted.startswith("v1:") and NEW_1 not in zhang.id_number_encrypted
    assert abs(timezone.now() - zhang.created) < dt.timedelta(minutes=5)
    liu = Person.objects.by_id_number(NEW_2).get()
    assert (liu.status, liu.gender, liu.probationary_date) == ("probationary", "female", dt.date(2025, 3, 1))
    summary = AuditEvent.objects.get(verb="person.import")
    assert summary.summary == "导入花名册：新增 2 人，更新 0 人"
    events = AuditEvent.objects.filter(verb="person.create", person=zhang)
    assert events.count() == 1
    assert NEW_1 not in str(events.get().data) and crypto.mask_id_number(NEW_1) in str(events.get().data)
    assert not list(roster._imports_dir().glob("*.json"))  # the preview is gone once used


def test_one_bad_row_imports_nothing_and_errors_name_row_and_column(users):
    bad = NEW_3[:-1] + ("0" if NEW_3[-1] != "0" else "1")
    preview = roster.parse_workbook(sheet(row("张伟", NEW_1), row("刘芳", bad), row("陈静", NEW_2, 出生日期="1990-01-01")),
                                    org_scope_user=users.secretary_a)
    assert preview.has_errors
    assert [r.action for r in preview.rows] == ["create", "error", "error"]
    assert "第3行 公民身份号码：校验码错误，请核对后重新输入" in preview.errors
    assert "第4行 出生日期：与公民身份号码中的出生日期不一致" in preview.errors
    before = Person.objects.count()
    with pytest.raises(RosterImportError):
        roster.commit(preview, acting_user=users.secretary_a)
    # Even handing the rows straight to the action: the valid first row is not written alone.
    with pytest.raises(RosterImportError):
        from dangjian.people.actions import do_import_roster
        do_import_roster([preview.rows[0].action_row(),
                          {**preview.rows[2].action_row(), "id_number": NEW_2}], acting_user=users.secretary_a)
    assert Person.objects.count() == before
    assert not Person.objects.by_id_number(NEW_1).exists()


def test_preview_page_shows_errors_and_no_confirm_button(users, client_as):
    c = client_as(users.secretary_a)
    f = sheet(row("张伟", NEW_1, 性别="男", 入党日期="2015年13月1日"))
    f.name = "a.xlsx"
    page = c.get(c.post("/people/roster/import/", {"file": f})["Location"])
    html = page.content.decode()
    assert "第2行 入党日期：" in html and "确认导入" not in html


def test_reimporting_the_same_sheet_updates_instead_of_duplicating(users):
    f = roster.write_rows([row("张伟", NEW_1, 联系电话="13800000000"), row("刘芳", NEW_2)])
    first = roster.commit(roster.parse_workbook(io.BytesIO(f), org_scope_user=users.secretary_a),
                          acting_user=users.secretary_a)
    assert (first.created, first.updated) == (2, 0)
    count = Person.objects.count()

    again = roster.parse_workbook(io.BytesIO(f), org_scope_user=users.secretary_a)
    assert [r.action for r in again.rows] == ["same", "same"]
    roster.commit(again, acting_user=users.secretary_a)

    changed = roster.parse_workbook(sheet(row("张伟", NEW_1, 联系电话="13911112222")), org_scope_user=users.secretary_a)
    assert [(r.action, r.changes) for r in changed.rows] == [("update", ["联系电话"])]
    result = roster.commit(changed, acting_user=users.secretary_a)
    assert (result.created, result.updated) == (0, 1)
    assert Person.objects.count() == count
    zhang = Person.objects.by_id_number(NEW_1).get()
    assert zhang.phone == "13911112222" and zhang.name == "张伟"
    ev = AuditEvent.objects.get(verb="person.update", person=zhang)
    assert ev.data["before"] == {"phone": "13800000000"} and ev.data["after"] == {"phone": "13911112222"}


def test_update_changes_only_the_columns_present(users, people):
    # member_a is already registered; a sheet with just 姓名, 公民身份号码, 联系电话 changes only the phone.
    f = io.BytesIO(roster._workbook([], org_labels=[]))
    wb = load_workbook(f)
    ws = wb["党员花名册"]
    ws.delete_rows(1)
    ws.append(["姓名", "公民身份号码", "联系电话"])
    ws.append(["李红梅", "110105198001010016", "010-12345678"])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    preview = roster.parse_workbook(out, org_scope_user=users.secretary_a)
    assert [(r.action, r.changes) for r in preview.rows] == [("update", ["联系电话"])]
    roster.commit(preview, acting_user=users.secretary_a)
    people.member_a.refresh_from_db()
    assert people.member_a.phone == "010-12345678"
    assert (people.member_a.status, people.member_a.org_id) == ("full", people.secretary_a.org_id)


def test_out_of_scope_org_is_an_error_that_does_not_reveal_it_exists(users):
    preview = roster.parse_workbook(sheet(row("张伟", NEW_1, org=BRANCH_B), row("刘芳", NEW_2, org="不存在的党支部")),
                                    org_scope_user=users.secretary_a)
    errors = preview.errors
    assert errors == ["第2行 所在党组织：不在您可导入的组织范围内，请从下拉列表中选择",
                      "第3行 所在党组织：不在您可导入的组织范围内，请从下拉列表中选择"]
    # The committee admin covers both branches: the same row is fine for them.
    ok = roster.parse_workbook(sheet(row("张伟", NEW_1, org=BRANCH_B)), org_scope_user=users.committee_admin)
    assert not ok.has_errors and ok.rows[0].action == "create"


def test_a_number_registered_outside_the_scope_is_not_touched(users, people):
    from dangjian.people.actions import do_set_id_number

    do_set_id_number(people.member_b, NEW_3)
    preview = roster.parse_workbook(sheet(row("孙丽", NEW_3, 联系电话="13000000000")), org_scope_user=users.secretary_a)
    assert preview.rows[0].action == "error"
    assert "管理范围以外" in preview.errors[0] and "第二党支部" not in preview.errors[0]


def test_status_changes_follow_the_rules(users, people):
    # member_a is 正式党员: 入党申请人 is not a status she can go back to; 停止党籍 needs the person page.
    bad = roster.parse_workbook(sheet(row("李红梅", "110105198001010016", status="入党申请人"),
                                      row("王建国", "11010519491231002X", status="停止党籍")),
                                org_scope_user=users.secretary_a)
    assert bad.errors[0].startswith("第2行 党籍状态：正式党员不能直接变为入党申请人（可变为：")
    assert bad.errors[1].startswith("第3行 党籍状态：停止党籍须在人员页面办理")
    # 预备党员 → 正式党员 is the normal 转正.
    roster.commit(roster.parse_workbook(sheet(row("刘芳", NEW_2, status="预备党员", 转正日期=None)),
                                        org_scope_user=users.secretary_a), acting_user=users.secretary_a)
    up = roster.parse_workbook(sheet(row("刘芳", NEW_2, status="正式党员", 转正日期="2016.07.01")),
                               org_scope_user=users.secretary_a)
    assert up.rows[0].action == "update", up.errors
    roster.commit(up, acting_user=users.secretary_a)
    liu = Person.objects.by_id_number(NEW_2).get()
    assert (liu.status, liu.full_member_date, liu.status_since) == ("full", dt.date(2016, 7, 1), dt.date(2016, 7, 1))


def test_same_person_twice_in_one_sheet(users):
    preview = roster.parse_workbook(sheet(row("张伟", NEW_1), row("张伟", NEW_1), row("刘芳", NEW_2)),
                                    org_scope_user=users.secretary_a)
    assert preview.errors == ["第2行 公民身份号码：与第3行重复，同一人只能填写一行",
                              "第3行 公民身份号码：与第2行重复，同一人只能填写一行"]


def test_cells_as_a_party_worker_types_them(users):
    wb = load_workbook(io.BytesIO(roster.write_rows([
        row("张伟", NEW_1, 入党日期=dt.datetime(2015, 7, 1), 转正日期="2016.7.1", 是否失联="是", 是否流动="否",
            党员领导干部="是", 性别="男", 党费类别="离退休"),
        row("刘芳", 110105199211300246, 学历="硕士"),
    ])))
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    preview = roster.parse_workbook(out, org_scope_user=users.secretary_a)
    first, second = preview.rows
    assert first.action == "create", first.errors
    assert first.fields["probationary_date"] == "2015-07-01" and first.fields["full_member_date"] == "2016-07-01"
    assert first.fields["lost_contact"] is True and first.fields["leading_cadre"] is True
    assert second.errors == ["第3行 公民身份号码：被 Excel 存成了数字（末几位会丢失），请把该列设为“文本”格式后重新填写"]
    with pytest.raises(RosterImportError):
        roster.commit(preview, acting_user=users.secretary_a)
    first_only = roster.parse_workbook(sheet(row("张伟", NEW_1, 是否失联="是")), org_scope_user=users.secretary_a)
    roster.commit(first_only, acting_user=users.secretary_a)
    assert Person.objects.by_id_number(NEW_1).get().lost_contact_since is not None


def test_uploads_that_are_not_a_roster(users, client_as, monkeypatch):
    from dangjian.people import roster_views
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_as(users.secretary_a)
    r = c.post("/people/roster/import/", {"file": SimpleUploadedFile("a.xls", b"\xd0\xcf\x11\xe0")})
    assert r.status_code == 400 and "只能上传 .xlsx" in r.content.decode()
    r = c.post("/people/roster/import/", {"file": SimpleUploadedFile("a.xlsx", b"not a zip")})
    assert r.status_code == 400 and "无法读取该文件" in r.content.decode()
    monkeypatch.setattr(roster_views, "MAX_UPLOAD", 100)
    r = c.post("/people/roster/import/", {"file": SimpleUploadedFile("a.xlsx", b"x" * 101)})
    assert r.status_code == 400 and "超过 20 MB" in r.content.decode()


def test_a_preview_belongs_to_the_user_who_uploaded_it(users, client_as):
    f = sheet(row("张伟", NEW_1))
    f.name = "a.xlsx"
    loc = client_as(users.secretary_a).post("/people/roster/import/", {"file": f})["Location"]
    other = client_as(users.committee_admin)
    assert other.get(loc).status_code == 404
    assert other.post(loc + "commit/").status_code == 404
    assert not Person.objects.by_id_number(NEW_1).exists()


def test_one_engine_run_for_the_whole_import(users, django_capture_on_commit_callbacks):
    preview = roster.parse_workbook(sheet(row("张伟", NEW_1), row("刘芳", NEW_2)), org_scope_user=users.secretary_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        roster.commit(preview, acting_user=users.secretary_a)
    assert len(callbacks) == 1


# --- export ------------------------------------------------------------------------------------
def _rows(content):
    ws = load_workbook(io.BytesIO(content))["党员花名册"]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, values)) for values in ws.iter_rows(min_row=2, values_only=True)]


def test_outsider_cannot_export_branch_a(users, client_as, tree):
    c = client_as(users.secretary_b)
    assert c.get(f"/people/roster/export.xlsx?within={tree.a.pk}").status_code == 404
    own = _rows(c.get("/people/roster/export.xlsx").content)
    assert {r["姓名"] for r in own} == {"赵志强", "孙丽"}


def test_export_masks_id_numbers_for_the_auditor_and_logs_it(users, client_as, tree):
    r = client_as(users.auditor).get(f"/people/roster/export.xlsx?within={tree.a.pk}")
    assert r.status_code == 200
    rows = {x["姓名"]: x for x in _rows(r.content)}
    assert set(rows) == {"王建国", "李红梅"}
    assert rows["李红梅"]["公民身份号码"] == "1101**********0016"
    assert rows["李红梅"]["所在党组织"] == BRANCH_A and rows["李红梅"]["党籍状态"] == "正式党员"
    ev = AuditEvent.objects.get(verb="person.export")
    assert ev.summary == "导出花名册 2 人（身份证号已脱敏）" and ev.actor == users.auditor

    full = {x["姓名"]: x for x in _rows(client_as(users.secretary_a).get("/people/roster/export.xlsx").content)}
    assert full["李红梅"]["公民身份号码"] == "110105198001010016"
    assert AuditEvent.objects.filter(verb="person.export", summary__contains="含完整公民身份号码 2 人").exists()


def test_export_filters_and_round_trip(users, client_as, tree):
    c = client_as(users.secretary_a)
    only = _rows(c.get(f"/people/roster/export.xlsx?within={tree.a.pk}&q=李红梅").content)
    assert [r["姓名"] for r in only] == ["李红梅"]
    # An exported sheet goes straight back in without changing anything.
    content = c.get(f"/people/roster/export.xlsx?within={tree.a.pk}").content
    preview = roster.parse_workbook(io.BytesIO(content), org_scope_user=users.secretary_a)
    assert not preview.has_errors, preview.errors
    assert [r.action for r in preview.rows] == ["same", "same"]


# --- scale -------------------------------------------------------------------------------------
def test_two_thousand_rows_take_a_fixed_number_of_queries(users, django_assert_max_num_queries):
    # A per-row query would show up as thousands; batches of 900 (SQLite's parameter bound) as a few.
    base = dt.date(1970, 1, 1)
    rows = [row(f"党员{i}", id_number(base + dt.timedelta(days=i), i % 1000)) for i in range(2000)]
    data = roster.write_rows(rows)
    with django_assert_max_num_queries(15):
        preview = roster.parse_workbook(io.BytesIO(data), org_scope_user=users.secretary_a)
    assert not preview.has_errors and preview.count("create") == 2000
    with django_assert_max_num_queries(25):
        result = roster.commit(preview, acting_user=users.secretary_a)
    assert result.created == 2000
    assert AuditEvent.objects.filter(verb="person.create", person__name__startswith="党员").count() == 2000

    changed = roster.write_rows([{**r, "联系电话": f"139{i:08d}"} for i, r in enumerate(rows)])
    with django_assert_max_num_queries(15):
        again = roster.parse_workbook(io.BytesIO(changed), org_scope_user=users.secretary_a)
    assert again.count("update") == 2000
    with django_assert_max_num_queries(25):
        result = roster.commit(again, acting_user=users.secretary_a)
    assert (result.created, result.updated) == (0, 2000)
    assert Person.objects.filter(phone__startswith="139").count() == 2000
    assert Person.objects.by_id_number(rows[7]["公民身份号码"]).get().phone == "13900000007"


def test_the_fast_reader_reads_what_openpyxl_reads(users):
    """The streaming reader (used for speed) and openpyxl agree on text, numbers, dates, booleans,
    shared and inline strings, and gaps."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "党员花名册"
    ws.append(["姓名", "公民身份号码", "入党日期", "数字", "布尔"])
    ws.append(["张伟", NEW_1, dt.datetime(2015, 7, 1), 3.5, True])
    ws.append([])
    ws.append(["刘芳", None, "2016/07/01", 12, False])
    out = io.BytesIO()
    wb.save(out)
    def present(rows):
        out = {}
        for n, values in rows:
            values = list(values)
            while values and values[-1] is None:
                values.pop()
            if values:
                out[n] = tuple(values)
        return out

    fast_title, fast = roster._sheet_rows(io.BytesIO(out.getvalue()))
    slow_title, slow = roster._openpyxl_rows(io.BytesIO(out.getvalue()))
    assert fast_title == slow_title == "党员花名册"
    fast, slow = present(fast), present(slow)
    assert fast == slow
    assert fast[2] == ("张伟", NEW_1, dt.datetime(2015, 7, 1), 3.5, True)
    assert fast[4] == ("刘芳", None, "2016/07/01", 12, False)


def test_a_preview_that_went_stale_imports_nothing(users, client_as, people):
    """Between preview and 确认导入 someone registered one of the numbers in branch B: the commit
    re-checks everything, refuses the whole sheet and says why."""
    from dangjian.people.actions import do_set_id_number

    c = client_as(users.secretary_a)
    assert "下载花名册模板" in c.get("/people/roster/import/").content.decode()
    f = sheet(row("张伟", NEW_1), row("刘芳", NEW_2))
    f.name = "a.xlsx"
    loc = c.post("/people/roster/import/", {"file": f})["Location"]
    do_set_id_number(people.member_b, NEW_2)
    r = c.post(loc + "commit/", follow=True)
    html = r.content.decode()
    assert "第3行 公民身份号码：该号码已在您管理范围以外的组织登记" in html
    assert not Person.objects.by_id_number(NEW_1).exists()


def test_export_does_not_query_per_person(users, client_as, tree, django_assert_max_num_queries):
    base = dt.date(1975, 1, 1)
    roster.commit(roster.parse_workbook(sheet(*[row(f"党员{i}", id_number(base + dt.timedelta(days=i), i), 工作单位及职务="市交通运输局 科员")
                                                for i in range(60)]), org_scope_user=users.secretary_a),
                  acting_user=users.secretary_a)
    c = client_as(users.secretary_a)
    with django_assert_max_num_queries(15):
        r = c.get(f"/people/roster/export.xlsx?within={tree.a.pk}")
    rows = _rows(r.content)
    by_name = {x["姓名"]: x for x in rows}
    assert len(rows) == 62 and by_name["党员59"]["工作单位及职务"] == "市交通运输局 科员"


def test_a_status_changed_by_the_roster_is_in_the_status_history(users, people, tree):
    """The 党籍状态 history (党内统计 reads it) has the roster's change too: 李红梅 (正式党员) is set to 已转出 by a
    花名册 today and restored on her page later the same day; at the end of last year she was a member of A."""
    from dangjian.partystats import tables
    from dangjian.people.actions import do_change_status

    today = timezone.localdate()
    member_a_number = "110105198001010016"
    up = roster.parse_workbook(sheet(row("李红梅", member_a_number, status="已转出")),
                               org_scope_user=users.secretary_a)
    assert up.rows[0].action == "update", up.errors
    roster.commit(up, acting_user=users.secretary_a)
    (e,) = AuditEvent.objects.filter(verb="person.status", person=people.member_a)
    assert (e.data["before"], e.data["after"], e.data["on"]) == (
        {"status": "full"}, {"status": "transferred_out"}, today.isoformat())
    do_change_status(Person.objects.get(pk=people.member_a.pk), "full", on=today)
    last_year = tables.compute(tree.a, today.year - 1, today=today).table("members")
    assert last_year.value("total") == 2          # 王建国 and 李红梅
