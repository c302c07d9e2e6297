"""题库 Excel 导入: the template downloads; a file is checked row by row first — any bad row and nothing is saved,
the error in Chinese naming the row and the column; re-importing a 题干 already in the bank updates that question."""
import io

import pytest
from openpyxl import Workbook, load_workbook

from dangjian.core.errors import ActionError
from dangjian.exams import actions
from dangjian.exams.importing import HEADERS
from dangjian.exams.models import Question


def xlsx(*rows, header=HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.title = "试题"
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def row(kind, stem, options=("甲", "乙", "丙", "丁"), answer="A", topic="党章", explanation="", material=""):
    opts = list(options) + [""] * (6 - len(options))
    return [kind, stem, *opts, answer, topic, explanation, material]


@pytest.fixture
def own_bank(tree, users):
    return actions.do_create_bank(org=tree.a, name="第一支部题库", acting_user=users.secretary_a)


def test_the_template_downloads_and_imports_as_is(client_as, users, own_bank):
    r = client_as(users.secretary_a).get("/exams/banks/template.xlsx")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    assert [c.value for c in load_workbook(io.BytesIO(r.content))["试题"][1]] == HEADERS
    assert actions.do_import_questions(own_bank, io.BytesIO(r.content), acting_user=users.secretary_a) == (3, 0)
    judge = Question.objects.get(bank=own_bank, kind="judge")
    assert (judge.options, judge.answer) == (["正确", "错误"], "A")


def test_a_bad_row_saves_nothing_and_names_row_and_column(users, own_bank):
    f = xlsx(row("单选", "党的最高领导机关是？"), row("多选", "支部的任务有哪些？", answer="AE"),
             row("单选", "第三题", answer="A"))
    with pytest.raises(ActionError) as e:
        actions.do_import_questions(own_bank, f, acting_user=users.secretary_a)
    assert "第3行“答案”列" in e.value.message and "未保存任何试题" in e.value.message
    assert not Question.objects.filter(bank=own_bank).exists()


@pytest.mark.parametrize("bad, where", [
    (row("问答", "题"), "第2行“题型”列"),
    (row("单选", "", answer="A"), "第2行“题干”列"),
    (row("单选", "题", answer="AB"), "第2行“答案”列"),
    (row("多选", "题", answer="A"), "第2行“答案”列"),
    (row("判断", "题", options=(), answer="也许"), "第2行“答案”列"),
    (row("单选", "题", options=("甲",), answer="A"), "第2行“选项B”列"),
    (row("单选", "题", topic=""), "第2行“知识点”列"),
])
def test_each_kind_of_error_is_named(users, own_bank, bad, where):
    with pytest.raises(ActionError, match=where):
        actions.do_import_questions(own_bank, xlsx(bad), acting_user=users.secretary_a)


def test_a_missing_column_is_named(users, own_bank):
    with pytest.raises(ActionError, match="缺少列：知识点"):
        actions.do_import_questions(own_bank, xlsx(header=[h for h in HEADERS if h != "知识点"]),
                                    acting_user=users.secretary_a)


def test_reimporting_the_same_stem_updates_rather_than_duplicates(users, own_bank):
    actions.do_import_questions(own_bank, xlsx(row("单选", "党的最高领导机关是？", answer="B")), acting_user=users.secretary_a)
    assert actions.do_import_questions(own_bank, xlsx(row("单选", "党的最高领导机关是？", answer="A", material="党章第十条"),
                                                      row("判断", "新题", options=(), answer="错")),
                                       acting_user=users.secretary_a) == (1, 1)
    q = Question.objects.get(bank=own_bank, stem="党的最高领导机关是？")
    assert (q.answer, q.material, Question.objects.filter(bank=own_bank).count()) == ("A", "党章第十条", 2)


def test_the_import_page_shows_the_error_and_keeps_the_bank_empty(client_as, users, own_bank):
    f = xlsx(row("单选", "题", answer="Z"))
    f.name = "题库.xlsx"
    r = client_as(users.secretary_a).post(f"/exams/banks/{own_bank.pk}/", {"file": f})
    assert r.status_code == 200
    assert "第2行“答案”列" in r.content.decode()
    assert not own_bank.questions.exists()


def test_only_the_owners_admins_import(client_as, tree, users, own_bank):
    with pytest.raises(ActionError):
        actions.do_import_questions(own_bank, xlsx(row("单选", "题")), acting_user=users.member_a)
    f = xlsx(row("单选", "题"))
    f.name = "x.xlsx"
    assert client_as(users.secretary_b).post(f"/exams/banks/{own_bank.pk}/", {"file": f}).status_code == 404


def _page_post(client_as, users, bank, f, name="题库.xlsx"):
    f.name = name
    r = client_as(users.secretary_a).post(f"/exams/banks/{bank.pk}/", {"file": f})
    return r.status_code, r.content.decode()


def test_a_long_stem_or_option_is_named_not_a_database_error(users, own_bank):
    with pytest.raises(ActionError, match="第2行“题干”列：不能超过500字"):
        actions.do_import_questions(own_bank, xlsx(row("单选", "长" * 501)), acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="第2行“选项C”列：不能超过200字"):
        actions.do_import_questions(own_bank, xlsx(row("单选", "题", options=("甲", "乙", "丙" * 201))),
                                    acting_user=users.secretary_a)
    assert actions.do_import_questions(own_bank, xlsx(row("单选", "长" * 500)), acting_user=users.secretary_a) == (1, 0)


def test_a_stem_is_kept_once_per_bank_by_its_hash(users, own_bank):
    import hashlib

    from django.db import IntegrityError, transaction

    actions.do_import_questions(own_bank, xlsx(row("单选", "党的最高领导机关是？")), acting_user=users.secretary_a)
    q = Question.objects.get(bank=own_bank)
    assert q.stem_hash == hashlib.sha256("党的最高领导机关是？".encode()).hexdigest()
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.create(bank=own_bank, kind="judge", stem=q.stem, options=["正确", "错误"], answer="A", topic="党章")


def test_a_damaged_file_is_a_chinese_error(client_as, users, own_bank):
    import zipfile

    good = xlsx(row("单选", "题"))
    damaged = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, data[:len(data) // 2] if item.filename.startswith("xl/worksheets/") else data)
    damaged.seek(0)
    status, body = _page_post(client_as, users, own_bank, damaged)
    assert status == 200 and "无法读取文件" in body and not own_bank.questions.exists()


def test_only_xlsx_files_up_to_20_mb_are_taken(client_as, users, own_bank, monkeypatch):
    from dangjian.exams import forms

    status, body = _page_post(client_as, users, own_bank, xlsx(row("单选", "题")), name="题库.xls")
    assert "只能上传 .xlsx" in body
    monkeypatch.setattr(forms, "MAX_UPLOAD", 100)
    status, body = _page_post(client_as, users, own_bank, xlsx(row("单选", "题")))
    assert "20 MB" in body and not own_bank.questions.exists()


def test_blank_formatted_rows_do_not_count_toward_the_limit(users, own_bank):
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "试题"
    ws.append(HEADERS)
    for n in range(2, 5200):
        ws.cell(row=n, column=1).font = Font(bold=True)
    for col, value in enumerate(row("单选", "最后一题"), 1):
        ws.cell(row=5200, column=col, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    assert actions.do_import_questions(own_bank, buf, acting_user=users.secretary_a) == (1, 0)


def test_the_same_new_stem_imported_twice_at_once_is_a_chinese_error(users, own_bank, monkeypatch):
    actions.do_import_questions(own_bank, xlsx(row("单选", "同一题")), acting_user=users.secretary_a)
    # the other import committed "同一题" after this one looked for existing stems
    monkeypatch.setattr(actions, "_existing", lambda bank, hashes: {})
    with pytest.raises(ActionError, match="同时导入"):
        actions.do_import_questions(own_bank, xlsx(row("单选", "同一题")), acting_user=users.secretary_a)
