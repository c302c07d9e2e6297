"""Filters of the 组织生活 lists, shared by the UI and the API."""
import django_filters as df

from dangjian.core.filtersets import IdFilter, YearFilter
from dangjian.orgs.models import Org

from .choices import MeetingState, MeetingType
from .models import Meeting, Talk


def _in_subtree(qs, name, value):
    path = Org.objects.filter(pk=value).values_list("path", flat=True).first()
    return qs.filter(org__path__subtree=path) if path else qs.none()


class MeetingFilterSet(df.FilterSet):
    within = IdFilter(method="in_subtree", label="党组织（含下级）")
    type = df.ChoiceFilter(choices=MeetingType.choices, label="会议类型", empty_label="全部类型")
    year = YearFilter(field_name="date", lookup_expr="year", label="年度")
    state = df.ChoiceFilter(choices=MeetingState.choices, label="状态", empty_label="全部状态")

    class Meta:
        model = Meeting
        fields = ["within", "type", "year", "state"]

    def in_subtree(self, qs, name, value):
        return _in_subtree(qs, name, value)


class TalkFilterSet(df.FilterSet):
    within = IdFilter(method="in_subtree", label="党组织（含下级）")
    year = YearFilter(field_name="date", lookup_expr="year", label="年度")

    class Meta:
        model = Talk
        fields = ["within", "year"]

    def in_subtree(self, qs, name, value):
        return _in_subtree(qs, name, value)
