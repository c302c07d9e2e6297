"""Forms of the org screens. They only collect input; the `orgs.actions` functions decide."""
from __future__ import annotations

from django import forms
from django.utils import timezone

from dangjian.core.forms import DateInput, Form, ModelForm, PickerWidget, org_label, person_label
from dangjian.core.permissions import ADD, CHANGE, VIEW

from .choices import ALLOWED_CHILDREN, COMMITTEE_ROLES, OrgType, PostRole
from .models import Org, Post, Unit

ROLE_ORDER = {r.value: i for i, r in enumerate(PostRole)}


def roles_for(org: Org) -> list[tuple[str, str]]:
    """The posts an org of this type has (mirrors the checks in `do_appoint`)."""
    if org.type in (OrgType.COMMITTEE, OrgType.GENERAL_BRANCH, OrgType.BRANCH):
        allowed = COMMITTEE_ROLES
    elif org.type == OrgType.GROUP:
        allowed = {PostRole.GROUP_LEADER}
    elif org.type == OrgType.LEADING_GROUP:
        allowed = {PostRole.LEADING_GROUP_MEMBER, PostRole.FIRST_RESPONSIBLE}
    else:
        allowed = set()
    return [(r.value, r.label) for r in PostRole if r in allowed]


def child_types_for(org: Org) -> list[tuple[str, str]]:
    allowed = ALLOWED_CHILDREN[OrgType(org.type)]
    return [(t.value, t.label) for t in OrgType if t in allowed]


def units_for(user):
    return Unit.objects.restrict(user, VIEW).order_by("name")


class OrgPickerField(forms.ModelChoiceField):
    """Choose an org by searching: the queryset (already restricted) validates, nothing is listed."""

    def __init__(self, queryset, *, action=ADD, types=None, **kwargs):
        params = {"action": action}
        if types:
            params["types"] = ",".join(types)
        super().__init__(queryset=queryset, widget=PickerWidget("orgs:org_pick", org_label, params=params,
                                                                placeholder="输入组织名称搜索"), **kwargs)
        self.error_messages["invalid_choice"] = "请从搜索结果中选择一个您管理范围内的组织。"


class PersonPickerField(forms.ModelChoiceField):
    def __init__(self, queryset, *, within: Org | None = None, **kwargs):
        params = {"within": within.pk} if within else {}
        super().__init__(queryset=queryset, widget=PickerWidget("people:person_pick", person_label, params=params,
                                                                placeholder="输入姓名搜索"), **kwargs)
        self.error_messages["invalid_choice"] = "请从搜索结果中选择一名您管理范围内的人员。"


# The term's extension has its own page (do_extend_term checks ELEC-01); the election date too.
ORG_EDIT_FIELDS = ["name", "short_name", "type", "unit", "founded", "term_years", "village_or_community"]


class OrgCreateForm(ModelForm):
    class Meta:
        model = Org
        fields = ["name", "short_name", "type", "unit", "founded", "committee_elected", "term_years",
                  "village_or_community"]
        widgets = {f: DateInput() for f in ("founded", "committee_elected")}

    def __init__(self, *args, parent: Org, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "请选择")] + child_types_for(parent)
        self.fields["unit"].queryset = units_for(user)
        self.fields["unit"].empty_label = "（不指定）"
        if not self.is_bound and parent.unit_id:
            self.initial.setdefault("unit", parent.unit_id)

    # Validation of the tree belongs to the action (do_create_org); the ModelForm must not
    # call Org.full_clean on a node that treebeard has not placed yet.
    def _post_clean(self):
        pass


class OrgEditForm(ModelForm):
    class Meta:
        model = Org
        fields = ORG_EDIT_FIELDS
        widgets = {"founded": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(user)
        self.fields["unit"].empty_label = "（不指定）"
        parent = Org.objects.get_parent(self.instance)
        if parent is not None:
            allowed = {t for t, _ in child_types_for(parent)} | {self.instance.type}
            self.fields["type"].choices = [(t.value, t.label) for t in OrgType if t in allowed]

    def _post_clean(self):
        # The instance is changed by do_update_org, not by the form.
        pass


class OrgMoveForm(Form):
    parent = forms.ModelChoiceField(Org.objects.none(), label="新的上级组织")

    def __init__(self, *args, user, org: Org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"] = OrgPickerField(Org.objects.restrict(user, ADD).active(), action=ADD,
                                               label="新的上级组织",
                                               help_text="只能选择您管理范围内、未撤销的组织；不能选择本组织的下级。")


class OrgMergeForm(Form):
    target = forms.ModelChoiceField(Org.objects.none(), label="并入的组织")
    on = forms.DateField(label="合并日期", widget=DateInput(), initial=timezone.localdate)

    def __init__(self, *args, user, org: Org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"] = OrgPickerField(Org.objects.restrict(user, CHANGE).active(), action=CHANGE,
                                               types=[org.type], label="并入的组织",
                                               help_text=f"只能并入同类组织（{org.get_type_display()}）。本组织的人员、党小组和下级组织将转入目标组织，本组织随即撤销。")
        self.order_fields(["target", "on"])


class OrgDissolveForm(Form):
    on = forms.DateField(label="撤销日期", widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label="撤销原因", required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="如：机构改革撤并、单位撤销等，将记入操作记录。")


class ElectionForm(Form):
    elected_on = forms.DateField(label="选举日期", widget=DateInput(),
                                 help_text="本届委员会（或书记）选举产生的日期；任期届满日期据此计算。")

    def clean_elected_on(self):
        d = self.cleaned_data["elected_on"]
        if d > timezone.localdate():
            raise forms.ValidationError("选举日期不能晚于今天；请在选举完成后登记。")
        return d


class ExtendTermForm(Form):
    until = forms.DateField(label="延期至", widget=DateInput(),
                            help_text="延期一般不超过1年（选举工作条例第三条）。")
    approved_on = forms.DateField(label="上级批准日期", widget=DateInput())


class AppointForm(Form):
    person = forms.ModelChoiceField(Org.objects.none(), label="人员")
    role = forms.ChoiceField(label="职务")
    start = forms.DateField(label="任职日期", widget=DateInput(), required=False, initial=timezone.localdate)
    approved = forms.DateField(label="上级批准日期", widget=DateInput(), required=False,
                               help_text="书记、副书记须报上级党组织批准（支部工作条例第二十一条）。")

    def __init__(self, *args, user, org: Org, **kwargs):
        from dangjian.people.models import Person

        super().__init__(*args, **kwargs)
        self.fields["person"] = PersonPickerField(Person.objects.restrict(user, VIEW), label="人员",
                                                  within=org if org.type != OrgType.LEADING_GROUP else None)
        self.fields["role"].choices = [("", "请选择")] + roles_for(org)
        self.order_fields(["person", "role", "start", "approved"])


class PostEditForm(ModelForm):
    class Meta:
        model = Post
        fields = ["role", "start", "end", "approved"]
        widgets = {f: DateInput() for f in ("start", "end", "approved")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles_for(self.instance.org) or self.fields["role"].choices

    def _post_clean(self):
        pass


class PostEndForm(Form):
    on = forms.DateField(label="免职日期", widget=DateInput(), initial=timezone.localdate)
