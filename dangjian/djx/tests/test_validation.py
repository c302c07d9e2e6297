"""DJX v1 validation (djx.md “Conventions”): unknown keys, bad dates, dangling references,
duplicate ids and wrong types are errors that name the JSON path; all problems are reported at once."""
import json

import pytest
from jsonschema import Draft202012Validator

from dangjian.djx.validation import (MAX_ERRORS, SECTIONS, DjxInvalid, load_text, schema, validate)

from .helpers import example, messages, minimal


def test_the_example_file_is_valid():
    assert validate(example()) == []


def test_the_schema_is_a_valid_draft_2020_12_schema_covering_every_section():
    s = schema()
    Draft202012Validator.check_schema(s)
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(SECTIONS) <= set(s["properties"])

    def objects(node):
        if isinstance(node, dict):
            if node.get("type") == "object" or (isinstance(node.get("type"), list) and "object" in node["type"]):
                yield node
            for v in node.values():
                yield from objects(v)
        elif isinstance(node, list):
            for v in node:
                yield from objects(v)

    # Every record shape refuses unknown keys (maps such as `excused` constrain their values instead).
    for obj in objects(s):
        if "properties" in obj:
            assert obj["additionalProperties"] is False, obj.get("title")


def test_unknown_key_names_its_path():
    doc = example()
    doc["meetings"][12]["presnet"] = ["p1"]
    assert any(m.startswith("meetings[12].presnet：未知字段“presnet”") for m in messages(validate(doc)))


def test_unknown_top_level_section_is_an_error():
    doc = example()
    doc["meeting"] = []
    assert any(m.startswith("meeting：未知字段“meeting”") for m in messages(validate(doc)))


def test_a_date_that_does_not_exist_is_an_error():
    doc = example()
    doc["people"][3]["birth_date"] = "2025-02-30"
    assert "people[3].birth_date：日期无效“2025-02-30”（不存在这一天）" in messages(validate(doc))


@pytest.mark.parametrize("value", ["2025/02/01", "2025-2-1", "20250201"])
def test_a_date_in_another_shape_is_an_error(value):
    doc = example()
    doc["meetings"][0]["date"] = value
    assert any(m.startswith("meetings[0].date：日期格式应为 YYYY-MM-DD") for m in messages(validate(doc)))


def test_dangling_reference_names_the_missing_record():
    doc = example()
    doc["people"][5]["org"] = "b9"
    doc["posts"][0]["person"] = "nobody"
    doc["meetings"][0]["present"].append("p99")
    msgs = messages(validate(doc))
    assert "people[5].org：引用的组织“b9”不存在" in msgs
    assert "posts[0].person：引用的人员“nobody”不存在" in msgs
    assert "meetings[0].present[8]：引用的人员“p99”不存在" in msgs


def test_duplicate_id_within_a_section():
    doc = example()
    doc["orgs"][3]["id"] = "b1"
    assert any(m.startswith("orgs[3].id：编号“b1”重复") for m in messages(validate(doc)))


def test_the_same_id_in_two_sections_is_fine():
    doc = example()
    doc["units"][0]["id"] = "b1"
    doc["orgs"][1]["unit"] = doc["orgs"][2]["unit"] = doc["orgs"][3]["unit"] = "b1"
    assert validate(doc) == []


@pytest.mark.parametrize("path,value,expected", [
    (("people", 1, "leading_cadre"), "yes", "people[1].leading_cadre：类型错误：应为布尔值（true/false），实际为字符串“yes”"),
    (("orgs", 2, "term_years"), "3", "orgs[2].term_years：类型错误：应为整数，实际为字符串“3”"),
    (("people", 0, "name"), 42, "people[0].name：类型错误：应为字符串，实际为整数“42”"),
])
def test_wrong_type(path, value, expected):
    doc = example()
    section, i, key = path
    doc[section][i][key] = value
    assert expected in messages(validate(doc))


