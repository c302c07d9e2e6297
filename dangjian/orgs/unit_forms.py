"""The form of the 机关单位 register. It only collects input; `do_create_unit` / `do_update_unit`
decide (a unit cannot become its own ancestor: that check lives in the action)."""
from __future__ import annotations

from django import forms

from dangjian.core.forms import Form, PickerWidget
from dangjian.core.permissions import VIEW

from .forms import PersonPickerField
from .models import Unit


def unit_label(pk) -> str:
    row = Unit.objects.filter(pk=int(pk)).values_list("name", "parent__name").first()
    if not row:
        return ""
    return f"{row[0]}（{row[1]}）" if row[1] else row[0]


class UnitPickerField(forms.ModelChoiceField):
    """Choose a unit by searching (a province has thousands): the restricted queryset validates."""

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset=queryset, widget=PickerWidget("orgs:unit_pick", unit_label,
                                                                placeholder="输入单位名称搜索"), **kwargs)
        self.error_messages["invalid_choice"] = "请从搜索结果中选择一个已登记的机关单位。"


class UnitForm(Form):
    name = forms.CharField(label="单位名称", max_length=200,
                           help_text="填写单位全称，如“市交通运输局”“市交通运输局综合处”。")
    parent = forms.ModelChoiceField(Unit.objects.none())
    head = forms.ModelChoiceField(Unit.objects.none())

    def __init__(self, *args, user, unit: Unit | None = None, **kwargs):
        from dangjian.people.models import Person

        if unit is not None:
            kwargs.setdefault("initial", {"name": unit.name, "parent": unit.parent_id, "head": unit.head_id})
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = "请填写单位名称。"
        self.fields["parent"] = UnitPickerField(Unit.objects.restrict(user, VIEW), label="上级单位", required=False,
                                                help_text="内设机构、下属单位请选择其所属单位；不能选择本单位或本单位的下级单位。")
        self.fields["head"] = PersonPickerField(Person.objects.restrict(user, VIEW), label="主要负责人", required=False,
                                                help_text="单位的主要负责同志（如局长）；须已登记在人员库中。")
        for name in ("parent", "head"):
            # PickerWidget renders itself: give it the Bootstrap error state like other widgets.
            self.fields[name].widget.attrs["class"] = "form-control"

    def changes(self, unit: Unit) -> dict:
        """Only what differs from the stored unit, so the audit trail records real changes."""
        d = self.cleaned_data
        return {k: d[k] for k in ("name", "parent", "head") if d[k] != getattr(unit, k)}
