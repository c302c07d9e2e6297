import django_filters as df

from .models import AuditEvent, Finding, FindingState, Severity


class FindingFilterSet(df.FilterSet):
    rule_id = df.CharFilter(field_name="rule_id", lookup_expr="istartswith", label="规则编号")
    severity = df.MultipleChoiceFilter(choices=Severity.choices, label="级别", distinct=False)
    state = df.MultipleChoiceFilter(choices=FindingState.choices, label="状态", distinct=False)
    within = df.NumberFilter(method="in_subtree", label="所属组织（含下级）")

    class Meta:
        model = Finding
        fields = ["rule_id", "severity", "state", "org", "person", "period", "within"]

    def in_subtree(self, qs, name, value):
        from dangjian.orgs.models import Org

        path = Org.objects.filter(pk=value).values_list("path", flat=True).first()
        return qs.filter(org__path__subtree=path) if path else qs.none()


class AuditEventFilterSet(df.FilterSet):
    verb = df.CharFilter(field_name="verb", lookup_expr="startswith", label="事件")
    after = df.DateFilter(field_name="created", lookup_expr="date__gte", label="起始日期")
    before = df.DateFilter(field_name="created", lookup_expr="date__lte", label="截止日期")

    class Meta:
        model = AuditEvent
        fields = ["verb", "org", "person", "object_type", "object_id", "after", "before"]
