"""One FilterSet for the access log, shared by the page and the API: by person, by viewer, by date, by purpose."""
import django_filters

from dangjian.core.filtersets import IdFilter

from .choices import Purpose
from .models import PersonalDataAccess


class PersonalDataAccessFilterSet(django_filters.FilterSet):
    person = IdFilter(field_name="person_id", label="被查看人员编号")
    person_name = django_filters.CharFilter(field_name="person__name", lookup_expr="icontains", label="被查看人员姓名")
    actor = IdFilter(field_name="actor_id", label="查看人（用户编号）")
    actor_name = django_filters.CharFilter(field_name="actor__username", lookup_expr="icontains", label="查看人用户名")
    purpose = django_filters.ChoiceFilter(choices=Purpose.choices, label="查看内容", empty_label="不限")
    since = django_filters.DateFilter(field_name="created__date", lookup_expr="gte", label="起始日期")
    until = django_filters.DateFilter(field_name="created__date", lookup_expr="lte", label="截止日期")

    class Meta:
        model = PersonalDataAccess
        fields = ["person", "person_name", "actor", "actor_name", "purpose", "since", "until"]
