"""TXT-01's pipeline was made faster (issue 8: 100,000 minutes in under 2 minutes, ≥ 50× faster than exhaustive
comparison). The fast code must give IDENTICAL results: the same sentences and sentence keys, the same sentence
counts by organisation, the same boilerplate sets and substance of every text, the same MinHash signatures, the
same LSH candidates and the same pairs — checked here against the previous, slow implementation, kept verbatim
below as the reference, on a corpus like the benchmark's (bench/txt.py's generator) and on awkward texts (bullets,
brackets, full-width forms, \\r\\n, empty and missing texts, header lines, short sentences)."""
from __future__ import annotations

import importlib.util
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from dangjian.textquality import text as T

# --- the reference: the slow implementation as it was --------------------------------------------------------


def ref_sentences(text):
    out = []
    for piece in T._SPLIT.split(T.normalise(text)):
        piece = T._clean(piece)
        if piece:
            out.append(piece)
    return out


def ref_sentence_key(sentence):
    if len(sentence) <= 30 and ":" in sentence[:7]:
        m = T._HEADER.match(sentence)
        if m:
            return m.group(1) + ":"
    return T._DIGITS.sub("#", sentence)


class RefCorpus:
    def __init__(self, docs, boilerplate_orgs=4, boilerplate_share=0.0, block_sentences=3, block_chars=120):
        self.docs = list(docs)
        keys = []
        by_org = {}
        written = Counter()
        for d in self.docs:
            if d.sentences:
                ks = [ref_sentence_key(s) for s in d.sentences]
            else:
                d.sentences = ref_sentences(d.text)
                ks = [ref_sentence_key(s) for s in d.sentences]
            keys.append(ks)
            uk = set(ks)
            own = by_org.get(d.org)
            if own is None:
                by_org[d.org] = uk
            else:
                own |= uk
            written.update(uk)
        self.org_count = Counter()
        for uk in by_org.values():
            self.org_count.update(uk)
        self.common_at = max(boilerplate_orgs, math.ceil(boilerplate_share * len(by_org) - 1e-9))
        common = {k for k, c in self.org_count.items() if c >= self.common_at}
        stock = {k for k, c in written.items() if c > 1 and not k.endswith(":") and T.is_stock(k)}
        for d, ks in zip(self.docs, keys):
            if common.isdisjoint(ks):
                dropped = {k for k in ks if k.endswith(":") or k in stock}
            else:
                dropped = self._discount(d.sentences, ks, stock, common, block_sentences, block_chars)
            d.boilerplate = frozenset(dropped)
            d.content = "\n".join(s for s, k in zip(d.sentences, ks)
                                  if len(s) >= T.MIN_SENTENCE and k not in dropped)

    @staticmethod
    def _discount(sents, ks, stock, common, block_sentences, block_chars):
        dropped = set()
        run = []

        def flush():
            if len(run) < block_sentences or sum(n for _, n in run) < block_chars:
                dropped.update(k for k, _ in run)
            run.clear()

        for s, k in zip(sents, ks):
            if len(s) < T.MIN_SENTENCE:
                continue
            if k.endswith(":") or k in stock:
                dropped.add(k)
            elif k in common:
                run.append((k, len(s)))
            else:
                flush()
        flush()
        return dropped


def ref_content_signatures(contents, n=T.SHINGLE, chunk=400):
    out = np.full((len(contents), T.NUM_PERM), np.iinfo(np.uint32).max, dtype=np.uint32)
    for start in range(0, len(contents), chunk):
        part = contents[start:start + chunk]
        lens = np.array([len(c) for c in part], dtype=np.int64)
        codes = np.frombuffer("".join(part).encode("utf-32-le"), dtype=np.uint32)
        m = len(codes) - n + 1
        if m <= 0:
            continue
        h = np.zeros(m, dtype=np.uint32)
        for i in range(n):
            h = (h ^ (codes[i:i + m] * T._MIX[i])) * np.uint32(0x01000193)
        h ^= h >> np.uint32(15)
        ends = np.cumsum(lens)
        begins = ends - lens
        grams = np.maximum(lens - n + 1, 0)
        ok = grams > 0
        if not ok.any():
            continue
        idx = np.concatenate([np.arange(b, b + g) for b, g in zip(begins[ok], grams[ok])])
        hh = h[idx]
        offsets = np.concatenate([[0], np.cumsum(grams[ok])[:-1]])
        phv = T._PERM_A[:, None] * hh[None, :]
        phv += T._PERM_B[:, None]
        out[start + np.flatnonzero(ok)] = np.minimum.reduceat(phv, offsets, axis=1).T
    return out


