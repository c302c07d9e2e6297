"""Form plumbing shared by every screen: Bootstrap classes, date inputs, search pickers for large
choice sets (an org tree of 50,000 branches cannot be a <select>), and turning an `ActionError`
from a `do_*` action back into a form error next to the field it concerns."""
from __future__ import annotations

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse

from .errors import ActionError


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        # The browser's date picker sends and expects ISO dates.
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PickerWidget(forms.Widget):
    """A search box that fills a hidden id: htmx asks `search_url` for matches as the user types,
    Alpine keeps the chosen id and label. Rendered with the project templates (the form
    renderer only sees app templates)."""

    template_name = "core/widgets/picker.html"

    def __init__(self, search_url_name: str, label_for, params: dict | None = None, attrs=None,
                 placeholder: str = "输入名称搜索"):
        super().__init__(attrs)
        self.search_url_name = search_url_name
        self.label_for = label_for
        self.params = params or {}
        self.placeholder = placeholder

    def render(self, name, value, attrs=None, renderer=None):
        from urllib.parse import urlencode

        value = "" if value in (None, "") else str(value)
        label = ""
        if value:
            try:
                label = self.label_for(value) or ""
            except (ValueError, TypeError):
                value = ""
        url = reverse(self.search_url_name)
        if self.params:
            url += "?" + urlencode(self.params)
        final_attrs = self.build_attrs(self.attrs, attrs)
        return render_to_string(self.template_name, {
            "name": name, "value": value, "label": label, "search_url": url,
            "id": final_attrs.get("id", f"id_{name}"), "placeholder": self.placeholder,
            "invalid": "is-invalid" in final_attrs.get("class", ""),
        })

    def value_from_datadict(self, data, files, name):
        return data.get(name) or None


def org_label(pk) -> str:
    from dangjian.orgs.models import Org

    return Org.objects.filter(pk=int(pk)).values_list("name", flat=True).first() or ""


def person_label(pk) -> str:
    from dangjian.people.models import Person

    row = Person.objects.filter(pk=int(pk)).values_list("name", "org__name").first()
    return f"{row[0]}（{row[1] or '无组织'}）" if row else ""


class BootstrapFormMixin:
    """Bootstrap 5 classes on every widget and `is-invalid` on fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            w = field.widget
            # Django's "---------" for "nothing chosen" means nothing to a 党务 worker.
            if isinstance(field, forms.ModelChoiceField) and field.empty_label == "---------":
                field.empty_label = "请选择"
            elif isinstance(field, forms.TypedChoiceField) or type(field) is forms.ChoiceField:
                choices = list(field.choices)
                if choices and choices[0] == ("", "---------"):
                    field.choices = [("", "请选择")] + choices[1:]
            if isinstance(field, forms.DateField) and type(w) is forms.DateInput:
                field.widget = w = DateInput(attrs=w.attrs)
            if isinstance(w, (forms.CheckboxInput,)):
                css = "form-check-input"
            elif isinstance(w, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
                css = ""
            elif isinstance(w, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            else:
                css = "form-control"
            if css:
                w.attrs["class"] = (w.attrs.get("class", "") + " " + css).strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                w = self.fields[name].widget
                if "is-invalid" not in w.attrs.get("class", ""):
                    w.attrs["class"] = (w.attrs.get("class", "") + " is-invalid").strip()


class Form(BootstrapFormMixin, forms.Form):
    pass


class ModelForm(BootstrapFormMixin, forms.ModelForm):
    pass


def apply_action_error(form: forms.BaseForm, error: ActionError) -> None:
    """Show a refused action's Chinese message next to the field it names (or above the form)."""
    field = error.field if error.field in form.fields else None
    if field is None and error.field and f"{error.field}_id" in form.fields:
        field = f"{error.field}_id"
    form.add_error(field, error.message)


class ReasonForm(Form):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text="说明为什么此项预警不适用或已有其他处理，将记入操作记录。")
