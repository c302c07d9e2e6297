"""Our own DJX cases for the organisational-life rules (data/orglife/*.djx.json, each with its
*.expected.json in the format of the shared example): every rule at its boundary — the last day of
a quarter or month, 31 December, exactly half present, exactly 2/3, exactly 1/3 优秀, the sixth
month of absence, the 60th day before a meeting — judged by `check` and the shared compare.py."""
import json
from pathlib import Path

import pytest

from dangjian.djx.check import check_document
from dangjian.djx.validation import validate

from .test_example_expectations import compare

CASES = Path(__file__).parent / "data" / "orglife"
NAMES = sorted(p.name.removesuffix(".djx.json") for p in CASES.glob("*.djx.json"))


def load(name):
    doc = json.loads((CASES / f"{name}.djx.json").read_text(encoding="utf-8"))
    exp = json.loads((CASES / f"{name}.expected.json").read_text(encoding="utf-8"))
    return doc, exp


def test_every_org_life_rule_has_a_case():
    rules = {m[0] for name in NAMES for part in ("must", "must_not") for m in load(name)[1][part]}
    from dangjian.core import engine

    assert rules == {"BR-05", "BR-06", "BR-07", "BR-08", "ORGLIFE-02", "ORGLIFE-03", "ORGLIFE-04", "ORGLIFE-05",
                     "ORGLIFE-06", "ORGLIFE-07", "TALK-01", "DLH-01", "EVAL-01", "EVAL-02", "REL-01"}
    assert rules == {r.id for r in engine.registry if r.domain == "orglife"}
    # ORGLIFE-01 (三会一课) is the aggregate of rules that each have their case, not a finding of its own.
    assert set(engine.registry.aggregates["ORGLIFE-01"].parts) <= rules
    # Each case has something that must be found and something that must not (its boundary).
    for name in NAMES:
        exp = load(name)[1]
        assert exp["must"] and exp["must_not"], name


@pytest.mark.parametrize("name", NAMES)
def test_case(db, tmp_path, name):
    doc, exp = load(name)
    assert validate(doc) == []
    findings = check_document(doc)
    result = compare(findings, exp, tmp_path)
    assert result.returncode == 0, f"{name}: {doc['meta']['title']}\n" + result.stdout + result.stderr
