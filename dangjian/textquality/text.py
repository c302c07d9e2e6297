"""Text helpers shared by the TXT- rules (issue 8).

Stable helpers (other modules import these; keep the names and signatures):

* ``normalise(text) -> str`` — full-width ASCII forms → half-width (letters, digits, punctuation: "：" → ":",
  "，" → ",", "１" → "1"; the ideographic space too), line breaks kept as "\\n", other whitespace removed (Chinese
  text does not use spaces between words), Latin letters lower-cased. (Not full NFKC: the same for the
  characters minutes use, and several times faster on a corpus of 100,000 texts.) 。、 and 《》 stay.
* ``sentences(text) -> list[str]`` — the normalised sentences of a text: split after 。！？；!?; and at line
  breaks; each stripped of surrounding punctuation and bullets; empty pieces dropped.
* ``sentence_key(sentence) -> str`` — the form used to count how common a sentence is: digits masked
  ("会议时间:2025年3月12日" → "会议时间:#年#月#日"), and a header line "标签:值" (label of at most 6
  characters, line of at most 30) reduced to its label ("主持人:王建国" → "主持人:").
* ``shingles(text, n=5) -> set[str]`` — character n-grams of a text (the text itself when shorter).

TXT-01 (copies.py) adds: the corpus sentence document frequency and boilerplate discount
(``Corpus``), MinHash signatures and LSH candidates, rapidfuzz verification and the aligned copied spans
(``copied_spans``).
"""
from __future__ import annotations

import re

_SPACE = re.compile(r"[^\S\n]+")
# Sentence ends: 。！？； (half-width after `normalise`) and line breaks.
_SPLIT = re.compile(r"(?<=[。!?;！？；])|\n")
_STRIP = "。!?;！？；,，、:：.·•-—*#（）()[]【】\"'“”‘’ \t"
_BULLET = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|\d+[、.)]|[(（][一二三四五六七八九十\d]+[)）])")
_DIGITS = re.compile(r"\d+")
_HEADER = re.compile(r"^([^:]{1,6}):(.*)$")


_COMMON_WIDE = (("，", ","), ("：", ":"), ("；", ";"), ("！", "!"), ("？", "?"), ("（", "("), ("）", ")"))
_WIDE = re.compile(r"[\uFF01-\uFF5E\u3000]")
_HALF = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def normalise(text: str | None) -> str:
    """Half-width forms, lower-case, whitespace removed except line breaks (see the module docstring)."""
    if not text:
        return ""
    for wide, half in _COMMON_WIDE:
        text = text.replace(wide, half)
    if _WIDE.search(text):
        text = text.translate(_HALF)
    text = text.replace("\r\n", "\n").replace("\r", "\n").lower()
    return _SPACE.sub("", text)


def _clean(piece: str) -> str:
    piece = piece.strip(_STRIP)
    piece = _BULLET.sub("", piece)
    return piece.strip(_STRIP)


def sentences(text: str | None) -> list[str]:
    """The normalised sentences of a text (see the module docstring)."""
    out = []
    for piece in _SPLIT.split(normalise(text)):
        piece = _clean(piece)
        if piece:
            out.append(piece)
    return out


def sentence_key(sentence: str) -> str:
    """Digits masked; a short "标签:值" header line reduced to its label."""
    if len(sentence) <= 30 and ":" in sentence[:7]:
        m = _HEADER.match(sentence)
        if m:
            return m.group(1) + ":"
    return _DIGITS.sub("#", sentence)


def shingles(text: str, n: int = 5) -> set[str]:
    """Character n-grams of `text` (the whole text when shorter than n)."""
    if len(text) <= n:
        return {text} if text else set()
    return {text[i:i + n] for i in range(len(text) - n + 1)}


# --- TXT-01: corpus, boilerplate discount, MinHash LSH, verification, copied spans -------------------------

import hashlib  # noqa: E402
import math  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any, Hashable, Iterable  # noqa: E402

import numpy as np  # noqa: E402

