"""The labelled evaluation set (dangjian/textquality/evaluation/, docs/textquality-evaluation.md): precision and
recall of TXT-02/03/04 at the default settings must stay at or above the floors — on the whole set and on the
held-out half that the lexicon was never tuned on."""
import pytest

from dangjian.textquality.evaluation import RULES, evaluate, items

FLOOR = 0.9


@pytest.mark.parametrize("rule_id", RULES)
def test_the_set_is_balanced_and_split(rule_id):
    its = items(rule_id)
    assert len(its) >= 60 and len({i["id"] for i in its}) == len(its)
    assert sum(1 for i in its if i["label"]) == len(its) // 2
    assert {i["split"] for i in its} == {"dev", "heldout"}


@pytest.mark.parametrize("split", [None, "heldout"])
@pytest.mark.parametrize("rule_id", RULES)
def test_precision_and_recall_reach_the_floor(rule_id, split):
    score, wrong = evaluate(rule_id, split)
    assert score.precision >= FLOOR, (rule_id, split, wrong)
    assert score.recall >= FLOOR, (rule_id, split, wrong)
