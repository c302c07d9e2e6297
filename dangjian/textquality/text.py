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

import numpy as np

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


def _chars(chars) -> str:
    return "".join(re.escape(c) for c in sorted(set(chars)))


_ENDS = "。!?;！？；\n"
# One match per sentence, the same as splitting at _SPLIT and `_clean`ing each piece (the equivalence is tested in
# tests/test_text_speed_equivalence.py): skip punctuation and line breaks (possessive: a bracket once skipped is not
# given back to the bullet), drop a bullet when a sentence follows it within the piece, then the sentence: from a
# character that is neither punctuation nor a sentence end to the last such character before the piece ends.
_SENTENCE = re.compile(
    f"[{_chars(_STRIP + _ENDS)}]*+"
    f"(?:{_BULLET.pattern[1:]}[{_chars(set(_STRIP) - set(_ENDS))}]*+)?"
    f"([^{_chars(_STRIP + _ENDS)}](?:[^{_chars(_ENDS)}]*[^{_chars(_STRIP + _ENDS)}])?)")
# each sentence's header label or "", in "\n" + sentences joined by "\n" (one match a line)
_HEADER_LINE = re.compile(r"\n([^:\n]{1,6}:)?")
_TABLES: dict[str, np.ndarray] = {}


def _table(pattern: str) -> np.ndarray:
    """Whether each code point matches the one-character regex `pattern` (a lookup table for NumPy)."""
    table = _TABLES.get(pattern)
    if table is None:
        every = "".join(map(chr, range(0x110000)))
        table = np.zeros(0x110000, dtype=bool)
        table[[m.start() for m in re.finditer(pattern, every)]] = True
        _TABLES[pattern] = table
    return table


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _text(codes: np.ndarray) -> str:
    return codes.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


def _normalise_many(texts: list[str | None]) -> list[str]:
    """`normalise` of many texts, each step once over them all (joined by NUL; per text if one holds a NUL).
    The same result: every step is character by character (`lower`'s final sigma looks no further than a NUL)."""
    texts = [t or "" for t in texts]
    big = "\0".join(texts)
    if len(texts) < 2 or big.count("\0") != len(texts) - 1:
        return [normalise(t) for t in texts]
    for wide, half in _COMMON_WIDE:
        big = big.replace(wide, half)
    if _WIDE.search(big):
        big = _WIDE.sub(lambda m: chr(_HALF[ord(m.group())]), big)
    big = big.replace("\r\n", "\n").replace("\r", "\n").lower()
    codes = _codes(big)
    space = _table(_SPACE.pattern[:-1])[codes]
    if space.any():
        big = _text(codes[~space])
    return big.split("\0")


def sentences(text: str | None) -> list[str]:
    """The normalised sentences of a text (see the module docstring)."""
    return _SENTENCE.findall(normalise(text))


def _keys(flat: list[str]) -> list[str]:
    """`sentence_key` of many sentences at once: digits masked in one pass over them all, header lines found by
    one regex (sentences hold no line break, so one joined string serves)."""
    if not flat:
        return []
    joined = "\n".join(flat)
    if joined.count("\n") != len(flat) - 1:     # sentences given by a caller, not split here
        return [sentence_key(s) for s in flat]
    # digits masked: each run of decimal digits (what `\d+` matches) becomes one "#"
    codes = _codes(joined)
    digit = _table(r"\d")[codes]
    if digit.any():
        first = digit.copy()
        first[1:] &= ~digit[:-1]
        codes = np.where(digit, np.uint32(ord("#")), codes)[first | ~digit]
        keys = _text(codes).split("\n")
    else:
        keys = flat[:]
    labels = _HEADER_LINE.findall("\n" + joined)
    head = np.fromiter(map(len, labels), dtype=np.int64, count=len(flat)) > 0
    head &= np.fromiter(map(len, flat), dtype=np.int64, count=len(flat)) <= 30
    for line in np.flatnonzero(head).tolist():
        keys[line] = labels[line]
    return keys


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

