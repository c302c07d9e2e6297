"""Forms of the people screens. Status, org and ID number each have their own action and form."""
from __future__ import annotations

from django import forms
from django.utils import timezone

from dangjian.core.forms import DateInput, Form, ModelForm
from dangjian.core.permissions import ADD, VIEW
from dangjian.orgs.choices import OrgType
from dangjian.orgs.forms import OrgPickerField
from dangjian.orgs.models import Org, Unit

from .actions import EDITABLE, SELF_EDITABLE
from .choices import EDUCATION_CHOICES, LEFT_STATUSES, TRANSITIONS, Status
from .models import Person

DATE_FIELDS = ("birth_date", "application_date", "probationary_date", "full_member_date",
               "lost_contact_since", "away_since", "status_since")
# Where a person's 组织关系 may be kept (mirrors do_move_person).
MEMBER_ORG_TYPES = [OrgType.COMMITTEE.value, OrgType.GENERAL_BRANCH.value, OrgType.BRANCH.value]
EDIT_FIELDS = [f for f in EDITABLE if f != "external_id"]


def _education_field(initial=None):
    choices = [("", "请选择")] + [(e, e) for e in EDUCATION_CHOICES]
    if initial and initial not in EDUCATION_CHOICES:
        choices.append((initial, initial))  # keep what an import brought in
    return forms.ChoiceField(label="学历", choices=choices, required=False,
                             widget=forms.Select(attrs={"class": "form-select"}))


def _groups_of(org_id):
    if not org_id:
        return Org.objects.none()
    path = Org.objects.filter(pk=org_id).values_list("path", flat=True).first()
    if not path:
        return Org.objects.none()
    return Org.objects.filter(type=OrgType.GROUP, path__subtree=path, depth=len(path) // Org.steplen + 1).active()


class _PersonFormBase(ModelForm):
    def _setup_common(self, user, org_id):
        if "education" in self.fields:
            self.fields["education"] = _education_field(self.initial.get("education"))
        if "unit" in self.fields:
            self.fields["unit"].queryset = Unit.objects.restrict(user, VIEW).order_by("name")
            self.fields["unit"].empty_label = "（不指定）"
        if "group" in self.fields:
            self.fields["group"].queryset = _groups_of(org_id)
            self.fields["group"].empty_label = "（不编入党小组）"

    def _post_clean(self):
        # The record is changed by people.actions, which validate it; not by the form.
        pass


class PersonCreateForm(_PersonFormBase):
    id_number = forms.CharField(label="公民身份号码", required=False, max_length=18,
                                help_text="18位，末位可为X；系统加密保存，列表中只显示部分号码。")

    class Meta:
        model = Person
        fields = ["name", "gender", "ethnicity", "birth_date", "education", "org", "group", "status",
                  "application_date", "probationary_date", "full_member_date", "dues_category", "unit",
                  "job_title", "personnel_category", "phone", "leading_cadre", "on_probation_sanction",
                  "lost_contact_since", "away_since", "away_fixed_location"]
        widgets = {f: DateInput() for f in DATE_FIELDS}

    def __init__(self, *args, user, org=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = OrgPickerField(Org.objects.restrict(user, ADD).active().filter(type__in=MEMBER_ORG_TYPES),
                                            action=ADD, types=MEMBER_ORG_TYPES, label="所在党组织")
        if org is not None and not self.is_bound:
            self.initial["org"] = org.pk
        self.fields["status"].choices = [("", "请选择")] + [(s.value, s.label) for s in Status
                                                           if s not in LEFT_STATUSES]
        org_id = self.data.get("org") if self.is_bound else (org.pk if org else None)
        try:
            org_id = int(org_id) if org_id else None
        except ValueError:
            org_id = None
        self._setup_common(user, org_id)
        if not self.is_bound:
            self.initial.setdefault("ethnicity", "汉族")
        self.order_fields(["name", "gender", "id_number"])


class PersonEditForm(_PersonFormBase):
    class Meta:
        model = Person
        fields = EDIT_FIELDS
        widgets = {f: DateInput() for f in DATE_FIELDS}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_common(user, self.instance.org_id)


class SelfEditForm(_PersonFormBase):
    """What a member may change on their own record (people.actions.SELF_EDITABLE)."""

    class Meta:
        model = Person
        fields = list(SELF_EDITABLE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_common(user, self.instance.org_id)


class StatusForm(Form):
    status = forms.ChoiceField(label="变更为")
    on = forms.DateField(label="变更日期", widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label="依据或理由", required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="除名、停止党籍须注明依据或理由；其他变更建议注明会议或批复。")

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS[Status(person.status)]
        self.fields["status"].choices = [("", "请选择")] + [(s.value, s.label) for s in Status if s in allowed]

    def clean_on(self):
        d = self.cleaned_data["on"]
        if d > timezone.localdate():
            raise forms.ValidationError("变更日期不能晚于今天。")
        return d


class MovePersonForm(Form):
    org = forms.ModelChoiceField(Org.objects.none(), label="转入党组织")
    on = forms.DateField(label="转接日期", widget=DateInput(), initial=timezone.localdate)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = OrgPickerField(Org.objects.restrict(user, ADD).active().filter(type__in=MEMBER_ORG_TYPES),
                                            action=ADD, types=MEMBER_ORG_TYPES, label="转入党组织",
                                            help_text="系统内转接：只能转入您管理范围内的党支部（或机关党委、党总支）。")
        self.order_fields(["org", "on"])


class IdNumberForm(Form):
    id_number = forms.CharField(label="公民身份号码", max_length=18, required=False,
                                help_text="18位，末位可为X。留空表示清除已登记的号码。")