def test_a_section_that_is_not_a_list():
    doc = example()
    doc["talks"] = {"date": "2025-01-01"}
    assert any(m.startswith("talks：类型错误：应为列表") for m in messages(validate(doc)))


def test_bad_enum_lists_the_allowed_values_in_chinese():
    doc = example()
    doc["people"][0]["status"] = "member"
    doc["orgs"][2]["type"] = "brunch"
    msgs = messages(validate(doc))
    assert any(m.startswith("people[0].status：取值“member”无效，应为：applicant（入党申请人）") for m in msgs)
    assert any(m.startswith("orgs[2].type：取值“brunch”无效") and "branch（党支部）" in m for m in msgs)


def test_id_number_with_a_wrong_checksum():
    doc = example()
    doc["people"][2]["id_number"] = "110105198001010017"   # the valid one ends in 6
    doc["people"][2]["birth_date"] = "1980-01-01"
    assert "people[2].id_number：公民身份号码校验码错误，请核对后重新输入" in messages(validate(doc))


def test_id_number_that_contradicts_the_birth_date_or_repeats():
    doc = example()
    doc["people"][0]["id_number"] = "110105198001010016"
    doc["people"][1]["id_number"] = "110105198001010016"
    doc["people"][1]["birth_date"] = "1980-01-01"
    msgs = messages(validate(doc))
    assert any(m.startswith("people[0].id_number：公民身份号码中的出生日期（1980-01-01）与 birth_date（1960-01-10）不一致")
               for m in msgs)
    assert "people[1].id_number：公民身份号码与 people[0] 相同，同一人只能登记一次" in msgs


def test_missing_required_fields_and_format():
    doc = {"meta": {}, "orgs": [{"id": "x", "type": "branch"}]}
    msgs = messages(validate(doc))
    assert "format：缺少必填字段“format”" in msgs
    assert "orgs[0].name：缺少必填字段“name”" in msgs
    assert any(m.startswith("format：应为“djx/1”") for m in messages(validate({"format": "djx/2"})))


def test_months_and_money():
    doc = minimal(people=[{"id": "p1", "name": "甲", "status": "full"}], dues=[
        {"person": "p1", "month": "2025-13", "paid": "30.0"},
        {"person": "p1", "month": "2025-01", "paid": 30},
        {"person": "p1", "month": "2025-02", "paid": "30.00", "base": -1},
    ])
    msgs = messages(validate(doc))
    assert any(m.startswith("dues[0].month：月份格式应为 YYYY-MM") for m in msgs)
    assert any(m.startswith("dues[0].paid：金额应写成两位小数") for m in msgs)
    assert any(m.startswith("dues[2].base：不能小于 0") for m in msgs)
    assert not any(m.startswith("dues[1]") for m in msgs)