SHINGLE = 5            # characters per shingle
NUM_PERM = 96          # MinHash permutations
MIN_SENTENCE = 4       # shorter sentences ("散会", "同意") carry nothing to copy
_SEED = 20261126
_rng = np.random.RandomState(_SEED)
# (a·x + b) mod 2^32 with odd a is a bijection of the 32-bit shingle hashes: one permutation each.
_PERM_A = (_rng.randint(0, 2**31, NUM_PERM, dtype=np.int64) * 2 + 1).astype(np.uint32)
_PERM_B = _rng.randint(0, 2**32, NUM_PERM, dtype=np.int64).astype(np.uint32)
_MIX = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1], dtype=np.uint32)


@dataclass
class Doc:
    """One text of the corpus: `key` names it (e.g. ("meeting", 17)), `order` says which came first."""

    key: Hashable
    org: Any
    order: Any
    text: str
    sentences: list[str] = field(default_factory=list)
    content: str = ""                       # the sentences that are not boilerplate, one a line
    hashes: np.ndarray | None = None        # sorted unique 32-bit shingle hashes of `content`
    # The keys (`sentence_key`) of the sentences of at least MIN_SENTENCE characters discounted in this text:
    # header lines, stock sentences, sentences common in the corpus (see `Corpus`).
    boilerplate: frozenset = frozenset()

    def keeps(self, sentence: str, key: str | None = None) -> bool:
        """Whether `sentence` (one of this text's) is part of its substance (`content`)."""
        if len(sentence) < MIN_SENTENCE:
            return False
        return (sentence_key(sentence) if key is None else key) not in self.boilerplate

    def set_content(self, boilerplate: Iterable[str]) -> None:
        """Discount `boilerplate` (sentence keys) and rebuild `content` (the texts of the evidence page)."""
        if not self.sentences:
            self.sentences = sentences(self.text)
        self.boilerplate = frozenset(boilerplate)
        self.content = "\n".join(s for s in self.sentences if self.keeps(s))
        self.hashes = None


# --- Stock sentences (套话) ---------------------------------------------------------------------------------
# The phrases 机关 minutes and reports open, close and link with: leads (会议要求 …), the study formula
# (学习了习近平总书记…重要讲话精神), the slogans (提高政治站位, 四个意识, 两个维护 …) and the closing formulae (再上新台阶,
# 贡献力量 …). A sentence is stock when these phrases cover at least STOCK_COVER of its characters (punctuation
# not counted) and it has no Arabic number (a date, a count: something concrete). The list is curated, not learnt:
# extend it when a stock sentence is found counted as substance.
STOCK_PHRASES = (
    # leads
    "会议号召", "会议要求", "会议强调", "会议指出", "会议认为", "会议提出", "会议首先", "会议最后", "会议还", "会议一致认为",
    "与会党员", "与会人员", "与会同志", "大家一致", "一致表示", "一致认为", "纷纷表示", "全体党员", "广大党员", "党员干部",
    "全体党员干部", "支部全体党员",
    # the study formula
    "集中学习了", "认真学习了", "传达学习了", "学习了", "传达了", "学习贯彻", "深入学习", "认真学习", "习近平总书记",
    "最新重要讲话", "重要讲话", "重要指示批示精神", "重要指示精神", "重要论述", "重要讲话精神", "上级党组织", "上级有关",
    "有关会议精神", "有关文件精神", "会议精神", "文件精神",
    "习近平新时代中国特色社会主义思想", "为指导", "坚持以", "深入贯彻落实", "贯彻落实", "党的二十大", "二十届历次全会精神",
    "历次全会精神", "党中央", "决策部署", "把思想和行动统一到", "统一到", "上来",
    # slogans
    "提高政治站位", "政治站位", "切实", "以实际行动", "践行初心使命", "初心使命", "不忘初心", "牢记使命", "四个意识",
    "四个自信", "两个维护", "两个确立", "增强", "坚定", "做到", "进一步", "充分发挥", "战斗堡垒作用", "先锋模范作用",
    "党员先锋模范作用", "支部战斗堡垒作用", "凝心聚力", "团结一心", "守正创新", "奋发有为", "担当作为", "真抓实干", "锐意进取",
    "攻坚克难", "履职尽责", "全面从严治党", "党风廉政建设", "以此为契机", "将以此为契机",
    # closing formulae
    "更加饱满的热情", "更加务实的作风", "饱满的热情", "务实的作风", "昂扬的斗志", "立足本职岗位", "立足本职", "立足岗位",
    "扎实做好各项工作", "做好各项工作", "各项工作", "推动", "再上新台阶", "迈上新台阶", "取得新成效", "新的更大成绩",
    "高质量发展", "贡献力量", "作出更大贡献", "积极贡献", "努力奋斗", "要以", "为", "和",
)
STOCK_COVER = 0.75
_STOCK_RE = re.compile("|".join(re.escape(p) for p in sorted(set(STOCK_PHRASES), key=len, reverse=True)))
_PUNCT = re.compile(r"[,，、:;“”\"'《》()（）]")
_STOCK_CACHE: dict[str, bool] = {}
SPLIT_LIMIT = 300_000   # entries of a `Corpus(split_cache=…)` (text → (sentences, keys)); cleared past it


