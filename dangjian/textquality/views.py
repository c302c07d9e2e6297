"""文本质量 pages: the side-by-side evidence of a TXT-01 finding (copied spans highlighted).

The page does not judge the corpus again: the engine stored what the finding rests on (`Finding.evidence`: the
source text, the similarity, the sentences discounted in each text and a fingerprint of each), so the page loads
the two texts by pk and aligns only them. If either text was changed or deleted since, the page says so.

Scope: the finding is reached through `Finding.objects.restrict` (404 outside the user's scope) and so is its
subject. The other text is shown only if the user may see it (`restrict(user, VIEW)` on its model); otherwise
the page says that it matches a text of another organisation outside the user's scope, with its date and the
similarity, and shows only the user's own text with the copied spans marked.
"""
from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from dangjian.core.models import Finding
from dangjian.core.permissions import VIEW
from dangjian.core.views import get_restricted

from . import copies
from . import text as T


def _model(kind: str):
    if kind == "meeting":
        from dangjian.orglife.models import Meeting

        return Meeting.objects.select_related("org")
    if kind == "report":
        from dangjian.assessment.models import Report

        return Report.objects.select_related("org")
    if kind == "selfcheck":
        from dangjian.orglife.models import SelfCheck

        return SelfCheck.objects.select_related("meeting__org", "person")
    raise Http404("未找到。")


def _title(kind: str, obj) -> str:
    if kind == "meeting":
        return f"{obj.org.name} · {obj.date:%Y-%m-%d} {obj.get_type_display()}：{obj.topic}"
    if kind == "selfcheck":
        m = obj.meeting
        return f"{m.org.name} · {m.date:%Y-%m-%d} {m.get_type_display()} · {obj.person.name}的对照检查材料"
    return f"{obj.org.name} · {obj.year}年 {obj.title}"


def _text(kind: str, obj) -> str:
    return obj.minutes if kind == "meeting" else obj.text


def _org_id(kind: str, obj):
    return obj.meeting.org_id if kind == "selfcheck" else obj.org_id


def _doc(kind: str, obj, boilerplate) -> T.Doc:
    doc = T.Doc(key=(kind, obj.pk), org=_org_id(kind, obj), order=None, text=_text(kind, obj))
    doc.set_content(boilerplate)
    return doc


@login_required
def finding_copy(request, pk):
    """雷同对照: the text of a TXT-01 finding beside the text it copies, copied spans in <mark>."""
    finding = get_restricted(request, Finding.objects.select_related("org"), VIEW, pk=pk, rule_id="TXT-01")
    kind = finding.subject_kind
    subject = get_restricted(request, _model(kind), VIEW, pk=finding.subject_id)
    ev = finding.evidence or {}
    ctx = {"finding": finding, "kind": kind, "label": copies.KIND_LABEL.get(kind, ""), "subject": subject,
           "subject_title": _title(kind, subject), "evidence": bool(ev.get("source"))}
    if not ctx["evidence"]:
        return render(request, "textquality/finding_copy.html", ctx)
    src_kind, src_pk = ev["source"]
    source = _model(src_kind).filter(pk=src_pk).first()
    boilerplate = ev.get("boilerplate") or {}
    digests = ev.get("digest") or {}
    later = _doc(kind, subject, boilerplate.get("subject", ()))
    # Whether the user may see the other text: a deleted one by its org as stored (`source_org`; an older finding
    # without it is not described). An invisible text is neither shown nor said to be changed or deleted.
    if source is not None:
        visible = _model(src_kind).restrict(request.user, VIEW).filter(pk=source.pk).exists()
    else:
        from dangjian.orgs.models import Org

        visible = ev.get("source_org") is not None and Org.objects.restrict(request.user, VIEW).filter(
            pk=ev["source_org"]).exists()
    cosine = ev.get("cosine")
    ctx.update(jaccard=ev.get("jaccard"), share=ev.get("share"), same_day=ev.get("same_day", False),
               cosine=cosine, source_date=dt.date.fromisoformat(ev["source_date"]) if ev.get("source_date") else None,
               subject_changed=digests.get("subject") != copies.digest(later.text),
               source_deleted=source is None and visible, source_hidden=not visible)
    if source is None:
        ctx["later"] = T.highlighted(later, None, [])
        return render(request, "textquality/finding_copy.html", ctx)
    earlier = _doc(src_kind, source, boilerplate.get("source", ()))
    blocks = T.copied_blocks(earlier.content, later.content)
    copied = sum(n for _, _, n in blocks)
    share_now = copied / max(len(later.content), 1)
    # A semantic finding (`cosine`) rests on the meaning, not on copied spans: the spans are not its evidence
    # (none are marked) and their share says nothing about whether it still holds.
    # An invisible source changed since the run is not aligned against at all: the marks and "no longer a copy"
    # would tell the user about it; only the user's own edits are judged again.
    source_changed = digests.get("source") != copies.digest(earlier.text)
    comparable = cosine is None and (visible or not source_changed)
    marks = blocks if comparable else []
    ctx.update(source=source if visible else None, same_org=_org_id(src_kind, source) == _org_id(kind, subject),
               source_changed=visible and source_changed,
               copied_chars=copied, later=T.highlighted(later, None, [(b, n) for _, b, n in marks]),
               no_longer=comparable and share_now < float(
                   (finding.settings_used or {}).get("txt01_copied_share", 0.5)))
    if visible:
        ctx["source_title"] = _title(src_kind, source)
        ctx["earlier"] = T.highlighted(earlier, None, [(a, n) for a, _, n in marks])
    return render(request, "textquality/finding_copy.html", ctx)