import functools  # noqa: E402
import gc  # noqa: E402
import hashlib  # noqa: E402
import math  # noqa: E402
from collections import Counter  # noqa: E402
from itertools import chain, compress  # noqa: E402
from operator import itemgetter, methodcaller  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any, Hashable, Iterable  # noqa: E402


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
SPLIT_BLOCK = 5_000     # texts split together by `Corpus` (NumPy passes over their joined characters)
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


@functools.lru_cache(maxsize=32)
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
        # Vectorised (issue 8, 100,000 texts): sentences split by one regex per text, keys computed over all
        # sentences at once, the (sentence, text) and (sentence, organisation) counts and the runs of common
        # sentences computed with NumPy over integer sentence ids. The same result as the sentence-by-sentence
        # version kept in tests/test_text_speed_equivalence.py. The cyclic garbage collector is paused meanwhile:
        # millions of new lists and strings would set off full collections again and again (~30% of the time).
        paused = gc.isenabled()
        gc.disable()
        try:
            self._build(docs, boilerplate_orgs, boilerplate_share, block_sentences, block_chars, split_cache)
        finally:
            if paused:
                gc.enable()

    @property
    def org_count(self) -> Counter:
        """How many organisations write each sentence (by `sentence_key`); built when first asked for (the
        discount itself needs only the counts by sentence id)."""
        if self._org_count is None:
            self._org_count = Counter(dict(zip(self._key_forms, self._by_orgs.tolist())))
        return self._org_count

    def _build(self, docs, boilerplate_orgs, boilerplate_share, block_sentences, block_chars, split_cache):
        self.docs: list[Doc] = list(docs)
        self.boilerplate_orgs = boilerplate_orgs
        cache = {} if split_cache is None else split_cache
        if len(cache) > SPLIT_LIMIT:
            cache.clear()
        keys: list[list[str] | None] = [None] * len(self.docs)
        given = []                                  # texts whose sentences the caller gave
        todo: dict[str, list[int]] = {}            # text → texts to split (a repeated text is split once)
        for i, d in enumerate(self.docs):
            if d.sentences:
                given.append(i)
                continue
            # with a `split_cache` kept between runs (copies.py), an incremental run re-splits only edits
            cached = cache.get(d.text)
            if cached is None:
                todo.setdefault(d.text, []).append(i)
            else:
                d.sentences, keys[i] = cached
        if todo:
            texts = list(todo)
            for start in range(0, len(texts), SPLIT_BLOCK):     # a block at a time: bounded temporaries
                block = texts[start:start + SPLIT_BLOCK]
                split = list(map(_SENTENCE.findall, _normalise_many(block)))
                for t, ss, ks in zip(block, split, self._per_text(split)):
                    cache[t] = (ss, ks)
                    for i in todo[t]:
                        self.docs[i].sentences, keys[i] = ss, ks
        if given:
            for i, ks in zip(given, self._per_text([self.docs[i].sentences for i in given])):
                keys[i] = ks

        n_docs = len(self.docs)
        counts = np.fromiter(map(len, keys), dtype=np.int64, count=n_docs)
        flat_k = list(chain.from_iterable(keys))
        flat_s = list(chain.from_iterable(d.sentences for d in self.docs))
        uniq, kid = _intern(flat_k)
        n_keys = len(uniq)
        doc = np.repeat(np.arange(n_docs, dtype=np.int64), counts)
        orgs: dict = {}
        org = np.fromiter((orgs.setdefault(d.org, len(orgs)) for d in self.docs), dtype=np.int64, count=n_docs)
        # texts and organisations writing each sentence (by key)
        written = np.bincount(_unique(doc * n_keys + kid) % n_keys, minlength=n_keys)
        by_orgs = np.bincount(_unique(org[doc] * n_keys + kid) % n_keys, minlength=n_keys)
        self._key_forms, self._by_orgs, self._org_count = uniq, by_orgs, None
        self.common_at = max(boilerplate_orgs, math.ceil(boilerplate_share * len(orgs) - 1e-9))
        common = by_orgs >= self.common_at
        header = np.fromiter(map(methodcaller("endswith", ":"), uniq), dtype=bool, count=n_keys)
        # (`written` counts texts: a sentence only one text writes cannot make two texts alike)
        stock = np.zeros(n_keys, dtype=bool)
        for k in np.flatnonzero((written > 1) & ~header).tolist():
            stock[k] = is_stock(uniq[k])
        always = header | stock                     # discounted wherever written
        run_key = common & ~always                  # common sentences: discounted unless in a copied block

        long = np.fromiter(map(len, flat_s), dtype=np.int64, count=len(flat_s)) >= MIN_SENTENCE
        has_common = np.bincount(doc[common[kid]], minlength=n_docs) > 0
        in_common_doc = has_common[doc]
        # the usual text (no common sentence): its header lines and stock sentences, however short
        drop = always[kid] & (~in_common_doc | long)
        # a text with common sentences: runs of common sentences (headers and stock sentences neither break nor
        # count, nor do short sentences) shorter than `block_sentences` or than `block_chars` characters
        f = np.flatnonzero(in_common_doc & long & ~always[kid])
        if len(f):
            is_run = run_key[kid[f]]
            new_doc = np.ones(len(f), dtype=bool)
            new_doc[1:] = doc[f[1:]] != doc[f[:-1]]
            rid = np.cumsum(~is_run | new_doc)
            members = rid[is_run]
            lens = np.fromiter((len(flat_s[i]) for i in f[is_run].tolist()), dtype=np.int64, count=len(members))
            n_runs = int(rid[-1]) + 1
            size = np.bincount(members, minlength=n_runs)
            chars = np.bincount(members, weights=lens, minlength=n_runs)
            short = (size < block_sentences) | (chars < block_chars)
            drop[f[is_run][short[members]]] = True
        # a dropped key is dropped in all of the text's sentences
        code = doc * n_keys + kid
        dropped = _unique(code[drop])
        at = np.minimum(np.searchsorted(dropped, code), max(len(dropped) - 1, 0))
        keep = long & ~(dropped[at] == code) if len(dropped) else long
        drop_l, keep_l = drop.tolist(), keep.tolist()
        start = 0
        for d, ks, n in zip(self.docs, keys, counts.tolist()):
            end = start + n
            d.boilerplate = frozenset(compress(ks, drop_l[start:end]))
            d.content = "\n".join(compress(d.sentences, keep_l[start:end]))
            start = end

    @staticmethod
    def _per_text(split: list[list[str]]) -> list[list[str]]:
        """The keys of the sentences of many texts (`_keys` over them all, cut back into texts)."""
        flat = _keys(list(chain.from_iterable(split)))
        out, start = [], 0
        for ss in split:
            out.append(flat[start:start + len(ss)])
            start += len(ss)
        return out

    def is_boilerplate(self, sentence: str, doc: Doc | None = None) -> bool:
        """Too short, a header line ("主持人:王建国", "应到:12人,实到:11人"), a stock sentence, or common — in
        `doc` when given (a common sentence of a copied block is not boilerplate there)."""
        if doc is not None:
            return not doc.keeps(sentence)
        key = sentence_key(sentence)
        return (len(sentence) < MIN_SENTENCE or key.endswith(":") or is_stock(key)
                or self.org_count[key] >= self.common_at)


