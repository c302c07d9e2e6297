"""TXT-01 copied text (照搬照抄): minutes or a report that is a near-duplicate of another org's text or of an
earlier one of the same org.

The corpus is every held meeting's minutes (and, separately, every report's text) up to the as-of date. A
sentence written in the texts of `txt01_boilerplate_orgs` or more organisations is boilerplate (the headers
会议时间/地点/应到/实到, stock openings and closings) and is left out; so are header lines (标签：值) and
sentences shorter than four characters. What remains is each text's substance. Candidates come from MinHash
LSH over the substance's 5-character shingles, are verified with the exact Jaccard similarity
(≥ `txt01_jaccard`) and rapidfuzz's alignment (the copied spans of at least 8 characters must cover
`txt01_copied_share` of the later text's substance). The finding is on the later text (by date); the earlier
one is the evidence, shown side by side at `textquality:finding_copy`. See docs/textquality.md.
"""
from __future__ import annotations

from dangjian.core import engine
from dangjian.core.engine import Hit, rule

from . import text as T

engine.setting("txt01_jaccard", 0.5, "雷同判定：扣除套话后两篇文本5字片段的相似度（Jaccard）不低于（TXT-01）",
               rules=("TXT-01",))
engine.setting("txt01_copied_share", 0.5, "雷同判定：与对方相同的连续片段（8字以上）占本文实质内容的比例不低于（TXT-01）",
               rules=("TXT-01",))
engine.setting("txt01_boilerplate_orgs", 4, "套话认定：同一句话出现在多少个以上党组织的文本中即视为套话、不计入雷同（TXT-01）",
               rules=("TXT-01",))
engine.setting("txt01_min_chars", 80, "扣除套话后实质内容少于多少字的文本不作雷同判定（TXT-01）", rules=("TXT-01",))

SETTINGS = ("txt01_jaccard", "txt01_copied_share", "txt01_boilerplate_orgs", "txt01_min_chars")
CITATION = "平台自设规则：会议记录、述职报告和对照检查材料应如实记载本组织情况，不得照搬照抄（力戒形式主义）"
KIND_LABEL = {"meeting": "会议记录", "report": "报告"}

# Signatures by the digest of a text's substance, kept between runs of one process (an incremental run
# re-signs only texts whose substance changed). Bounded: cleared when it grows past the limit.
_SIGNATURES: dict[bytes, object] = {}
_SIGNATURE_LIMIT = 400_000


def load_docs(kind: str, as_of) -> list[T.Doc]:
    """The texts of one kind ("meeting" or "report") written by the as-of date."""
    if kind == "meeting":
        from dangjian.orglife.choices import MeetingState
        from dangjian.orglife.models import Meeting

        rows = (Meeting.objects.filter(state=MeetingState.HELD, date__lte=as_of).exclude(minutes="")
                .order_by().values_list("pk", "org_id", "date", "minutes"))
        return [T.Doc(key=("meeting", pk), org=org, order=(day, pk), text=text) for pk, org, day, text in rows.iterator(
            chunk_size=5000)]
    from dangjian.assessment.models import Report

    rows = (Report.objects.filter(submitted__lte=as_of).exclude(text="").order_by()
            .values_list("pk", "org_id", "submitted", "text"))
    return [T.Doc(key=("report", pk), org=org, order=(day, pk), text=text) for pk, org, day, text in rows.iterator(
        chunk_size=5000)]


def find(kind: str, as_of, settings: dict, org_ids=None, corpus: T.Corpus | None = None) -> list[T.Pair]:
    """The copied pairs of one kind; with `org_ids`, only pairs that involve a text of those orgs."""
    if corpus is None:
        corpus = T.Corpus(load_docs(kind, as_of), boilerplate_orgs=int(settings["txt01_boilerplate_orgs"]))
    docs = corpus.docs
    queries = None if org_ids is None else [d.key for d in docs if d.org in org_ids]
    if len(_SIGNATURES) > _SIGNATURE_LIMIT:
        _SIGNATURES.clear()
    return T.find_copies(corpus, threshold=float(settings["txt01_jaccard"]),
                         min_chars=int(settings["txt01_min_chars"]),
                         min_share=float(settings["txt01_copied_share"]), queries=queries,
                         signature_cache=_SIGNATURES)


def compare(kind: str, pk: int, as_of, settings: dict):
    """(pair, corpus) for the side-by-side view of one text: its closest earlier text, or (None, corpus)."""
    docs = load_docs(kind, as_of)
    corpus = T.Corpus(docs, boilerplate_orgs=int(settings["txt01_boilerplate_orgs"]))
    key = (kind, pk)
    pairs = [p for p in find(kind, as_of, settings, corpus=corpus) if p.later.key == key] if any(
        d.key == key for d in docs) else []
    return best_sources(pairs).get(key), corpus


def best_sources(pairs: list[T.Pair]) -> dict:
    """Later text's key → its closest earlier text (the evidence)."""
    best: dict = {}
    for p in pairs:
        cur = best.get(p.later.key)
        if cur is None or (p.jaccard, p.copied_share) > (cur.jaccard, cur.copied_share):
            best[p.later.key] = p
    return best


def message(p: T.Pair, label: str, source_date) -> str:
    whose = "本组织" if p.earlier.org == p.later.org else "其他党组织"
    return (f"{label}与{whose}{source_date:%Y-%m-%d}的{label}雷同：扣除套话后相似度{p.jaccard:.0%}，"
            f"本文{p.copied_share:.0%}的实质内容与之相同（照搬照抄之嫌，见雷同对照）")


@rule("TXT-01", title="会议记录、报告照搬照抄（与其他组织或往期雷同）", citation=CITATION, severity="WARN",
      subject="meeting|report", settings=SETTINGS, reads=("orglife.meeting", "assessment.report"),
      evidence="textquality:finding_copy")
def copied_text(ctx):
    """Minutes or a report whose substance (boilerplate discounted) is a near-duplicate of another org's or an
    earlier period's text: the later text is the subject, the earlier one the evidence."""
    from dangjian.assessment.models import Report
    from dangjian.orglife.models import Meeting

    for kind, model in (("meeting", Meeting), ("report", Report)):
        best = best_sources(find(kind, ctx.as_of, ctx.settings, ctx.org_ids))
        if not best:
            continue
        wanted = {key[1] for key in best if ctx.in_scope(best[key].later.org)}
        objs = model.objects.in_bulk(list(wanted))
        for key, p in best.items():
            obj = objs.get(key[1])
            if obj is None:
                continue
            yield Hit(subject=obj, message=message(p, KIND_LABEL[kind], p.earlier.order[0]), org_id=p.later.org)
