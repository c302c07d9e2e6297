"""组织生活会 / 民主生活会 as a process: each participant's 对照检查材料 (recorded by the branch, or
submitted by the member for themself) and the 整改清单 drawn up after the meeting."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from dangjian.core.errors import ActionError
from dangjian.core.forms import DateInput, Form, apply_action_error
from dangjian.core.params import id_param
from dangjian.core.permissions import CHANGE, VIEW, can_in_org
from dangjian.core.views import get_restricted

from . import actions
from .models import Meeting, RectificationItem, SelfCheck

NAV = "orglife"


def _meeting_url(m, anchor):
    return reverse("orglife:meeting_detail", kwargs={"pk": m.pk}) + f"#{anchor}"


def _process_meeting(request, pk, action=VIEW):
    """The meeting (404 out of scope), or None after a message when it has no such process."""
    m = get_restricted(request, Meeting.objects.select_related("org"), action, pk=pk)
    if m.type not in actions.PROCESS_TYPES:
        messages.error(request, "只有组织生活会和民主生活会需要登记对照检查材料和整改清单。")
        return m, False
    return m, True


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class SelfCheckForm(Form):
    person = PersonChoiceField(label="党员", queryset=None, empty_label="请选择")
    text = forms.CharField(label="对照检查材料", widget=forms.Textarea(attrs={"rows": 10}),
                           help_text="对照党章党规、对照初心使命，查找的问题、原因剖析和整改措施。")

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        from dangjian.people.models import Person

        self.fields["person"].queryset = Person.objects.filter(pk__in=[p.pk for p in participants]).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def meeting_self_check(request, pk):
    """The branch records anyone's material (`?person=`); a member sees only their own form."""
    user = request.user
    m, ok = _process_meeting(request, pk)
    if not ok:
        return redirect(_meeting_url(m, "self-checks"))
    manage = can_in_org(user, CHANGE, m.org)
    participants = actions.process_participants(m)
    own = getattr(user, "person_id", None)
    if not manage and own not in {p.pk for p in participants}:
        messages.error(request, "您不是本次会议的参会人员，无需提交对照检查材料。")
        return redirect(_meeting_url(m, "self-checks"))
    chosen = request.POST.get("person") or (request.GET.get("person") if manage else None) or (str(own) if own else "")
    chosen_pk = id_param(chosen)
    existing = SelfCheck.objects.filter(meeting=m, person_id=chosen_pk).first() if chosen_pk is not None else None
    form = SelfCheckForm(request.POST or None, participants=participants,
                         initial={"person": chosen if chosen_pk is not None else None,
                                  "text": existing.text if existing else ""})
    if not manage:
        # A member writes their own material: no choice offered, and the action refuses anyone else.
        form.fields["person"].widget = forms.HiddenInput()
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            sc = actions.do_record_self_check(m, person=c["person"], text=c["text"], acting_user=user)
        except ActionError as e:
            if manage:
                apply_action_error(form, e)
            else:
                form.add_error(None, e.message)   # the person field is hidden from a member
        else:
            messages.success(request, f"已保存{sc.person.name}的对照检查材料。")
            return redirect(_meeting_url(m, "self-checks"))
    from .views import _ancestors

    submitted = set(SelfCheck.objects.filter(meeting=m).values_list("person_id", flat=True))
    return render(request, "orglife/process_self_check.html", {
        "form": form, "m": m, "org": m.org, "ancestors": _ancestors(m.org, user), "nav_active": NAV,
        "manage": manage, "existing": existing, "cancel_url": _meeting_url(m, "self-checks"),
        "missing": [p for p in participants if p.pk not in submitted] if manage else [],
    })


class RectificationForm(Form):
    problem = forms.CharField(label="问题", widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="会上查摆出的问题，写具体（不要只写“加强学习”）。")
    owner = PersonChoiceField(label="责任人", queryset=None, empty_label="请选择")
    deadline = forms.DateField(label="整改时限", widget=DateInput())

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        from dangjian.people.models import Person

        self.fields["owner"].queryset = Person.objects.filter(pk__in=[p.pk for p in participants]).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def meeting_rectification_add(request, pk):
    user = request.user
    m, ok = _process_meeting(request, pk, CHANGE)
    if not ok:
        return redirect(_meeting_url(m, "rectifications"))
    form = RectificationForm(request.POST or None, participants=actions.process_participants(m))
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            item = actions.do_add_rectification_item(m, problem=c["problem"], owner=c["owner"],
                                                     deadline=c["deadline"], acting_user=user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已加入整改清单：责任人{item.owner.name}，时限{item.deadline:%Y-%m-%d}。")
            return redirect(_meeting_url(m, "rectifications"))
    from .views import _ancestors

    return render(request, "orglife/process_form.html", {
        "form": form, "m": m, "org": m.org, "ancestors": _ancestors(m.org, user), "nav_active": NAV,
        "title": "添加整改事项", "submit": "加入整改清单", "cancel_url": _meeting_url(m, "rectifications"),
        "intro": "整改清单在会后制定：每个问题明确责任人和整改时限，逾期未完成的将在会议页面标出。",
    })


class CloseForm(Form):
    closed = forms.DateField(label="完成日期", widget=DateInput(), initial=timezone.localdate)
    evidence = forms.CharField(label="整改成效", widget=forms.Textarea(attrs={"rows": 4}),
                               help_text="做了什么、有何佐证（如制度文件、会议记录）。")


@login_required
@require_http_methods(["GET", "POST"])
def rectification_item_close(request, pk):
    user = request.user
    item = get_restricted(request, RectificationItem.objects.select_related("meeting__org"), CHANGE, pk=pk)
    m = item.meeting
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_close_rectification_item(item, closed=form.cleaned_data["closed"],
                                                evidence=form.cleaned_data["evidence"], acting_user=user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, "已标记整改完成。")
            return redirect(_meeting_url(m, "rectifications"))
    from .views import _ancestors

    return render(request, "orglife/process_form.html", {
        "form": form, "m": m, "org": m.org, "ancestors": _ancestors(m.org, user), "nav_active": NAV,
        "title": "整改完成", "submit": "标记完成", "cancel_url": _meeting_url(m, "rectifications"),
        "intro": f"问题：{item.problem}（责任人{item.owner.name}，时限{item.deadline:%Y-%m-%d}）",
    })