def _intern(strings: list[str]) -> tuple[list[str], np.ndarray]:
    """(distinct strings, each string's index among them), by sorting the strings' hashes — checked: strings
    with equal hashes must be equal, else (a hash collision, ~1e-7 at a million strings) by a dict."""
    n = len(strings)
    if n > 1:
        h = np.fromiter(map(hash, strings), dtype=np.int64, count=n)
        order = np.argsort(h, kind="stable")
        hs = h[order]
        first = np.empty(n, dtype=bool)
        first[0] = True
        first[1:] = hs[1:] != hs[:-1]
        group = np.cumsum(first) - 1
        heads = order[first]                            # each group's first string
        rest = np.flatnonzero(~first)
        same = True
        if len(rest) > 1:
            same = all(map(str.__eq__, itemgetter(*order[rest].tolist())(strings),
                           itemgetter(*heads[group[rest]].tolist())(strings)))
        elif len(rest) == 1:
            same = strings[order[rest[0]]] == strings[heads[group[rest[0]]]]
        if same:
            kid = np.empty(n, dtype=np.int64)
            kid[order] = group
            uniq = list(itemgetter(*heads.tolist())(strings)) if len(heads) > 1 else [strings[heads[0]]]
            return uniq, kid
    uniq = list(dict.fromkeys(strings))
    index = dict(zip(uniq, range(len(uniq))))
    return uniq, np.fromiter(map(index.__getitem__, strings), dtype=np.int64, count=n)