def ref_lsh_candidates(sig, bands, rows, queries=None):
    n = sig.shape[0]
    keys = T._band_keys(sig, bands, rows)
    want = None
    if queries is not None:
        want = np.zeros(n, dtype=bool)
        want[queries] = True
    found = []
    for b in range(bands):
        col = keys[:, b]
        order = np.argsort(col, kind="stable")
        sk = col[order]
        edge = np.flatnonzero(np.diff(sk)) + 1
        starts = np.concatenate([[0], edge])
        ends = np.concatenate([edge, [n]])
        sizes = ends - starts
        for s, e in zip(starts[sizes > 1], ends[sizes > 1]):
            members = order[s:e]
            if want is not None and not want[members].any():
                continue
            ii, jj = np.triu_indices(len(members), 1)
            a, c = members[ii], members[jj]
            if want is not None:
                keep = want[a] | want[c]
                a, c = a[keep], c[keep]
            found.append(np.minimum(a, c).astype(np.int64) * n + np.maximum(a, c))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    codes = np.unique(np.concatenate(found))
    return np.stack([codes // n, codes % n], axis=1)


def ref_find_copies(corpus, threshold=0.5, min_chars=80, min_share=0.5, queries=None):
    docs = [d for d in corpus.docs if len(d.content) >= min_chars]
    if len(docs) < 2:
        return []
    sig = ref_content_signatures([d.content for d in docs])
    q = None
    if queries is not None:
        wanted = set(queries)
        q = np.array([i for i, d in enumerate(docs) if d.key in wanted], dtype=np.int64)
        if not len(q):
            return []
    bands, rows = T.band_params(threshold * 0.7)
    cand = ref_lsh_candidates(sig, bands, rows, q)
    if not len(cand):
        return []
    est = (sig[cand[:, 0]] == sig[cand[:, 1]]).mean(axis=1)
    cand = cand[est >= threshold - 0.15]
    pairs = []
    for i, j in cand:
        a, b = docs[i], docs[j]
        jac = T.jaccard(T.shingle_hashes(a.content), T.shingle_hashes(b.content))
        if jac < threshold:
            continue
        earlier, later = (a, b) if (a.order, str(a.key)) <= (b.order, str(b.key)) else (b, a)
        blocks = T.copied_blocks(earlier.content, later.content)
        share = sum(n for _, _, n in blocks) / max(len(later.content), 1)
        if share >= min_share:
            pairs.append((earlier.key, later.key, jac, share))
    return pairs


# --- corpora ----------------------------------------------------------------------------------------------------

AWKWARD = [
    "(一)会议研究了客运站改造。1.。会议决定由王建国负责。\r\n二、讨论了爱心座椅数量不足的问题。",
    "（1）学习了党章。（二）传达了文件精神!!会议时间：2025年3月12日\n主持人：王建国\n\n散会。",
    "一二三。12、13日前完成。1、2。#-*会议要求全体党员在3月底前完成党费补缴。 。，",
    "ＡＢＣ：１２３；全角句子！半角句子? 再来一句;\t制表符\u3000全角空格。",
    "应到：12人，实到：11人\n缺席：无\n记录人：李华\n:开头冒号的句子不是表头:对吗。",
    "(一)abc。一)abc。(1)。1)x。“引号句子。”【方括号】。——破折号——。·圆点·。",
    "",
    None,
    "。。。\n\n\n",
    "同意。散会。好的。",
    "含\x00空字符的文本。第二句在这里。",
    "会议号召全体党员要以更加饱满的热情、更加务实的作风，扎实做好各项工作。会议要求全体党员在3月底前完成党费补缴。",
    "会议号召全体党员要以更加饱满的热情、更加务实的作风，扎实做好各项工作。会议研究了客运站无障碍设施改造的进度安排。",
]


def _awkward_docs():
    docs = []
    for k in range(6):          # six organisations write each text: common sentences and runs appear
        for i, text in enumerate(AWKWARD):
            docs.append(T.Doc(key=(k, i), org=k if i % 3 else k % 2, order=(i, k), text=text))
    return docs


def _bench_docs(n):
    path = Path(__file__).resolve().parents[3] / "bench" / "txt.py"
    spec = importlib.util.spec_from_file_location("_bench_txt_for_test", path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
        docs, _ = mod.generate(n, seed=11, copy_rate=0.05)
    except ImportError:         # jieba missing: the awkward texts alone
        pytest.skip("bench/txt.py's generator needs jieba")
    return docs


@pytest.fixture(scope="module")
def bench_docs():
    docs = _bench_docs(3000)
    # sentences given beforehand (copies.py's split cache) for some texts; some texts repeated in other orgs
    extra = [T.Doc(key=("again", d.key), org=d.org + 7, order=(2026, 1, d.key), text=d.text) for d in docs[:200:3]]
    return docs + extra


def _fresh(docs):
    return [T.Doc(key=d.key, org=d.org, order=d.order, text=d.text) for d in docs]


def _same_corpus(docs, **kw):
    ref = RefCorpus(_fresh(docs), **kw)
    new = T.Corpus(_fresh(docs), **kw)
    assert new.common_at == ref.common_at
    assert new.org_count == ref.org_count
    for a, b in zip(ref.docs, new.docs):
        assert b.sentences == a.sentences, a.text
        assert b.boilerplate == a.boilerplate, a.text
        assert b.content == a.content, a.text
    return ref, new


def test_sentences_and_keys_are_the_reference_ones(bench_docs):
    for d in _awkward_docs() + bench_docs[:500]:
        want = ref_sentences(d.text)
        assert T.sentences(d.text) == want
        assert [T.sentence_key(s) for s in want] == [ref_sentence_key(s) for s in want]


@pytest.mark.parametrize("kw", [{}, {"boilerplate_orgs": 2}, {"boilerplate_share": 0.5},
                                {"block_sentences": 2, "block_chars": 20}])
def test_awkward_texts_give_the_reference_corpus(kw):
    ref, _ = _same_corpus(_awkward_docs(), **kw)
    assert any(d.boilerplate for d in ref.docs)
    # both ways of discounting are exercised: texts with common sentences and texts without
    common = {k for k, c in ref.org_count.items() if c >= ref.common_at}
    with_common = sum(1 for d in ref.docs if not common.isdisjoint(T.sentence_key(s) for s in d.sentences))
    assert 0 < with_common < len(ref.docs)


def test_generated_minutes_give_the_reference_corpus_and_pairs(bench_docs):
    ref, new = _same_corpus(bench_docs)
    assert any(d.boilerplate - {k for k in d.boilerplate if k.endswith(":")} for d in ref.docs)
    want = ref_find_copies(ref, min_share=0.0)
    got = [(p.earlier.key, p.later.key, p.jaccard, p.copied_share) for p in T.find_copies(new, min_share=0.0)]
    assert len(want) > 50
    assert sorted(got, key=str) == sorted(want, key=str)
    queries = [d.key for d in ref.docs[::97]]
    want_q = ref_find_copies(ref, min_share=0.5, queries=queries)
    got_q = [(p.earlier.key, p.later.key, p.jaccard, p.copied_share)
             for p in T.find_copies(new, min_share=0.5, queries=queries)]
    assert sorted(got_q, key=str) == sorted(want_q, key=str)


def test_split_cache_and_given_sentences_give_the_same_corpus(bench_docs):
    docs = bench_docs[:800]
    ref = RefCorpus(_fresh(docs))
    cache: dict = {}
    T.Corpus(_fresh(docs[:300]), split_cache=cache)          # an earlier run fills the cache
    given = _fresh(docs)
    for d in given[::5]:
        d.sentences = ref_sentences(d.text)
    new = T.Corpus(given, split_cache=cache)
    assert new.org_count == ref.org_count
    assert [(d.sentences, d.boilerplate, d.content) for d in new.docs] == \
        [(d.sentences, d.boilerplate, d.content) for d in ref.docs]
    assert len(cache) >= 300


def test_signatures_and_candidates_are_the_reference_ones(bench_docs):
    corpus = T.Corpus(_fresh(bench_docs))
    contents = [d.content for d in corpus.docs] + ["", "abcd", "abcde", "短"]
    sig = T.content_signatures(contents)
    assert np.array_equal(sig, ref_content_signatures(contents))
    assert np.array_equal(sig[:50], T.signatures([T.shingle_hashes(c) for c in contents[:50]]))
    real = sig[:-4]
    for bands, rows in (T.band_params(0.35), (8, 2), (32, 1)):
        want = ref_lsh_candidates(real, bands, rows)
        got = T.lsh_candidates(real, bands, rows)
        assert got.dtype == want.dtype and np.array_equal(got, want)
        q = np.arange(0, len(real), 13)
        assert np.array_equal(T.lsh_candidates(real, bands, rows, q), ref_lsh_candidates(real, bands, rows, q))
    assert T.lsh_candidates(real[:1], 8, 2).shape == (0, 2)


def test_sentence_ids_survive_a_hash_collision(monkeypatch):
    # the sentence forms are numbered by sorting their hashes; strings that only share a hash stay apart
    strings = ["会议决定", "会议要求", "会议决定", "主持人:", "会议要求", "x"]
    monkeypatch.setattr(T, "hash", lambda s: 7, raising=False)
    uniq, ids = T._intern(strings)
    assert sorted(uniq) == sorted(set(strings)) and [uniq[i] for i in ids] == strings
    _same_corpus(_awkward_docs())
