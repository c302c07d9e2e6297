"""Filters of the dispositions list, shared by the UI and the API."""
import django_filters as df

from dangjian.core.filtersets import IdFilter, YearFilter
from dangjian.orgs.models import Org

from .choices import Measure, State
from .models import Disposition


class DispositionFilterSet(df.FilterSet):
    within = IdFilter(method="in_subtree", label="党组织（含下级）")
    state = df.ChoiceFilter(choices=State.choices, label="状态", empty_label="全部状态")
    measure = df.ChoiceFilter(choices=Measure.choices, label="处置方式", empty_label="全部方式")
    person = IdFilter(field_name="person_id", label="党员（编号）")
    year = YearFilter(field_name="opened", lookup_expr="year", label="启动年度")

    class Meta:
        model = Disposition
        fields = ["within", "state", "measure", "person", "year"]

    def in_subtree(self, qs, name, value):
        path = Org.objects.filter(pk=value).values_list("path", flat=True).first()
        return qs.filter(org__path__subtree=path) if path else qs.none()