def is_stock(key: str) -> bool:
    """Whether a sentence (its `sentence_key`) is a stock sentence: see STOCK_PHRASES."""
    hit = _STOCK_CACHE.get(key)
    if hit is None:
        if "#" in key:
            hit = False
        else:
            chars = len(_PUNCT.sub("", key))
            covered = sum(m.end() - m.start() for m in _STOCK_RE.finditer(_PUNCT.sub("", key)))
            hit = chars > 0 and covered >= STOCK_COVER * chars
        if len(_STOCK_CACHE) > 200_000:
            _STOCK_CACHE.clear()
        _STOCK_CACHE[key] = hit
    return hit


def band_params(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows) for an LSH that catches pairs from `threshold` on: datasketch's own optimiser (the
    same choice as `datasketch.MinHashLSH(threshold, num_perm)`)."""
    from datasketch.lsh import _optimal_param

    return _optimal_param(threshold, num_perm, 0.5, 0.5)


class Corpus:
    """The texts judged together, with the boilerplate discount. Discounted in every text: header lines
    ("标签:值", see `sentence_key`), sentences shorter than MIN_SENTENCE characters and stock sentences
    (`is_stock`, checked for every sentence more than one text writes). A sentence (by `sentence_key`) written
    by at least max(`boilerplate_orgs`, ⌈`boilerplate_share` × organisations in the corpus⌉) different
    organisations is *common*: discounted too, unless it is part of a copied block — a run of at least
    `block_sentences` consecutive common sentences of at least `block_chars` characters in all (headers and stock
    sentences between them neither break nor count), which is minutes pasted from one org into many rather than
    the city's stock phrases."""

    def __init__(self, docs: Iterable[Doc], boilerplate_orgs: int = 4, boilerplate_share: float = 0.0,
                 block_sentences: int = 3, block_chars: int = 120, split_cache: dict | None = None):
        self.docs: list[Doc] = list(docs)
        self.boilerplate_orgs = boilerplate_orgs
        keys = []
        by_org: dict[Any, set[str]] = {}
        written: Counter = Counter()
        cache = {} if split_cache is None else split_cache
        if len(cache) > SPLIT_LIMIT:
            cache.clear()
        for d in self.docs:
            if d.sentences:
                ks = [sentence_key(s) for s in d.sentences]
            else:
                # with a `split_cache` kept between runs (copies.py), an incremental run re-splits only edits
                cached = cache.get(d.text)
                if cached is None:
                    ss = sentences(d.text)
                    cached = cache[d.text] = (ss, [sentence_key(s) for s in ss])
                d.sentences, ks = cached
            keys.append(ks)
            uk = set(ks)
            own = by_org.get(d.org)
            if own is None:
                by_org[d.org] = uk
            else:
                own |= uk
            written.update(uk)
        self.org_count: Counter = Counter()
        for uk in by_org.values():
            self.org_count.update(uk)
        self.common_at = max(boilerplate_orgs, math.ceil(boilerplate_share * len(by_org) - 1e-9))
        common = {k for k, c in self.org_count.items() if c >= self.common_at}
        # (`written` counts texts: a sentence only one text writes cannot make two texts alike)
        stock = {k for k, c in written.items() if c > 1 and not k.endswith(":") and is_stock(k)}
        for d, ks in zip(self.docs, keys):
            if common.isdisjoint(ks):      # the usual text: no common sentence, no run to look at
                dropped = {k for k in ks if k.endswith(":") or k in stock}
            else:
                dropped = self._discount(d.sentences, ks, stock, common, block_sentences, block_chars)
            d.boilerplate = frozenset(dropped)
            d.content = "\n".join(s for s, k in zip(d.sentences, ks) if len(s) >= MIN_SENTENCE and k not in dropped)

    @staticmethod
    def _discount(sents, ks, stock, common, block_sentences, block_chars) -> set[str]:
        dropped: set[str] = set()
        run: list[tuple[str, int]] = []

        def flush():
            if len(run) < block_sentences or sum(n for _, n in run) < block_chars:
                dropped.update(k for k, _ in run)
            run.clear()

        for s, k in zip(sents, ks):
            if len(s) < MIN_SENTENCE:
                continue
            if k.endswith(":") or k in stock:
                dropped.add(k)
            elif k in common:
                run.append((k, len(s)))
            else:
                flush()
        flush()
        return dropped

    def is_boilerplate(self, sentence: str, doc: Doc | None = None) -> bool:
        """Too short, a header line ("主持人:王建国", "应到:12人,实到:11人"), a stock sentence, or common — in
        `doc` when given (a common sentence of a copied block is not boilerplate there)."""
        if doc is not None:
            return not doc.keeps(sentence)
        key = sentence_key(sentence)
        return (len(sentence) < MIN_SENTENCE or key.endswith(":") or is_stock(key)
                or self.org_count[key] >= self.common_at)


