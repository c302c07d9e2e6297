import django_filters as df
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .models import AuditEvent, Finding, FindingState, Severity
from .params import YEAR_MAX, YEAR_MIN, id_param, year_param


class _IdField(forms.CharField):
    """A primary key typed in a query string: ASCII digits only. A number past any key gives 0 (no row), so the
    list is empty rather than a 500; "9.5", "-1", "1e30", "NaN" are a validation error (the page shows no rows,
    the API answers 400 with the Chinese message)."""

    default_error_messages = {"invalid": "请输入正整数编号。"}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        n = id_param(value)
        if n is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return n


class _YearField(forms.CharField):
    default_error_messages = {"invalid": f"请输入 {YEAR_MIN}—{YEAR_MAX} 之间的年份。"}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        n = year_param(value)
        if n is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return n


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(df.Filter):
    """An id (``?person=``, ``?actor=``, ``?within=``) parsed by `dangjian.core.params.id_param`: never a 500."""

    field_class = _IdField


@extend_schema_field(OpenApiTypes.INT)
class YearFilter(df.Filter):
    """A calendar year (``?year=``) within 1900..2100 (`year_param`); anything else is a validation error."""

    field_class = _YearField


class FindingFilterSet(df.FilterSet):
    rule_id = df.CharFilter(field_name="rule_id", lookup_expr="istartswith", label="规则编号")
    severity = df.MultipleChoiceFilter(choices=Severity.choices, label="级别", distinct=False)
    state = df.MultipleChoiceFilter(choices=FindingState.choices, label="状态", distinct=False)
    within = IdFilter(method="in_subtree", label="所属组织（含下级）")

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
