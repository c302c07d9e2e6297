"""TXT-01 copied text (照搬照抄): minutes, a report or a 对照检查材料 that is a near-duplicate of another org's (or
another member's) text or of an earlier one of the same org.

The corpus is every held meeting's minutes (and, separately, every report's text, and every 对照检查材料) up to the
as-of date. Header lines (标签：值), sentences shorter than four characters, stock sentences (`text.is_stock`, a
curated phrase list) and sentences common in the corpus (written by max(`txt01_boilerplate_orgs`,
`txt01_boilerplate_share` × orgs) organisations or more — unless they come as a copied block of consecutive
sentences) are discounted: what remains is each text's substance (`text.Corpus`). Candidates come from MinHash LSH
over the substance's 5-character shingles, are verified with the exact Jaccard similarity (≥ `txt01_jaccard`) and
rapidfuzz's alignment (the copied spans of at least 8 characters must cover `txt01_copied_share` of the later
text's substance). The finding is on the later text (by date) — on both texts when they are of the same day
(同日雷同: neither is the original); the other one is the evidence, stored with the finding
(`Finding.evidence`) and shown side by side at `textquality:finding_copy`. See docs/textquality.md.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

from dangjian.core import engine
from dangjian.core.engine import Hit, rule

from . import semantic
from . import text as T

engine.setting("txt01_jaccard", 0.5, "雷同判定：扣除套话后两篇文本5字片段的相似度（Jaccard）不低于（TXT-01）",
               rules=("TXT-01",))
engine.setting("txt01_copied_share", 0.5, "雷同判定：与对方相同的连续片段（8字以上）占本文实质内容的比例不低于（TXT-01）",
               rules=("TXT-01",))
engine.setting("txt01_boilerplate_orgs", 4, "套话认定：同一句话出现在多少个以上党组织的文本中即视为套话、不计入雷同（TXT-01）",
               rules=("TXT-01",))
engine.setting("txt01_min_chars", 80, "扣除套话后实质内容少于多少字的文本不作雷同判定（TXT-01）", rules=("TXT-01",))
engine.setting("txt01_boilerplate_share", 0.01,
               "套话认定：语料中党组织较多时，一句话须出现在不少于这一比例的党组织中才视为套话（与上一参数取较大者，TXT-01）",
               rules=("TXT-01",))

SETTINGS = ("txt01_jaccard", "txt01_copied_share", "txt01_boilerplate_orgs", "txt01_boilerplate_share",
            "txt01_min_chars", "txt01_semantic_cosine")
CITATION = "平台自设规则：会议记录、述职报告和对照检查材料应如实记载本组织情况，不得照搬照抄（力戒形式主义）"
KIND_LABEL = {"meeting": "会议记录", "report": "报告", "selfcheck": "对照检查材料"}
KINDS = tuple(KIND_LABEL)

# Signatures by the digest of a text's substance, kept between runs of one process (an incremental run
# re-signs only texts whose substance changed). Bounded: cleared when it grows past the limit.
_SIGNATURES: dict[bytes, object] = {}
_SIGNATURE_LIMIT = 400_000
# Each text's sentences and their keys by the text, kept likewise (only edited texts are split again).
_SPLITS: dict[str, tuple] = {}


def load_docs(kind: str, as_of) -> list[T.Doc]:
    """The texts of one kind ("meeting", "report" or "selfcheck") written by the as-of date. A report counts
    from its year on: DJX-imported reports are dated 31 December of their year, so the running year's are
    included, ordered as if written on the as-of date (`min(submitted, as_of)`); messages and the evidence show
    the real date (`_real_day`)."""
    if kind == "meeting":
        from dangjian.orglife.choices import MeetingState
        from dangjian.orglife.models import Meeting

        rows = (Meeting.objects.filter(state=MeetingState.HELD, date__lte=as_of).exclude(minutes="")
                .order_by().values_list("pk", "org_id", "date", "minutes"))
    elif kind == "selfcheck":
        from dangjian.orglife.choices import MeetingState
        from dangjian.orglife.models import SelfCheck

        rows = (SelfCheck.objects.filter(meeting__state=MeetingState.HELD, meeting__date__lte=as_of).exclude(text="")
                .order_by().values_list("pk", "meeting__org_id", "meeting__date", "text"))
    else:
        from dangjian.assessment.models import Report

        rows = (Report.objects.filter(submitted__year__lte=as_of.year).exclude(text="").order_by()
                .values_list("pk", "org_id", "submitted", "text"))
        # (the real date stays third: it never decides the order, the pk does, but messages show it)
        return [T.Doc(key=("report", pk), org=org, order=(min(day, as_of), pk, day), text=text)
                for pk, org, day, text in rows.iterator(chunk_size=5000)]
    return [T.Doc(key=(kind, pk), org=org, order=(day, pk), text=text) for pk, org, day, text in rows.iterator(
        chunk_size=5000)]


def corpus_for(kind: str, as_of, settings: dict) -> T.Corpus:
    return T.Corpus(load_docs(kind, as_of), boilerplate_orgs=int(settings["txt01_boilerplate_orgs"]),
                    boilerplate_share=float(settings.get("txt01_boilerplate_share", 0.0)), split_cache=_SPLITS)


def find(kind: str, as_of, settings: dict, org_ids=None, corpus: T.Corpus | None = None) -> list[T.Pair]:
    """The copied pairs of one kind; with `org_ids`, only pairs that involve a text of those orgs."""
    if corpus is None:
        corpus = corpus_for(kind, as_of, settings)
    docs = corpus.docs
    queries = None if org_ids is None else [d.key for d in docs if d.org in org_ids]
    if queries == []:
        return []
    if len(_SIGNATURES) > _SIGNATURE_LIMIT:
        _SIGNATURES.clear()
    # (min_share 0: the alignment is computed for every pair past the Jaccard test anyway; `verify` applies the
    # share per direction)
    lexical = T.find_copies(corpus, threshold=float(settings["txt01_jaccard"]),
                            min_chars=int(settings["txt01_min_chars"]), min_share=0.0, queries=queries,
                            signature_cache=_SIGNATURES)
    pairs = verify(lexical, corpus, settings)
    # The optional semantic layer (off by default, see semantic.py): reworded copies the lexical pass misses (not
    # the lexical pairs `verify` turned down: those were judged on their wording).
    return pairs + semantic.paraphrases(corpus.docs, lexical, settings, min_chars=int(settings["txt01_min_chars"]),
                                        queries=queries)


def _own_share(subject: T.Doc, source: T.Doc, common: Callable[[str], bool], min_chars: int) -> float | None:
    """The share of `subject`'s own substance (its content without the sentences common in the corpus) covered by
    spans copied from `source`; None when the subject has no common sentence in its content (a copied block kept
    as substance) or less than `min_chars` of its own substance (nothing to tell it apart by)."""
    lines = subject.content.split("\n")
    own = [ln for ln in lines if not common(ln)]
    if len(own) == len(lines):
        return None
    text = "\n".join(own)
    if len(text) < min_chars:
        return None
    return sum(n for _, _, n in T.copied_blocks(source.content, text)) / max(len(text), 1)


def verify(pairs: list[T.Pair], corpus: T.Corpus, settings: dict) -> list[T.Pair]:
    """TXT-01's verification after `text.find_copies` (which ran with no share limit), per direction of a pair:
    the later text copies the earlier when the copied spans cover `txt01_copied_share` of its substance; of two
    texts of the same day each is judged by its own share (`Pair.later_ok`, `Pair.earlier_ok`, and
    `Pair.earlier_share`). A text whose substance holds common sentences (a block of sentences written by
    `corpus.common_at` organisations or more, e.g. a higher-level circular several branches quote) and at least
    `txt01_min_chars` of its own must also have `txt01_copied_share` of its own substance copied: independent
    minutes quoting the same circular are not copies, five branches pasting the same whole minutes still are.
    Returns the pairs with at least one direction that holds."""
    min_share = float(settings["txt01_copied_share"])
    min_chars = int(settings["txt01_min_chars"])
    counts = None
    memo: dict[str, bool] = {}

    def common(line: str) -> bool:
        nonlocal counts
        hit = memo.get(line)
        if hit is None:
            if counts is None:
                counts = corpus.org_count
            hit = memo[line] = counts.get(T.sentence_key(line), 0) >= corpus.common_at
        return hit

    def holds(subject, source, share) -> bool:
        if share < min_share:
            return False
        own = _own_share(subject, source, common, min_chars)
        return own is None or own >= min_share

    out = []
    for p in pairs:
        tie = _day(p.earlier) == _day(p.later)
        copied = p.copied_share * len(p.later.content)
        p.earlier_share = copied / max(len(p.earlier.content), 1)
        p.later_ok = holds(p.later, p.earlier, p.copied_share)
        p.earlier_ok = tie and holds(p.earlier, p.later, p.earlier_share)
        if p.later_ok or p.earlier_ok:
            out.append(p)
    return out


@dataclass
class Copy:
    """One text judged a copy: `subject` copies `source` (or, `same_day`, the two are of the same day)."""

    subject: T.Doc
    source: T.Doc
    jaccard: float
    share: float        # of the subject's substance covered by the copied spans
    same_day: bool = False
    cosine: float | None = None     # a pair found only by the optional semantic layer


def _day(doc: T.Doc):
    """The day a text counts from, for the order (a running year's report: the as-of date)."""
    return doc.order[0] if isinstance(doc.order, tuple) else doc.order


def _real_day(doc: T.Doc):
    """The day a text is dated (a DJX report of the running year: 31 December)."""
    return doc.order[2] if isinstance(doc.order, tuple) and len(doc.order) > 2 else _day(doc)


def _when(doc: T.Doc) -> str:
    """The source's date in a message: a running year's DJX report (dated 31 December, after the as-of date)
    by its year, so that the message does not change from day to day."""
    real = _real_day(doc)
    if real != _day(doc):
        return f"{real.year}年度（DJX导入）"
    return f"{real:%Y-%m-%d}"


def copies_of(pairs: list[T.Pair]) -> dict:
    """Subject text's key → its `Copy` with the closest other text (the evidence). The later text of a pair
    copies the earlier; of two texts of the same day each copies the other whose own share holds (同日雷同: neither
    is the original; `verify`)."""
    best: dict = {}

    def offer(c: Copy):
        cur = best.get(c.subject.key)
        if cur is None or (c.jaccard, c.share, str(c.source.key)) > (cur.jaccard, cur.share, str(cur.source.key)):
            best[c.subject.key] = c

    for p in pairs:
        tie = _day(p.earlier) == _day(p.later)
        cosine = getattr(p, "cosine", None)
        # (`verify` judged each direction by its own share; a semantic pair has no share: both directions)
        if getattr(p, "later_ok", True):
            offer(Copy(p.later, p.earlier, p.jaccard, p.copied_share, same_day=tie, cosine=cosine))
        if tie and getattr(p, "earlier_ok", True):
            copied = p.copied_share * len(p.later.content)
            offer(Copy(p.earlier, p.later, p.jaccard, copied / max(len(p.earlier.content), 1), same_day=True,
                       cosine=cosine))
    return best


def best_sources(pairs: list[T.Pair]) -> dict:
    """Later text's key → its closest earlier text's pair (kept for callers of the earlier API)."""
    best: dict = {}
    for p in pairs:
        if not getattr(p, "later_ok", True):
            continue
        cur = best.get(p.later.key)
        if cur is None or (p.jaccard, p.copied_share) > (cur.jaccard, cur.copied_share):
            best[p.later.key] = p
    return best


def message(c: Copy, label: str) -> str:
    whose = "本组织" if c.source.org == c.subject.org else "其他党组织"
    if label == KIND_LABEL["selfcheck"] and c.source.org == c.subject.org:
        whose = "本组织其他党员"        # 对照检查材料 are each member's own: the other text is another member's
    when = _when(c.source)
    if c.cosine is not None:
        return (f"{label}与{whose}{when}的{label}意思高度相同：扣除套话后语义相似度{c.cosine:.2f}，"
                f"字面不同但内容一致（改写照搬之嫌，见雷同对照）")
    if c.same_day:
        return (f"{label}与{whose}同日（{when}）的{label}雷同（同日雷同，无法判断谁先形成）：扣除套话后相似度"
                f"{c.jaccard:.0%}，本文{c.share:.0%}的实质内容与之相同（照搬照抄之嫌，见雷同对照）")
    return (f"{label}与{whose}{when}的{label}雷同：扣除套话后相似度{c.jaccard:.0%}，"
            f"本文{c.share:.0%}的实质内容与之相同（照搬照抄之嫌，见雷同对照）")


def digest(text: str) -> str:
    """A short fingerprint of a text as stored, to tell on the evidence page whether it changed since."""
    return hashlib.blake2b((text or "").encode(), digest_size=8).hexdigest()


def evidence(c: Copy) -> dict:
    """What the evidence page needs without judging the corpus again (`Finding.evidence`)."""
    return {"source": list(c.source.key), "source_date": _real_day(c.source).isoformat(),
            "source_org": c.source.org,
            "jaccard": round(c.jaccard, 4), "share": round(c.share, 4), "same_day": c.same_day,
            "boilerplate": {"subject": sorted(c.subject.boilerplate), "source": sorted(c.source.boilerplate)},
            "digest": {"subject": digest(c.subject.text), "source": digest(c.source.text)},
            **({"cosine": round(c.cosine, 4)} if c.cosine is not None else {})}


def _widened(ctx, corpora: dict, pairs: dict) -> set:
    """Orgs outside an incremental run's scope whose TXT-01 findings (of any kind) the change can reach: the org
    of a text that now copies (or ties with) a text of the scope, and the org of an open finding whose source is a
    text of the scope or a text that is gone. One query over the open findings outside the scope, reading only
    their org, kind and the evidence's source."""
    from dangjian.core.models import Finding, FindingState

    scope = ctx.org_ids
    out = set()
    for ps in pairs.values():
        out |= {p.later.org for p in ps if getattr(p, "later_ok", True)}
        out |= {p.earlier.org for p in ps if _day(p.earlier) == _day(p.later) and getattr(p, "earlier_ok", True)}
    org_of = {d.key: d.org for corpus in corpora.values() for d in corpus.docs}
    rows = (Finding.objects.filter(rule_id="TXT-01", state=FindingState.OPEN).exclude(org_id__in=scope)
            .order_by().values_list("org_id", "evidence__source"))
    for org_id, source in rows.iterator(chunk_size=5000):
        source = tuple(source or ())
        if not source or source not in org_of or org_of[source] in scope:
            out.add(org_id)
    return out - scope


def judge_all(ctx) -> dict[str, list[Copy]]:
    """Kind → the copies of that kind the run judges: all of them, or, in an incremental run, those of the scope's
    texts and of the other orgs the change reaches (`_widened`, over all kinds, declared to the engine with
    `ctx.widen`): a widened org is judged in every kind, since the engine resolves its findings of every kind."""
    if ctx.org_ids is None:
        out = {}
        for kind in KINDS:     # (one corpus at a time)
            out[kind] = list(copies_of(find(kind, ctx.as_of, ctx.settings,
                                            corpus=corpus_for(kind, ctx.as_of, ctx.settings))).values())
        return out
    corpora = {kind: corpus_for(kind, ctx.as_of, ctx.settings) for kind in KINDS}
    pairs = {kind: find(kind, ctx.as_of, ctx.settings, ctx.org_ids, corpus=corpora[kind]) for kind in KINDS}
    extra = _widened(ctx, corpora, pairs)
    if extra:
        ctx.widen("TXT-01", extra)
        for kind in KINDS:
            seen = {(p.earlier.key, p.later.key) for p in pairs[kind]}
            pairs[kind] += [p for p in find(kind, ctx.as_of, ctx.settings, extra, corpus=corpora[kind])
                            if (p.earlier.key, p.later.key) not in seen]
    judged = set(ctx.org_ids) | extra
    return {kind: [c for c in copies_of(pairs[kind]).values() if c.subject.org in judged] for kind in KINDS}


def judge(kind: str, ctx) -> list[Copy]:
    """The copies of one kind the run judges (see `judge_all`)."""
    return judge_all(ctx)[kind]


def compare(kind: str, pk: int, as_of, settings: dict):
    """(pair, corpus) for one text against the whole corpus: its closest earlier text, or (None, corpus).
    (The evidence page no longer needs this: it reads `Finding.evidence`.)"""
    corpus = corpus_for(kind, as_of, settings)
    key = (kind, pk)
    pairs = [p for p in find(kind, as_of, settings, corpus=corpus) if p.later.key == key] if any(
        d.key == key for d in corpus.docs) else []
    return best_sources(pairs).get(key), corpus


def _models():
    from dangjian.assessment.models import Report
    from dangjian.orglife.models import Meeting, SelfCheck

    return {"meeting": Meeting, "report": Report, "selfcheck": SelfCheck}


@rule("TXT-01", title="会议记录、报告、对照检查材料照搬照抄（与其他组织、他人或往期雷同）", citation=CITATION, severity="WARN",
      subject="meeting|report|selfcheck", settings=SETTINGS,
      reads=("orglife.meeting", "orglife.selfcheck", "assessment.report", "core.finding"),
      evidence="textquality:finding_copy", background=True)
def copied_text(ctx):
    """会议记录、报告（述职报告等）或对照检查材料，扣除套话（表头、常用开头结束语、多个党组织共用的句子）后与其他党组织、
    他人或本组织往期的同类文本雷同（5字片段相似度和相同连续片段占比均达到参数）：预警，主体为后形成的文本，先形成的
    文本为证据；同一天形成的两篇互为证据、各有一条预警（同日雷同）。方法见 docs/textquality.md。"""
    models = _models()
    for kind, found in judge_all(ctx).items():
        if not found:
            continue
        objs = models[kind].objects.in_bulk([c.subject.key[1] for c in found])
        for c in found:
            obj = objs.get(c.subject.key[1])
            if obj is None:
                continue
            yield Hit(subject=obj, message=message(c, KIND_LABEL[kind]), org_id=c.subject.org,
                      evidence=evidence(c))