def shingle_hashes(content: str, n: int = SHINGLE) -> np.ndarray:
    """Sorted unique 32-bit hashes of the character n-grams of `content` (vectorised)."""
    codes = np.frombuffer(content.encode("utf-32-le"), dtype=np.uint32)
    if len(codes) < n:
        codes = np.concatenate([codes, np.zeros(n - len(codes), dtype=np.uint32)]) if len(codes) else codes
        if not len(codes):
            return codes
    m = len(codes) - n + 1
    h = np.zeros(m, dtype=np.uint32)
    for i in range(n):
        h = (h ^ (codes[i:i + m] * _MIX[i])) * np.uint32(0x01000193)
    h ^= h >> np.uint32(15)
    return np.unique(h)


def content_signatures(contents: list[str], n: int = SHINGLE, chunk: int = 400) -> np.ndarray:
    """MinHash signatures straight from texts, a chunk of texts per NumPy pass: the n-gram hashes of the
    concatenated chunk (n-grams that cross from one text into the next dropped), no per-text set needed
    (a repeated n-gram does not change a minimum). Same values as `signatures(shingle_hashes(...))`."""
    out = np.full((len(contents), NUM_PERM), np.iinfo(np.uint32).max, dtype=np.uint32)
    for start in range(0, len(contents), chunk):
        part = contents[start:start + chunk]
        lens = np.array([len(c) for c in part], dtype=np.int64)
        codes = np.frombuffer("".join(part).encode("utf-32-le"), dtype=np.uint32)
        m = len(codes) - n + 1
        if m <= 0:
            continue
        h = np.zeros(m, dtype=np.uint32)
        for i in range(n):
            h = (h ^ (codes[i:i + m] * _MIX[i])) * np.uint32(0x01000193)
        h ^= h >> np.uint32(15)
        ends = np.cumsum(lens)
        begins = ends - lens
        grams = np.maximum(lens - n + 1, 0)
        ok = grams > 0
        if not ok.any():
            continue
        # positions of the n-grams that lie inside one text
        idx = np.concatenate([np.arange(b, b + g) for b, g in zip(begins[ok], grams[ok])])
        hh = h[idx]
        offsets = np.concatenate([[0], np.cumsum(grams[ok])[:-1]])
        phv = _PERM_A[:, None] * hh[None, :]
        phv += _PERM_B[:, None]
        out[start + np.flatnonzero(ok)] = np.minimum.reduceat(phv, offsets, axis=1).T
    return out


