"""The labelled evaluation set (dangjian/textquality/evaluation/, docs/textquality-evaluation.md): precision and
recall of TXT-02/03/04 at the default settings must stay at or above the floors on the whole main set; the held-out
items must be honest (the lexicon matches nothing in them that it matches in no dev item); further files
(`txt02_blind.yaml` …) are reported as their own split without touching the whole-set floors; the first blind set
(`*_blind1.yaml`), a development set since it was used for tuning, has its own floor."""
import shutil

import pytest
import yaml

from dangjian.textquality.evaluation import (FILES, HERE, RULES, evaluate, items, lexicon_entries, rows,
                                             table)

FLOOR = 0.9


@pytest.mark.parametrize("rule_id", RULES)
def test_the_set_is_balanced_and_split(rule_id):
    its = items(rule_id)
    assert len(its) >= 72 and len({i["id"] for i in its}) == len(its)
    assert sum(1 for i in its if i["label"]) == len(its) // 2
    assert {i["split"] for i in its} <= {"dev", "heldout"} and any(i["split"] == "dev" for i in its)
    assert {i["source"] for i in its} == {FILES[rule_id][:-5]}


@pytest.mark.parametrize("rule_id", RULES)
def test_held_out_items_match_no_lexicon_entry_that_only_they_contain(rule_id):
    # an entry found only in held-out items means the lexicon was built on them: relabel them dev (README.md)
    its = items(rule_id)
    dev = set().union(*(lexicon_entries(rule_id, i) for i in its if i["split"] == "dev"))
    leaks = {i["id"]: sorted(lexicon_entries(rule_id, i) - dev) for i in its if i["split"] == "heldout"}
    assert {k: v for k, v in leaks.items() if v} == {}


@pytest.mark.parametrize("rule_id", RULES)
def test_precision_and_recall_reach_the_floor_on_the_whole_set(rule_id):
    # the whole main file; held-out and further files (a blind set) are reported, not enforced here
    score, wrong = evaluate(rule_id)
    assert score.n == len(items(rule_id))
    assert score.precision >= FLOOR, (rule_id, wrong)
    assert score.recall >= FLOOR, (rule_id, wrong)


@pytest.mark.parametrize("rule_id", RULES)
def test_precision_and_recall_reach_the_floor_on_the_first_blind_set(rule_id):
    # blind1 was run once before any tuning (docs/textquality-evaluation.md, 盲测集一), then used to find the general
    # causes of its errors: it is a development set now and held to the same floor. Only its own split is scored.
    score, wrong = evaluate(rule_id, "blind1")
    assert score.n == 40
    assert score.precision >= FLOOR, (rule_id, wrong)
    assert score.recall >= FLOOR, (rule_id, wrong)


def test_a_further_file_per_rule_is_its_own_split_named_after_the_file(tmp_path):
    for name in FILES.values():
        shutil.copy(HERE / name, tmp_path / name)
    assert [r[1] for r in rows("TXT-02", directory=tmp_path)] == ["开发集", "留出集", "全部"]   # none: nothing changes
    before = table(directory=tmp_path)
    blind = [{"id": "b1", "label": True, "split": "dev", "note": "stock phrases",
              "critiques": ["希望你今后进一步加强理论学习，提高政治站位。", "工作作风还不够扎实，有待进一步提高。"]},
             {"id": "b2", "label": False, "note": "labelled concrete, judged generic: a miss to be reported",
              "critiques": ["理论学习不够深入。"]}]
    (tmp_path / "txt02_blind.yaml").write_text(yaml.safe_dump(blind, allow_unicode=True), encoding="utf-8")

    its = items("TXT-02", extra=True, directory=tmp_path)
    assert [(i["id"], i["split"], i["source"]) for i in its[-2:]] == [("b1", "blind", "txt02_blind"),
                                                                      ("b2", "blind", "txt02_blind")]
    assert rows("TXT-02", directory=tmp_path)[-1] == ("txt02_blind", "blind", "blind")
    score, wrong = evaluate("TXT-02", "blind", directory=tmp_path)
    assert (score.n, score.tp, score.fp, wrong) == (2, 1, 1, ["b2"])
    # the whole set (and so the floors) is the main file alone
    assert evaluate("TXT-02", directory=tmp_path)[0].n == len(items("TXT-02"))
    after = table(directory=tmp_path)
    assert "| TXT-02 | txt02_blind | blind | 2 | 1 | 1 | 0 | 0 | 0.50 | 1.00 | b2 |" in after
    assert after.replace("\n| TXT-02 | txt02_blind | blind | 2 | 1 | 1 | 0 | 0 | 0.50 | 1.00 | b2 |", "") == before
    assert table(extra=False, directory=tmp_path) == before     # --main-only
