"""三清 (党费交纳、组织关系转接、参加组织生活) for a set of members, one line each — derived from the same
records the rules read: the attendance (REL-01's count), the dues ledger (FEE-12/13), the transfers and
the person's away / lost-contact dates."""
from __future__ import annotations

import datetime as dt

from django.db.models import Max

from dangjian.core import engine


def rows(people_qs, today: dt.date) -> list[dict]:
    from dangjian.dues.ledger import accounts
    from dangjian.orglife.choices import AttendanceStatus
    from dangjian.orglife.models import Attendance

    from .choices import Direction
    from .models import Transfer

    people = list(people_qs)
    ids = [p.pk for p in people]
    took = dict(Attendance.objects.filter(person_id__in=ids, counts_as_org_life=True, meeting_date__lte=today,
                                          status__in=(AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED))
                .order_by().values("person_id").annotate(last=Max("meeting_date")).values_list("person_id", "last"))
    expected = dict(Attendance.objects.filter(person_id__in=ids, counts_as_org_life=True, meeting_date__lte=today)
                    .order_by().values("person_id").annotate(last=Max("meeting_date")).values_list("person_id", "last"))
    dues = accounts(people_qs.model.objects.filter(pk__in=ids), today, engine.effective_settings())
    pending = {}
    for t in Transfer.objects.filter(person_id__in=ids, direction=Direction.OUT, reported_on__isnull=True,
                                     cancelled_on__isnull=True):
        pending[t.person_id] = t
    # The first absence after each member's last participation starts their running streak (REL-01's count).
    first_absent: dict[int, dt.date] = {}
    for pid, day in Attendance.objects.filter(person_id__in=[p for p in ids if expected.get(p) and (
            took.get(p) is None or expected[p] > took[p])], counts_as_org_life=True, meeting_date__lte=today,
            status=AttendanceStatus.ABSENT).order_by("meeting_date").values_list("person_id", "meeting_date"):
        if (took.get(pid) is None or day > took[pid]) and pid not in first_absent:
            first_absent[pid] = day
    out = []
    for p in people:
        last = took.get(p.pk)
        absent_months = None
        if p.pk in first_absent:
            since = first_absent[p.pk]
            absent_months = (today.year - since.year) * 12 + today.month - since.month + 1
        acc = dues.get(p.pk)
        owing = len(acc.current_run()) if acc else None
        if p.lost_contact_since:
            relation, level = f"{p.lost_contact_since:%Y-%m-%d}起失联", "danger"
        elif p.pk in pending:
            t = pending[p.pk]
            lapsed = t.valid_until and t.valid_until < today
            relation, level = f"介绍信{'已过期' if lapsed else '待回执'}（转往{t.to_label}）", "danger" if lapsed else "warning"
        elif p.away_since:
            relation, level = f"{p.away_since:%Y-%m-%d}起外出" + ("（地点固定）" if p.away_fixed_location else "（流动）"), \
                "warning"
        else:
            relation, level = "正常", "success"
        worst = max(absent_months or 0, owing or 0)
        out.append({"p": p, "last_org_life": last, "absent_months": absent_months, "owing": owing,
                    "relation": relation, "relation_level": level, "six": worst >= 6,
                    "grounds": "absence_six_months" if worst >= 6 else ("lost_contact" if p.lost_contact_since else "")})
    return out
