"""Scoring a scheme: the metrics for every org assessed (a few queries for the whole scope), the assessors'
manual scores, then each leaf's points — a share of a score item's full marks, a capped deduction or
bonus — summed into a total and a grade. Results are rewritten in bulk, so changing the scheme re-scores
everything without anyone re-entering anything.

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


def leaf_points(ind: Indicator, value: metrics.Value | None, manual: ManualScore | None) -> tuple[Decimal | None, str]:
    """(points, how) for one leaf; points None = waiting for the assessor."""
    sign = -1 if ind.kind == IndicatorKind.DEDUCTION else 1
    if ind.method == Method.MANUAL:
        if manual is None:
            return None, "待考核人评分"
        return sign * manual.points, f"考核人评分：{manual.evidence}"
    if value is None:
        return ZERO, "计算口径不可用"
    if ind.kind == IndicatorKind.SCORE:
        if not value.applicable:
            return ind.points, f"{value.text}，按满分计"
        return q(ind.points * Decimal(value.num) / Decimal(value.den)), value.text
    per = ind.unit_points if ind.unit_points is not None else Decimal(1)
    return sign * min(ind.points, q(per * value.num)), value.text


def score(scheme: Scheme, *, as_of: dt.date | None = None, only: list[int] | None = None) -> list[Result]:
    """Score every org the scheme assesses (or `only` those) and rewrite their results."""
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
            pts, how = leaf_points(ind, v, manual.get((ind.pk, org_id)))
            if pts is None:
                pending += 1
            else:
                total += pts
            detail[str(ind.pk)] = {"points": None if pts is None else str(pts), "how": how}
        total = max(ZERO, total)
        results.append(Result(scheme=scheme, org_id=org_id, total=total, grade=scheme.grade_for(total),
                              pending=pending, detail=detail, scored_at=now))
    with transaction.atomic():
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