def signatures(hash_sets: list[np.ndarray], chunk: int = 400) -> np.ndarray:
    """MinHash signatures (len(hash_sets) × NUM_PERM, uint32), computed chunk-wise with NumPy."""
    out = np.full((len(hash_sets), NUM_PERM), np.iinfo(np.uint32).max, dtype=np.uint32)
    for start in range(0, len(hash_sets), chunk):
        part = hash_sets[start:start + chunk]
        idx = [i for i, h in enumerate(part) if len(h)]
        if not idx:
            continue
        lens = np.array([len(part[i]) for i in idx])
        allh = np.concatenate([part[i] for i in idx])
        # permutations × shingles, C order: the per-document minimum runs along contiguous memory
        phv = _PERM_A[:, None] * allh[None, :]
        phv += _PERM_B[:, None]
        offsets = np.concatenate([[0], np.cumsum(lens)[:-1]])
        out[start + np.array(idx)] = np.minimum.reduceat(phv, offsets, axis=1).T
    return out


def _band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per (document, band)."""
    n = sig.shape[0]
    keys = np.zeros((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(rows):
            col = sig[:, r:bands * rows:rows][:, :bands].astype(np.uint64)
            keys = (keys * np.uint64(0x100000001B3)) ^ (col + np.uint64((r + 1) * 0x9E3779B97F4A7C15 % 2**64))
    return keys


def lsh_candidates(sig: np.ndarray, bands: int, rows: int, queries: np.ndarray | None = None) -> np.ndarray:
    """Pairs (i, j), i < j, that agree on all rows of at least one band; with `queries` (document
    indexes) only pairs that involve one of them. Returns an int64 array of shape (k, 2)."""
    n = sig.shape[0]
    keys = _band_keys(sig, bands, rows)
    want = None
    if queries is not None:
        want = np.zeros(n, dtype=bool)
        want[queries] = True
    found = []
    for b in range(bands):
        col = keys[:, b]
        order = np.argsort(col, kind="stable")
        sk = col[order]
        # runs of equal keys
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


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if not len(a) or not len(b):
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


@dataclass
class Pair:
    earlier: Doc
    later: Doc
    jaccard: float
    copied_share: float     # share of the later text's substance covered by copied spans


def copied_blocks(a: str, b: str, min_span: int = 8) -> list[tuple[int, int, int]]:
    """Aligned copied spans of two texts: (start in a, start in b, length) of each equal block of at least
    `min_span` characters in rapidfuzz's Indel alignment."""
    from rapidfuzz.distance import Indel

    out = []
    for op in Indel.opcodes(a, b):
        if op.tag == "equal" and op.src_end - op.src_start >= min_span:
            out.append((op.src_start, op.dest_start, op.src_end - op.src_start))
    return out


