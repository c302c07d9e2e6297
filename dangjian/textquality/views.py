"""文本质量 pages: the side-by-side evidence of a TXT-01 finding (copied spans highlighted).

Scope: the finding is reached through `Finding.objects.restrict` (404 outside the user's scope) and so is its
subject. The other text is shown only if the user may see it (`restrict(user, VIEW)` on its model); otherwise
the page says that it matches a text of another organisation outside the user's scope, with its date and the
similarity, and shows only the user's own text with the copied spans marked.
"""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from dangjian.core import engine
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
    raise Http404("未找到。")


def _title(kind: str, obj) -> str:
    if kind == "meeting":
        return f"{obj.org.name} · {obj.date:%Y-%m-%d} {obj.get_type_display()}：{obj.topic}"
    return f"{obj.org.name} · {obj.year}年 {obj.title}"


@login_required
def finding_copy(request, pk):
    """雷同对照: the text of a TXT-01 finding beside the earlier text it copies, copied spans in <mark>."""
    finding = get_restricted(request, Finding.objects.select_related("org"), VIEW, pk=pk, rule_id="TXT-01")
    kind = finding.subject_kind
    subject = get_restricted(request, _model(kind), VIEW, pk=finding.subject_id)
    settings = engine.effective_settings()
    pair, corpus = copies.compare(kind, subject.pk, timezone.localdate(), settings)
    ctx = {"finding": finding, "kind": kind, "label": copies.KIND_LABEL[kind], "subject": subject,
           "subject_title": _title(kind, subject), "pair": pair}
    if pair is not None:
        blocks = T.copied_blocks(pair.earlier.content, pair.later.content)
        ctx["later"] = T.highlighted(pair.later, corpus, [(b, n) for _, b, n in blocks])
        source = _model(kind).get(pk=pair.earlier.key[1])
        visible = _model(kind).restrict(request.user, VIEW).filter(pk=source.pk).exists()
        ctx.update(source=source if visible else None, source_date=pair.earlier.order[0],
                   same_org=pair.earlier.org == pair.later.org,
                   copied_chars=sum(n for _, _, n in blocks))
        if visible:
            ctx["source_title"] = _title(kind, source)
            ctx["earlier"] = T.highlighted(pair.earlier, corpus, [(a, n) for a, _, n in blocks])
    return render(request, "textquality/finding_copy.html", ctx)
