"""The 党内统计 pages, workbook and API as the personas use them: A's secretary sees A's tables and downloads the
年报 workbook; B's secretary, and A's ordinary member, get 404 on A; the 工委 sees the whole tree."""
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db
D = dt.date


def test_secretary_of_a_sees_the_tables_of_a(tree, people, users, year_2025, client_as, django_assert_max_num_queries):
    c = client_as(users.secretary_a)
    with django_assert_max_num_queries(25):
        r = c.get(f"/partystats/{tree.a.pk}/2025/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "统计截止日期 <strong>2025年12月31日</strong>" in html
    for title in ("党员基本情况", "党员年龄情况", "党员入党时间情况", "党员职业情况", "党员队伍变化情况", "发展党员情况",
                  "党组织基本情况"):
        assert title in html
    assert "下载 Excel" in html


def test_out_of_scope_is_404(tree, people, users, year_2025, client_as):
    assert client_as(users.secretary_b).get(f"/partystats/{tree.a.pk}/2025/").status_code == 404
    assert client_as(users.secretary_a).get(f"/partystats/{tree.committee.pk}/2025/").status_code == 404
    assert client_as(users.member_a).get(f"/partystats/{tree.a.pk}/2025/").status_code == 404
    assert client_as(users.secretary_b).get(f"/partystats/{tree.a.pk}/2025/tables.xlsx").status_code == 404
    future = timezone.localdate().year + 1
    assert client_as(users.secretary_a).get(f"/partystats/{tree.a.pk}/{future}/").status_code == 404   # a future year


def test_the_index_takes_each_to_their_own_top_and_the_member_to_an_empty_state(tree, people, users, client_as):
    last_year = timezone.localdate().year - 1          # the last 年报
    r = client_as(users.wc_admin).get("/partystats/")
    assert r.status_code == 302 and r["Location"] == f"/partystats/{tree.wc.pk}/{last_year}/"
    assert client_as(users.secretary_a).get("/partystats/")["Location"] == f"/partystats/{tree.a.pk}/{last_year}/"
    r = client_as(users.member_a).get("/partystats/")
    assert r.status_code == 200 and "没有可统计的范围" in r.content.decode()
    r = client_as(users.secretary_a).get("/partystats/", {"org": tree.b.pk, "year": 2025})
    assert r.status_code == 200 and "您管理范围内的党组织" in r.content.decode()
    r = client_as(users.secretary_a).get("/partystats/", {"org": tree.a.pk, "year": 2024})
    assert r["Location"] == f"/partystats/{tree.a.pk}/2024/"


def test_the_workbook_follows_the_annual_report_layout(tree, people, users, year_2025, client_as):
    r = client_as(users.committee_admin).get(f"/partystats/{tree.committee.pk}/2025/tables.xlsx")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["党员基本情况", "党员年龄情况", "党员入党时间情况", "党员职业情况", "党员队伍变化情况",
                             "发展党员情况", "党组织基本情况"]
    ws = wb["党员队伍变化情况"]
    assert ws["A1"].value == "党员队伍变化情况" and ws["A2"].value == "党统5表"
    assert ws["A3"].value == f"填报单位：{tree.committee.name}"
    assert "统计截止日期：2025年12月31日" in [c.value for c in ws[3]]
    assert "单位：人" in [c.value for c in ws[2]]
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert "A4:A5" in merged and "B4:B5" in merged      # 单位名称, 上年底党员数: both header lines
    assert "C4:E4" in merged and ws["C4"].value == "本年增加"
    assert [ws.cell(row=5, column=i).value for i in range(3, 6)] == ["发展党员", "转入组织关系", "恢复党籍及其他"]
    assert [c.value for c in ws[6]][:3] == ["甲", 1, 2]
    total = [c.value for c in ws[7]]
    assert total[0] == "合计" and total[1] == 8 and total[-1] == 8
    assert [ws.cell(row=r, column=1).value for r in (8, 9)] == ["第一党支部", "第二党支部"]
    # Within the subtree a member is counted in the row of their present organisation: 孙丽, moved from B to A in
    # 2025, is in A's row at the start of the year too (the 机关党委's total is right; see docs/partystats.md).
    assert [ws.cell(row=r, column=2).value for r in (8, 9)] == [7, 1]
    assert wb["党组织基本情况"]["A2"].value == "党统7表" and "单位：个" in [c.value for c in wb["党组织基本情况"][2]]


def test_api_gives_the_same_tables_to_the_secretary_and_404_to_others(tree, people, users, year_2025, client_as):
    r = client_as(users.secretary_a).get(f"/api/partystats/{tree.a.pk}/", {"year": 2025})
    assert r.status_code == 200
    data = r.json()
    assert data["as_of"] == "2025-12-31"
    changes = next(t for t in data["tables"] if t["key"] == "changes")
    keys = [k for g in changes["groups"] for k in g["columns"]]
    total = dict(zip(keys, changes["rows"][0]["values"]))
    assert (total["start"], total["end"]) == (6, 7)
    assert client_as(users.secretary_a).get(f"/api/partystats/{tree.a.pk}/", {"year": "20x5"}).status_code == 400
    assert client_as(users.secretary_a).get(f"/api/partystats/{tree.a.pk}/", {"year": "²"}).status_code == 400
    assert client_as(users.secretary_b).get(f"/api/partystats/{tree.a.pk}/").status_code == 404
    assert client_as(users.member_a).get(f"/api/partystats/{tree.a.pk}/").status_code == 404
