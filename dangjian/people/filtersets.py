import django_filters as df

from dangjian.core.filtersets import IdFilter
from django.db.models import Q

from dangjian.core import crypto
from dangjian.core.permissions import VIEW_ID_NUMBER
from dangjian.orgs.models import Org

from .choices import DuesCategory, Gender, Status
from .models import Person


class PersonFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label="姓名或身份证号")
    # distinct=False: an IN on a column of this table never duplicates rows, and DISTINCT over
    # every column made the filtered list slow at a million people.
    status = df.MultipleChoiceFilter(choices=Status.choices, label="党籍状态", distinct=False)
    within = IdFilter(method="in_subtree", label="所属组织（含下级）")
    gender = df.ChoiceFilter(choices=Gender.choices, label="性别")
    dues_category = df.ChoiceFilter(choices=DuesCategory.choices, label="党费类别")
    probationary_after = df.DateFilter(field_name="probationary_date", lookup_expr="gte", label="入党日期起")
    probationary_before = df.DateFilter(field_name="probationary_date", lookup_expr="lte", label="入党日期止")
    full_after = df.DateFilter(field_name="full_member_date", lookup_expr="gte", label="转正日期起")
    full_before = df.DateFilter(field_name="full_member_date", lookup_expr="lte", label="转正日期止")
    leading_cadre = df.BooleanFilter(label="党员领导干部")
    lost_contact = df.BooleanFilter(field_name="lost_contact_since", lookup_expr="isnull", exclude=True,
                                    label="失联")
    away = df.BooleanFilter(field_name="away_since", lookup_expr="isnull", exclude=True, label="流动（外出）")

    class Meta:
        model = Person
        fields = ["q", "status", "within", "org", "gender", "dues_category", "leading_cadre"]

    def search(self, qs, name, value):
        value = value.strip()
        if len(value) == 18 and crypto.id_number_problem(value) is None:
            return self._id_search(qs, value)
        return qs.filter(Q(name__icontains=value))

    def _id_search(self, qs, value):
        """An exact ID number matches through the blind index (never searched in clear) — and only among the people
        whose full number the user may see (VIEW_ID_NUMBER): otherwise a masked number, the birth date and the check
        digit leave ~10 candidates, and a search that answers yes/no would reveal the number. Everyone else searches
        by name only (an 18-character number then matches nobody). Each hit is a 身份证号查询 access record."""
        from dangjian.privacy.access import record_access
        from dangjian.privacy.choices import Purpose

        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return qs.none()
        allowed = Person.objects.restrict(user, VIEW_ID_NUMBER).values("pk")
        hits = qs.filter(id_number_digest__in=crypto.blind_indexes(crypto.normalize_id_number(value)),
                         pk__in=allowed)
        record_access(self.request, hits, Purpose.ID_SEARCH, skip_self=False)
        return hits

    def in_subtree(self, qs, name, value):
        path = Org.objects.filter(pk=value).values_list("path", flat=True).first()
        return qs.filter(org__path__subtree=path) if path else qs.none()
