"""导入模糊测试: every importer (DJX, the Excel 党员花名册, the 党费 Excel/CSV) is fed mutated files by hypothesis —
fields deleted, retyped, huge, unicode, records duplicated; workbooks with wrong types, formulas, merged cells,
empty sheets, garbage bytes; CSV with BOMs, GBK, ragged rows. Each either imports or refuses with Chinese
messages (ActionError / an error list); never another exception, and a refused file leaves every table as it
was (no partial import). Bounded for the default suite (derandomized); DANGJIAN_FUZZ_EXAMPLES raises the count."""
from __future__ import annotations

import copy
import io
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.core.errors import ActionError

EXAMPLES = int(os.environ.get("DANGJIAN_FUZZ_EXAMPLES", "12"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
# The shared example (as dangjian/orglife/tests/test_rules_example.py reads it).
EXAMPLE = Path(__file__).resolve().parents[3].parent / "shared" / "examples" / "two-branches-2025.djx.json"
CJK = re.compile(r"[\u4e00-\u9fff]")

WEIRD = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                  st.floats(allow_nan=True), st.text(max_size=30), st.just("１２"), st.just("²"), st.just("x" * 5000),
                  st.just("2025-02-30"), st.just("\u202e\u0000"), st.lists(st.integers(), max_size=3),
                  st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


def _counts():
    from django.apps import apps

    return {m._meta.label: m.objects.count() for m in apps.get_models()
            if m._meta.app_label.split(".")[-1] not in ("sessions", "admin", "contenttypes", "auth", "auditlog")}


def _assert_chinese(messages):
    assert messages and all(CJK.search(str(m)) for m in messages), messages


# --- DJX -------------------------------------------------------------------------------------------
def _doc():
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


@st.composite
def mutated_djx(draw):
    doc = _doc()
    for _ in range(draw(st.integers(1, 3))):
        sections = [k for k, v in doc.items() if isinstance(v, list) and v]
        section = draw(st.sampled_from(sections + ["meta", "format"]))
        if section == "format":
            doc["format"] = draw(WEIRD)
            continue
        if section == "meta":
            doc["meta"][draw(st.sampled_from(["as_of", "title"]))] = draw(WEIRD)
            continue
        rows = doc[section]
        i = draw(st.integers(0, len(rows) - 1))
        how = draw(st.sampled_from(["delete", "retype", "duplicate", "drop_row", "replace_row"]))
        if how == "duplicate":
            rows.append(copy.deepcopy(rows[i]))
        elif how == "drop_row":
            rows.pop(i)
        elif how == "replace_row":
            rows[i] = draw(WEIRD)
        elif isinstance(rows[i], dict) and rows[i]:
            key = draw(st.sampled_from(sorted(rows[i])))
            if how == "delete":
                rows[i].pop(key)
            else:
                rows[i][key] = draw(WEIRD)
    return doc


def test_the_example_file_imports(db):
    from dangjian.djx.actions import do_import_djx

    assert do_import_djx(_doc(), run_rules=False).ok


def test_a_mutated_djx_file_imports_or_is_refused_whole(db, django_db_blocker):
    from django.db import transaction

    from dangjian.djx.actions import do_import_djx

    @FUZZ
    @given(doc=mutated_djx())
    def run(doc):
        with django_db_blocker.unblock(), transaction.atomic():
            before = _counts()
            report = do_import_djx(doc, run_rules=False)
            if not report.ok:
                _assert_chinese([e.message for e in report.errors])
                assert _counts() == before, "被拒绝的 DJX 文件写入了部分数据"
            transaction.set_rollback(True)

    run()


# --- the Excel 党员花名册 -------------------------------------------------------------------------
def _template(users):
    from dangjian.people import roster

    return roster.build_template(users.secretary_a)


@st.composite
def mutated_workbook(draw, template):
    from openpyxl import load_workbook

    template = template()   # a callable: the bytes stay out of hypothesis' report of a failing example

    kind = draw(st.sampled_from(["garbage", "truncated", "cells", "cells", "empty_sheet", "merged"]))
    if kind == "garbage":
        return draw(st.binary(max_size=200))
    if kind == "truncated":
        return template[: draw(st.integers(0, len(template) - 1))]
    wb = load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    if kind == "empty_sheet":
        wb.remove(ws)
        wb.create_sheet("空表")
    else:
        for _ in range(draw(st.integers(1, 8))):
            r, c = draw(st.integers(1, 6)), draw(st.integers(1, max(1, ws.max_column)))
            v = draw(st.one_of(st.none(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False, allow_infinity=False),
                               st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20),
                               st.just("=1/0"), st.just("=A1&B1"), st.just("110105198001010016"),
                               st.just("李红梅"), st.just("第一党支部"), st.just("正式党员"), st.just("2025-02-30")))
            ws.cell(r, c).value = v
        if kind == "merged":
            ws.merge_cells(start_row=2, start_column=1, end_row=3, end_column=3)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def roster_template(users):
    return _template(users)


def test_a_mutated_roster_workbook_is_previewed_or_refused(roster_template, users, django_db_blocker):
    from django.db import transaction

    from dangjian.people import actions, roster

    @FUZZ
    @given(data=mutated_workbook(lambda: roster_template))
    def run(data):
        with django_db_blocker.unblock(), transaction.atomic():
            before = _counts()
            try:
                preview = roster.parse_workbook(io.BytesIO(data), org_scope_user=users.secretary_a, filename="花名册.xlsx")
            except ActionError as e:
                _assert_chinese([e.message])
                return
            if preview.has_errors:
                _assert_chinese(preview.errors)
            try:
                roster.commit(preview, acting_user=users.secretary_a)
            except actions.RosterImportError as e:
                _assert_chinese(e.errors or [e.message])
                assert _counts() == before, "被拒绝的花名册写入了部分数据"
            except ActionError as e:
                _assert_chinese([e.message])
                assert _counts() == before, "被拒绝的花名册写入了部分数据"
            transaction.set_rollback(True)

    run()


# --- 党费 (Excel or CSV) ---------------------------------------------------------------------------
@st.composite
def dues_csv(draw):
    rows = [["姓名", "月份", "金额", "交纳日期"]]
    for _ in range(draw(st.integers(0, 4))):
        row = [draw(st.sampled_from(["李红梅", "王建国", "", "不存在", "李红梅 "])),
               draw(st.sampled_from(["2025-01", "2025/1", "2025年1月", "13月", "", "2025-02-30"])),
               draw(st.sampled_from(["12.50", "-1", "1e9", "abc", "", "１２", "99999999999999999999"])),
               draw(st.sampled_from(["2025-01-10", "", "明天", "2025-13-01"]))]
        rows.append(row[: draw(st.integers(1, 5))])      # ragged
    text = "\n".join(",".join(r) for r in rows)
    enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16"]))
    data = text.encode(enc, errors="replace")
    if draw(st.booleans()):
        data += draw(st.binary(max_size=20))
    return data


def test_a_mutated_dues_file_is_previewed_or_refused(users, django_db_blocker):
    from django.db import transaction

    from dangjian.dues import imports

    @FUZZ
    @given(data=dues_csv(), name=st.sampled_from(["党费.csv", "党费.xlsx"]))
    def run(data, name):
        with django_db_blocker.unblock(), transaction.atomic():
            before = _counts()
            try:
                preview = imports.parse(data, name, users.secretary_a)
                imports.commit(preview, acting_user=users.secretary_a)
            except ActionError as e:
                _assert_chinese([e.message])
                assert _counts() == before, "被拒绝的党费文件写入了部分数据"
            transaction.set_rollback(True)

    run()