def _unique(a: np.ndarray) -> np.ndarray:
    """np.unique of an int array by sorting (np.unique's hash path is ~40× slower here)."""
    a = np.sort(a)
    if len(a):
        a = a[np.concatenate([[True], a[1:] != a[:-1]])]
    return a


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
    return _unique(h)


def content_signatures(contents: list[str], n: int = SHINGLE, chunk: int = 40) -> np.ndarray:
    """MinHash signatures straight from texts, a chunk of texts per NumPy pass: the n-gram hashes of the
    concatenated chunk (n-grams that cross from one text into the next dropped), no per-text set needed
    (a repeated n-gram does not change a minimum). Same values as `signatures(shingle_hashes(...))`.
    (`chunk` 40, not 400: the permutations × n-grams temporary, ~7 MB, stays in the cache — 3× faster.)"""
    out = np.full((len(contents), NUM_PERM), np.iinfo(np.uint32).max, dtype=np.uint32)
    buf = np.empty((NUM_PERM, 0), dtype=np.uint32)
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
        offsets = np.concatenate([[0], np.cumsum(grams[ok])[:-1]])
        idx = np.arange(int(grams.sum())) + np.repeat(begins[ok] - offsets, grams[ok])
        hh = h[idx]
        if buf.shape[1] < len(hh):              # one buffer for every chunk: no fresh pages each time
            buf = np.empty((NUM_PERM, max(len(hh), 2 * buf.shape[1])), dtype=np.uint32)
        phv = buf[:, :len(hh)]
        np.multiply(_PERM_A[:, None], hh[None, :], out=phv)
        phv += _PERM_B[:, None]
        out[start + np.flatnonzero(ok)] = np.minimum.reduceat(phv, offsets, axis=1).T
    return out


def signatures(hash_sets: list[np.ndarray], chunk: int = 40) -> np.ndarray:
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
        # runs of equal keys: pairs of each run, all runs of one size at once (most runs hold two texts)
        edge = np.flatnonzero(np.diff(sk)) + 1
        starts = np.concatenate([[0], edge])
        sizes = np.diff(np.concatenate([starts, [n]]))
        for size in np.unique(sizes[sizes > 1]).tolist():
            members = order[starts[sizes == size][:, None] + np.arange(size)]    # runs × size
            ii, jj = np.triu_indices(size, 1)
            a, c = members[:, ii].ravel(), members[:, jj].ravel()
            if want is not None:
                keep = want[a] | want[c]
                a, c = a[keep], c[keep]
            found.append(np.minimum(a, c).astype(np.int64) * n + np.maximum(a, c))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    codes = _unique(np.concatenate(found))
    return np.stack([codes // n, codes % n], axis=1)


def estimate(sig: np.ndarray, cand: np.ndarray, block: int = 20_000) -> np.ndarray:
    """The MinHash estimate of each candidate pair's Jaccard similarity (share of equal signature values), a
    block of pairs at a time: gathering all 96 values of a million pairs at once takes ~1 GB of temporaries."""
    out = np.empty(len(cand), dtype=np.float64)
    for start in range(0, len(cand), block):
        part = cand[start:start + block]
        out[start:start + block] = (sig[part[:, 0]] == sig[part[:, 1]]).mean(axis=1)
    return out


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
    cand = cand[estimate(sig, cand) >= threshold - 0.15]
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
