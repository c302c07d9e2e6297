"""`dangjian check FILE [--as-of DATE] [--json]` (djx.md “The check contract”): the file is judged
with the live system's rules in a throwaway database and the findings name the file's own ids."""
import datetime as dt
import io
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from dangjian.core import engine
from dangjian.djx.check import check_document
from dangjian.djx.validation import DjxInvalid
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from .helpers import example, example_path, expected

KINDS = {"org", "person", "meeting", "election", "rectification", "report"}
PERIOD_SHAPES = ("^\\d{4}$", "^\\d{4}Q[1-4]$", "^\\d{4}-\\d{2}$")


def assert_contract_shape(findings):
    import re

    assert isinstance(findings, list)
    for f in findings:
        assert set(f) == {"rule", "severity", "subject", "period", "message"}
        assert isinstance(f["rule"], str) and f["rule"]
        assert f["severity"] in ("BLOCK", "WARN", "INFO")
        assert len(f["subject"]) == 1 and set(f["subject"]) <= KINDS
        assert all(isinstance(v, str) for v in f["subject"].values())
        assert f["period"] is None or any(re.match(p, f["period"]) for p in PERIOD_SHAPES)
        assert isinstance(f["message"], str) and f["message"]
    json.dumps(findings, ensure_ascii=False)


def test_the_example_is_judged_and_leaves_the_database_as_it_was(db):
    findings = check_document(example())
    assert_contract_shape(findings)
    assert Org.objects.count() == 0 and Person.objects.count() == 0


def test_structure_rules_raise_none_of_the_examples_must_not_pairs(db):
    """The Done-when of issue 2: no BR-09 (and no BR-01) false positive on b1/b2."""
    findings = check_document(example())
    have = {(f["rule"], k, v) for f in findings for k, v in f["subject"].items()}
    must_not = [m for m in expected()["must_not"] if m[0].startswith(("BR-09", "BR-01"))]
    assert ["BR-09", "org", "b1"] in must_not and ["BR-09", "org", "b2"] in must_not
    for rule, kind, ident in must_not:
        assert (rule, kind, ident) not in have
    assert not [f for f in findings if f["rule"].startswith(("BR-09", "BR-01"))
                and f["subject"].get("org") in ("b1", "b2")]


@pytest.fixture
def probe_rules(monkeypatch):
    """Two rules registered for the test only: they show how hits become contract findings."""
    seen = {}

    def per_org(ctx):
        seen["as_of"], seen["settings"] = ctx.as_of, dict(ctx.settings)
        for org in ctx.orgs().filter(type="branch"):
            yield engine.Hit(org, f"{org.name}：测试发现", period="2025Q2")

    def per_person(ctx):
        for p in ctx.people().filter(name="王建国"):
            yield engine.Hit(p, "测试人员发现（测试条款第一条）", severity="INFO")

    rules = [engine.Rule(id="ZZ-01", title="测试规则", citation="测试条款第一条", severity="WARN",
                         subject="org", period="quarter", check=per_org),
             engine.Rule(id="ZZ-02", title="测试人员规则", citation="测试条款第一条", severity="BLOCK",
                         subject="person", period=None, check=per_person)]
    for r in rules:
        monkeypatch.setitem(engine.registry.rules, r.id, r)
    monkeypatch.setitem(engine.registry.settings, "zz_probe", engine.Setting("zz_probe", 1, "测试参数"))
    return seen


def test_hits_become_findings_with_the_files_ids_sorted(db, probe_rules):
    doc = example()
    doc["meta"]["settings"] = {"zz_probe": 7}
    findings = [f for f in check_document(doc) if f["rule"].startswith("ZZ-")]
    assert findings == [
        {"rule": "ZZ-01", "severity": "WARN", "subject": {"org": "b1"}, "period": "2025Q2",
         "message": "市交通运输局机关第一党支部：测试发现（测试条款第一条）"},
        {"rule": "ZZ-01", "severity": "WARN", "subject": {"org": "b2"}, "period": "2025Q2",
         "message": "市交通运输局机关第二党支部：测试发现（测试条款第一条）"},
        {"rule": "ZZ-02", "severity": "INFO", "subject": {"person": "p1"}, "period": None,
         "message": "测试人员发现（测试条款第一条）"},
    ]
    assert probe_rules["as_of"] == dt.date(2025, 12, 31)   # meta.as_of
    assert probe_rules["settings"]["zz_probe"] == 7         # meta.settings override the default


