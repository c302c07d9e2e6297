"""责任体系看板 for the 工委 and each 党组 (any org in the user's scope): responsibility coverage, tasks by
state, problems by category, state and age, and the latest assessment's grade distribution. A handful of
aggregate queries over the subtree; nothing here is typed, everything is read from the records."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count, Q

from .choices import Grade


def data(org, today: dt.date) -> dict:
    from dangjian.supervision.choices import Category, State
    from dangjian.supervision.models import Rectification
    from dangjian.duty.choices import TaskState
    from dangjian.duty.models import Task

    from .models import Result, Scheme

    path = org.path
    tasks = Task.objects.filter(org__path__startswith=path)
    t = tasks.aggregate(done=Count("pk", filter=Q(state=TaskState.DONE)),
                        open=Count("pk", filter=Q(state=TaskState.OPEN, deadline__gte=today)),
                        overdue=Count("pk", filter=Q(state=TaskState.OPEN, deadline__lt=today)))
    rect = Rectification.objects.filter(org__path__startswith=path)
    by_cat = Counter()
    by_state = Counter()
    ages = Counter()
    for category, state, found, deadline in rect.values_list("category", "state", "found", "deadline"):
        by_cat[category or ""] += 1
        by_state[state] += 1
        if state != State.CLOSED:
            days = (today - found).days
            ages["30天内" if days <= 30 else "31–90天" if days <= 90 else "91–180天" if days <= 180 else "180天以上"] += 1
    cats = dict(Category.choices) | {"": "未分类"}
    scheme = (Scheme.objects.filter(published_at__isnull=False)
              .filter(Q(issuer__path__startswith=path) | Q(pk__in=Result.objects.filter(org__path__startswith=path)
                                                            .values("scheme_id")))
              .order_by("-year", "-published_at").first())
    grades = Counter()
    if scheme:
        grades.update(Result.objects.filter(scheme=scheme, org__path__startswith=path).values_list("grade", flat=True))
    return {
        "responsibility": responsibility(path, today.year),
        "tasks": [("按期推进", t["open"]), ("已逾期", t["overdue"]), ("已完成", t["done"])],
        "problems_by_category": [(cats.get(k, k), n) for k, n in by_cat.most_common()],
        "problems_by_state": [(label, by_state.get(v, 0)) for v, label in State.choices],
        "open_problem_ages": [(k, ages.get(k, 0)) for k in ("30天内", "31–90天", "91–180天", "180天以上")],
        "scheme": str(scheme) if scheme else "",
        "grades": [(label, grades.get(v, 0)) for v, label in Grade.choices],
    }


def responsibility(path: str, year: int) -> dict:
    """责任清单 of the year in the subtree: how many are signed, how many items have evidence."""
    from dangjian.duty.models import ResponsibilityItem, ResponsibilityList

    lists = ResponsibilityList.objects.filter(org__path__startswith=path, year=year)
    agg = lists.aggregate(n=Count("pk"), signed=Count("pk", filter=Q(signed_at__isnull=False)))
    items = ResponsibilityItem.objects.filter(list__in=lists)
    evidenced = items.filter(evidence__isnull=False).values("pk").distinct().count()
    return {"lists": agg["n"], "signed": agg["signed"], "items": items.count(), "evidenced": evidenced}