def find_copies(corpus: Corpus, threshold: float = 0.5, min_chars: int = 80, min_share: float = 0.5,
                queries: Iterable[Hashable] | None = None, signature_cache: dict | None = None) -> list[Pair]:
    """The near-duplicate pairs of the corpus: MinHash LSH candidates over the substance's shingles, an
    estimate from the signatures, the exact Jaccard similarity ≥ `threshold`, then rapidfuzz's alignment:
    the copied spans must cover `min_share` of the later text's substance. With `queries` (doc keys), only
    pairs involving those documents."""
    docs = [d for d in corpus.docs if len(d.content) >= min_chars]
    if len(docs) < 2:
        return []
    if signature_cache is None:
        sig = content_signatures([d.content for d in docs])
    else:
        digests = [hashlib.blake2b(d.content.encode(), digest_size=12).digest() for d in docs]
        missing = [i for i, g in enumerate(digests) if g not in signature_cache]
        if missing:
            fresh = content_signatures([docs[i].content for i in missing])
            for i, row in zip(missing, fresh):
                signature_cache[digests[i]] = row
        sig = np.stack([signature_cache[g] for g in digests])
    q = None
    if queries is not None:
        wanted = set(queries)
        q = np.array([i for i, d in enumerate(docs) if d.key in wanted], dtype=np.int64)
        if not len(q):
            return []
    bands, rows = band_params(threshold * 0.7)
    cand = lsh_candidates(sig, bands, rows, q)
    if not len(cand):
        return []
    est = (sig[cand[:, 0]] == sig[cand[:, 1]]).mean(axis=1)
    cand = cand[est >= threshold - 0.15]
    pairs = []
    for i, j in cand:
        a, b = docs[i], docs[j]
        for d in (a, b):
            if d.hashes is None:
                d.hashes = shingle_hashes(d.content)
        jac = jaccard(a.hashes, b.hashes)
        if jac < threshold:
            continue
        earlier, later = (a, b) if (a.order, str(a.key)) <= (b.order, str(b.key)) else (b, a)
        blocks = copied_blocks(earlier.content, later.content)
        share = sum(n for _, _, n in blocks) / max(len(later.content), 1)
        if share >= min_share:
            pairs.append(Pair(earlier, later, jac, share))
    return pairs


def exhaustive_pairs(hash_sets: list[np.ndarray], threshold: float, block: int = 500) -> set[tuple[int, int]]:
    """Every pair with exact Jaccard ≥ threshold, by sparse matrix products (the benchmark's baseline)."""
    from scipy import sparse

    lens = np.array([len(h) for h in hash_sets], dtype=np.int64)
    vocab, inv = np.unique(np.concatenate(hash_sets), return_inverse=True)
    rows = np.repeat(np.arange(len(hash_sets)), lens)
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, inv)),
                          shape=(len(hash_sets), len(vocab)))
    xt = x.T.tocsr()
    out = set()
    for start in range(0, len(hash_sets), block):
        inter = (x[start:start + block] @ xt).tocoo()
        i = inter.row + start
        j = inter.col
        keep = i < j
        i, j, v = i[keep], j[keep], inter.data[keep]
        jac = v / (lens[i] + lens[j] - v)
        hit = jac >= threshold
        out.update(zip(i[hit].tolist(), j[hit].tolist()))
    return out


_FULL = str.maketrans({",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"})


def highlighted(doc: Doc, corpus: Corpus | None, blocks: Iterable[tuple[int, int]]) -> list[dict]:
    """The text of `doc` for display, a sentence at a time: {"boilerplate": bool, "parts": [(text, copied)]}.
    `blocks` are (start, length) spans in `doc.content` (see `copied_blocks`); discounted sentences
    (`Doc.keeps`) are not part of the content and carry no marks. Punctuation is shown full-width again.
    (`corpus` is no longer needed: the text knows its discounted sentences.)"""
    marked = np.zeros(len(doc.content) + 1, dtype=bool)
    for start, length in blocks:
        marked[start:start + length] = True
    out, offset = [], 0
    for s in doc.sentences:
        if not doc.keeps(s):
            out.append({"boilerplate": True, "parts": [(s.translate(_FULL), False)]})
            continue
        parts: list[tuple[str, bool]] = []
        for i, ch in enumerate(s):
            flag = bool(marked[offset + i]) if offset + i < len(marked) else False
            if parts and parts[-1][1] == flag:
                parts[-1] = (parts[-1][0] + ch, flag)
            else:
                parts.append((ch, flag))
        offset += len(s) + 1
        out.append({"boilerplate": False, "parts": [(t.translate(_FULL), f) for t, f in parts]})
    return out