def test_as_of_overrides_the_file_and_defaults_to_today(db, probe_rules):
    check_document(example(), as_of="2025-06-30")
    assert probe_rules["as_of"] == dt.date(2025, 6, 30)
    doc = example()
    del doc["meta"]["as_of"]
    check_document(doc)
    from django.utils import timezone
    assert probe_rules["as_of"] == timezone.localdate()
    with pytest.raises(ValueError):
        check_document(example(), as_of="2025-02-30")


def test_an_invalid_file_is_rejected(db):
    doc = example()
    doc["meetings"][12]["presnet"] = []
    with pytest.raises(DjxInvalid) as e:
        check_document(doc)
    assert "meetings[12].presnet：未知字段“presnet”" in str(e.value)


def test_check_judges_only_the_file_when_the_database_holds_data(tree, people, probe_rules):
    findings = [f for f in check_document(example()) if f["rule"] == "ZZ-01"]
    assert [f["subject"] for f in findings] == [{"org": "b1"}, {"org": "b2"}]
    assert Org.objects.count() == 5


def test_the_command_in_process(db, tmp_path):
    out = io.StringIO()
    call_command("check", str(example_path()), "--json", stdout=out)
    assert_contract_shape(json.loads(out.getvalue()))
    out = io.StringIO()
    call_command("check", str(example_path()), stdout=out)
    assert "检查" in out.getvalue() or "未发现问题" in out.getvalue()
    for args, message in [((str(tmp_path / "none.json"), "--json"), "文件不存在"),
                          ((str(example_path()), "--as-of", "2025-13-01"), "--as-of 参数有误"),
                          ((str(example_path()), "--as-of", "31.12.2025"), "日期格式应为 YYYY-MM-DD")]:
        err = io.StringIO()
        with pytest.raises(SystemExit) as e:
            call_command("check", *args, stderr=err)
        assert e.value.code == 2 and message in err.getvalue()


def test_without_a_file_it_is_still_djangos_system_check(db):
    out = io.StringIO()
    call_command("check", stdout=out)
    assert "System check identified no issues" in out.getvalue()


# --- end to end through the console script (in-memory database, as users run it) ---------------
def _cli():
    script = Path(sys.executable).with_name("dangjian")
    return [str(script)] if script.exists() else [sys.executable, "-m", "dangjian.cli"]


def _run(*args):
    env = dict(os.environ, PYTHONPATH=str(settings.BASE_DIR))
    env.pop("DATABASE_URL", None)
    return subprocess.run(_cli() + list(args), capture_output=True, text=True, env=env,
                          cwd=settings.BASE_DIR, timeout=60)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_cli_json_on_the_example_is_one_json_array_quickly():
    """Quick by the CLI's own CPU time (about 1 s), not by the wall clock, which a loaded CI machine stretches.
    (Speed targets proper are the benchmarks' business, bench/.)"""
    before = _children_cpu()
    result = _run("check", str(example_path()), "--json")
    cpu = _children_cpu() - before
    assert result.returncode == 0, result.stderr
    assert_contract_shape(json.loads(result.stdout))
    assert cpu < 10


def test_cli_exit_2_for_an_invalid_file(tmp_path):
    doc = example()
    doc["people"][3]["birth_date"] = "2025-02-30"
    bad = tmp_path / "bad.djx.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = _run("check", str(bad), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "people[3].birth_date：日期无效“2025-02-30”" in result.stderr
