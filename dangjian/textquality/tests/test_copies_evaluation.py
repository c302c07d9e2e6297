"""The labelled evaluation set of TXT-01 (dangjian/textquality/evaluation/txt01.yaml, docs/textquality-evaluation.md
"## TXT-01"): each group of one department's minutes or reports is judged as its own small corpus at the rule's
declared default settings; per later text, precision and recall must stay at or above the floor — copies caught
(each pasted text with a correct earlier source), texts that share only headers, stock sentences, document
titles or the topic left alone."""
import pytest

from dangjian.textquality.evaluation import txt01

FLOOR = 0.9


@pytest.fixture(scope="module")
def found():
    return txt01.reported("group")


def test_the_set_is_large_and_hard_enough():
    c = txt01.counts()
    assert c["groups"] >= 40 and c["texts"] >= 120
    assert c["copies"] >= 40 and c["negative_pairs"] >= 60
    gs = txt01.groups()
    assert len({g["id"] for g in gs}) == len(gs) and {g["split"] for g in gs} == {"dev", "heldout"}
    for g in gs:
        for i, j in g["copies"]:
            assert 0 <= i < j < len(g["texts"]) and str(g["texts"][i]["date"]) < str(g["texts"][j]["date"]), g["id"]
    # 5+ orgs with identical headers and closings and nothing copied; 4+ orgs pasting the same minutes.
    assert any(len({t["org"] for t in g["texts"]}) >= 5 and not g["copies"] for g in gs)
    assert any(len({j for _, j in g["copies"]}) >= 4 for g in gs)


def test_the_settings_are_the_declared_defaults():
    s = txt01.default_settings()
    assert {"txt01_jaccard", "txt01_copied_share", "txt01_boilerplate_orgs", "txt01_min_chars"} <= set(s)


@pytest.mark.parametrize("split", [None, "heldout"])
def test_precision_and_recall_reach_the_floor(found, split):
    score, wrong = txt01.score(split, found=found)
    assert score.precision >= FLOOR, (split, wrong)
    assert score.recall >= FLOOR, (split, wrong)


def test_texts_sharing_only_boilerplate_are_never_reported(found):
    # The all-negative groups (same circular, same memorial hall, same 组织生活会 paragraphs, same 接收预备党员
    # procedure, same quoted passage): not one text may be reported.
    for g in txt01.groups():
        if not g["copies"]:
            assert not any(found[g["id"]].values()), (g["id"], dict(found[g["id"]]))