def test_references_in_every_section_are_checked():
    doc = minimal(
        units=[{"id": "u1", "name": "局", "head": "px"}],
        orgs=[{"id": "o1", "name": "支部", "type": "branch", "parent": None, "joint_units": ["u9"]}],
        people=[{"id": "p1", "name": "甲", "status": "full", "org": "o1", "group": "o1"}],
        talks=[{"date": "2025-01-02", "a": "p1", "b": "p2"}],
        appraisals=[{"org": "o1", "year": 2025, "grades": {"p1": "excellent", "p3": None}}],
        recruitment=[{"person": "p1", "events": [{"step": "sponsors", "date": "2025-01-01", "persons": ["p4"]},
                                                 {"step": "approval", "date": "2025-02-01", "by": "o9"}]}],
        elections=[{"id": "e1", "org": "o1", "date": "2025-01-01", "kind": "committee", "results": {"p5": 3}}],
        transfers=[{"person": "p1", "direction": "out", "to_org": "外省某支部"}],
        study=[{"person": "p6", "date": "2025-01-01"}],
        rectifications=[{"id": "r1", "org": "o1", "owner": "p7"}],
        reports=[{"id": "t1", "org": "o8", "kind": "self_check"}],
        meetings=[{"id": "m1", "org": "o1", "type": "org_life", "date": "2025-03-01",
                   "excused": {"p8": "出差"}, "critiques": [{"from": "p1", "to": "p9", "text": "…"}]}],
    )
    msgs = messages(validate(doc))
    for expected in ["units[0].head：引用的人员“px”不存在",
                     "orgs[0].joint_units[0]：引用的单位“u9”不存在",
                     "people[0].group：“o1”不是党小组（group 应引用 type 为 group 的组织）",
                     "meetings[0].excused.p8：引用的人员“p8”不存在",
                     "meetings[0].critiques[0].to：引用的人员“p9”不存在",
                     "talks[0].b：引用的人员“p2”不存在",
                     "appraisals[0].grades.p3：引用的人员“p3”不存在",
                     "recruitment[0].events[0].persons[0]：引用的人员“p4”不存在",
                     "recruitment[0].events[1].by：引用的组织“o9”不存在",
                     "elections[0].results.p5：引用的人员“p5”不存在",
                     "study[0].person：引用的人员“p6”不存在",
                     "rectifications[0].owner：引用的人员“p7”不存在",
                     "reports[0].org：引用的组织“o8”不存在"]:
        assert expected in msgs
    assert not any(m.startswith("transfers") for m in msgs)  # outside orgs may be free text


def test_a_cycle_in_the_tree():
    doc = minimal(orgs=[{"id": "a", "name": "甲", "type": "committee", "parent": "b"},
                        {"id": "b", "name": "乙", "type": "branch", "parent": "a"}])
    assert any("组织上下级关系成环" in m for m in messages(validate(doc)))


def test_post_that_ends_before_it_starts_and_duplicate_rows():
    doc = example()
    doc["posts"][1]["end"] = "2024-01-01"
    doc["posts"].append(dict(doc["posts"][0]))
    msgs = messages(validate(doc))
    assert "posts[1].end：免职日期 2024-01-01 早于任职日期 2024-03-15" in msgs
    assert any(m.startswith("posts[4]：与 posts[0] 重复") for m in msgs)


def test_all_errors_are_collected_in_document_order_up_to_the_cap():
    doc = example()
    doc["people"][3]["birth_date"] = "2025-02-30"
    doc["meetings"][12]["presnet"] = []
    doc["orgs"][0]["extra"] = 1
    msgs = messages(validate(doc))
    assert len(msgs) == 3
    assert [m.split("：")[0] for m in msgs] == ["orgs[0].extra", "people[3].birth_date", "meetings[12].presnet"]
    for m in doc["meetings"]:
        m["typo"] = 1
    for p in doc["people"]:
        p["typo"] = 1
    for i in range(300):
        doc["talks"].append({"date": "2025-02-30", "a": "p1", "b": "p2"})
    assert len(validate(doc)) == MAX_ERRORS


def test_not_json_and_not_an_object():
    with pytest.raises(DjxInvalid) as e:
        load_text(b'{"format": "djx/1",\n "orgs": [,]}')
    assert "第 2 行" in str(e.value)
    assert messages(validate([])) == ["（文件顶层）：DJX 文件应是一个 JSON 对象，实际为列表"]
    assert load_text(json.dumps(example()).encode("utf-8"))["format"] == "djx/1"


def test_money_numbers_are_read_exactly():
    import decimal

    doc = load_text('{"format": "djx/1", "people": [{"id": "p1", "name": "甲", "status": "full"}],'
                    ' "dues": [{"person": "p1", "month": "2025-01", "paid": 30.10, "base": 0.1}]}')
    assert doc["dues"][0]["paid"] == decimal.Decimal("30.10")
    assert validate(doc) == []
    doc["dues"][0]["paid"] = decimal.Decimal("-1.5")
    assert messages(validate(doc)) == ["dues[0].paid：不能小于 0（实际为 -1.5）"]
