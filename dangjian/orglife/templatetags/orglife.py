"""The 组织生活 parts of pages owned by other apps (the org page, the person page), rendered from
here so that those views need not know about meetings."""
from __future__ import annotations

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from dangjian.core.permissions import ADD, VIEW, can_in_org

from ..choices import AttendanceStatus, MeetingState, MeetingType, is_backfilled

register = template.Library()


@register.inclusion_tag("orglife/_org_card.html", takes_context=True)
def orglife_card(context, org):
    """组织生活 on the org page: this year's held meetings per type and the latest records."""
    from ..models import Meeting

    user = context["request"].user
    year = timezone.localdate().year
    visible = Meeting.objects.restrict(user, VIEW).filter(org=org)
    counts = dict(visible.filter(state=MeetingState.HELD, date__year=year).order_by()
                  .values_list("type").annotate(n=Count("pk")).values_list("type", "n"))
    shown = [(t.label, counts.get(t.value, 0)) for t in MeetingType if t.value in counts or t in (
        MeetingType.MEMBER_ASSEMBLY, MeetingType.COMMITTEE, MeetingType.LECTURE, MeetingType.THEME_DAY)]
    from dangjian.orgs.choices import OrgType

    if org.type == OrgType.GROUP:
        shown = [(MeetingType.GROUP.label, counts.get(MeetingType.GROUP, 0))]
    return {
        "org": org, "year": year, "counts": shown, "recent": list(visible[:5]),
        "may_add": can_in_org(user, ADD, org) and not org.is_dissolved,
    }


@register.inclusion_tag("orglife/_person_attendance.html", takes_context=True)
def person_attendance(context, person):
    """参加组织生活 on the person page: this year's meetings the person was expected at."""
    from ..models import Attendance, Meeting

    user = context["request"].user
    year = timezone.localdate().year
    rows = Attendance.objects.filter(person=person, meeting__state=MeetingState.HELD)
    summary = rows.filter(meeting__date__year=year).aggregate(
        expected=Count("pk"), present=Count("pk", filter=Q(status=AttendanceStatus.PRESENT)),
        excused=Count("pk", filter=Q(status=AttendanceStatus.EXCUSED)),
        absent=Count("pk", filter=Q(status=AttendanceStatus.ABSENT)))
    recent = list(rows.select_related("meeting").order_by("-meeting__date", "-meeting_id")[:6])
    linkable = set(Meeting.objects.restrict(user, VIEW).filter(pk__in=[a.meeting_id for a in recent])
                   .values_list("pk", flat=True)) if recent else set()
    for a in recent:
        a.linkable = a.meeting_id in linkable
    last = rows.filter(status=AttendanceStatus.PRESENT).order_by("-meeting__date").values_list(
        "meeting__date", flat=True).first()
    return {"person": person, "year": year, "s": summary, "recent": recent, "last_present": last}


@register.filter
def backfilled(meeting) -> bool:
    """`{% if m|backfilled %}`: 补录 as the meeting list and the 台账 mark it (`choices.is_backfilled`)."""
    return is_backfilled(meeting)
