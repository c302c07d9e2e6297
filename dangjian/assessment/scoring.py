"""Scoring a scheme: the metrics for every org assessed (a few queries for the whole scope), the assessors'
manual scores, then each leaf's points — a share of a score item's full marks, a capped deduction or
bonus — summed into a total and a grade. Results are rewritten in bulk, so changing the scheme re-scores
everything without anyone re-entering anything.

A result stores, per leaf, its points and the numbers they came from; `explain` says it in words.
Points are Decimal to the 0.01, rounded half up, computed as full marks × numerator ÷ denominator (never
through a float). A share that has nothing to count (no meeting was due yet, no problem was found) gives
full marks, and the result says so."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from . import metrics
from .choices import IndicatorKind, Method
from .models import Indicator, ManualScore, Result, Scheme

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def q(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def leaf_points(ind: Indicator, value: metrics.Value | None, manual: ManualScore | None) -> Decimal | None:
    """One leaf's points; None = waiting for the assessor."""
    sign = -1 if ind.kind == IndicatorKind.DEDUCTION else 1
    if ind.method == Method.MANUAL:
        return None if manual is None else sign * manual.points + ZERO
    if value is None:
        return ZERO
    if ind.kind == IndicatorKind.SCORE:
        if not value.applicable:
            return ind.points
        return q(ind.points * Decimal(value.num) / Decimal(value.den))
    per = ind.unit_points if ind.unit_points is not None else Decimal(1)
    return sign * min(ind.points, q(per * value.num)) + ZERO       # (+ ZERO: no "-0.00")


def explain(ind: Indicator, cell, manual: ManualScore | None = None) -> str:
    """How a stored cell ([points, numerator, denominator]) was reached, in words."""
    points, num, den = (list(cell) + [None, None, None])[:3]
    if ind.method == Method.MANUAL:
        return f"考核人评分：{manual.evidence}" if manual else ("考核人评分" if points is not None else "待考核人评分")
    m = metrics.REGISTRY.get(ind.metric)
    label = m.label if m else ind.metric
    if num is None:
        return "计算口径不可用"
    if den is None:
        return f"{label}：{num}"
    if den == 0:
        return f"{label}：没有应计入的事项，按满分计"
    return f"{label}：{num}/{den}"


@transaction.atomic
def score(scheme: Scheme, *, as_of: dt.date | None = None, only: list[int] | None = None) -> list[Result]:
    """Score every org the scheme assesses (or `only` those) and rewrite their results. The scheme's row is
    locked for the whole run: an assessor's mark (which takes the same lock) waits for it, then re-scores its
    org, so a long re-score never overwrites a mark made meanwhile."""
    Scheme.objects.select_for_update().filter(pk=scheme.pk).first()
    as_of = as_of or min(timezone.localdate(), dt.date(scheme.year, 12, 31))
    scope = metrics.build_scope(scheme.issuer, scheme.target_type, scheme.year, as_of, only)
    indicators = list(scheme.indicators.all())
    leaves = [i for i in indicators if i.kind != IndicatorKind.GROUP]
    values = {key: metrics.REGISTRY[key](scope) for key in {i.metric for i in leaves if i.method == Method.COMPUTED}
              if key in metrics.REGISTRY}
    manual = {(m.indicator_id, m.org_id): m for m in ManualScore.objects.filter(
        indicator__scheme=scheme, org_id__in=list(scope.targets))}
    now = timezone.now()
    results = []
    for org_id in scope.targets:
        total, pending, detail = ZERO, 0, {}
        for ind in leaves:
            v = values.get(ind.metric, {}).get(org_id) if ind.method == Method.COMPUTED else None
            pts = leaf_points(ind, v, manual.get((ind.pk, org_id)))
            if pts is None:
                pending += 1
            else:
                total += pts
            # Numbers only (the words are `explain`'s): 50,000 results write in a few seconds.
            detail[str(ind.pk)] = [None if pts is None else str(pts), v.num if v else None, v.den if v else None]
        total = max(ZERO, total)
        results.append(Result(scheme=scheme, org_id=org_id, total=total, grade=scheme.grade_for(total),
                              pending=pending, detail=detail, scored_at=now))
    stale = Result.objects.filter(scheme=scheme)
    stale = stale if only is None else stale.filter(org_id__in=only)
    stale.delete()
    Result.objects.bulk_create(results, batch_size=2000)
    if only is None:
        Scheme.objects.filter(pk=scheme.pk).update(scored_at=now)
        scheme.scored_at = now
    return results


def full_marks(scheme: Scheme) -> Decimal:
    return sum((i.points for i in scheme.indicators.all() if i.kind == IndicatorKind.SCORE), ZERO)
