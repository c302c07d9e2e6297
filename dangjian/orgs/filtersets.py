"""One FilterSet per model, shared by the UI lists and the API."""
import django_filters as df

from dangjian.core.filtersets import IdFilter
from django.db.models import Q

from .choices import OrgType, PostRole
from .models import Org, Post, Unit


class OrgFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label="名称")
    type = df.MultipleChoiceFilter(choices=OrgType.choices, label="组织类型", distinct=False)
    within = IdFilter(method="in_subtree", label="所属上级（含下级）")
    dissolved = df.BooleanFilter(field_name="dissolved", lookup_expr="isnull", exclude=True, label="已撤销")

    class Meta:
        model = Org
        fields = ["q", "type", "unit", "within", "dissolved"]

    def search(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(short_name__icontains=value))

    def in_subtree(self, qs, name, value):
        path = Org.objects.filter(pk=value).values_list("path", flat=True).first()
        return qs.filter(path__subtree=path) if path else qs.none()


class PostFilterSet(df.FilterSet):
    role = df.MultipleChoiceFilter(choices=PostRole.choices, label="职务", distinct=False)
    current = df.BooleanFilter(field_name="end", lookup_expr="isnull", label="现任")

    class Meta:
        model = Post
        fields = ["org", "person", "role", "current"]


class UnitFilterSet(df.FilterSet):
    q = df.CharFilter(field_name="name", lookup_expr="icontains", label="名称")

    class Meta:
        model = Unit
        fields = ["q", "parent"]
