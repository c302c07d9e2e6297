"""规则参数 pages: every [P] parameter the rules are judged with, readable by any logged-in user,
editable by those whose scope covers a whole tree (工委管理员, superuser)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from . import engine
from .errors import ActionError
from .models import AuditEvent, JurisdictionSetting
from .settings_forms import SettingForm, display, kind_of

SETTING_VERBS = ("setting.update", "setting.reset")
KIND_LABELS = {"choice": "选项", "bool": "是/否", "int": "整数", "int_list": "整数列表", "decimal": "小数", "date": "日期（可空）",
               "text": "文本"}


def may_edit(user) -> bool:
    from dangjian.orgs.api.views import covers_a_root

    from .permissions import CHANGE

    return covers_a_root(user, CHANGE)


def _rules_using(key: str) -> list:
    s = engine.registry.settings[key]
    ids = set(s.rules) | {r.id for r in engine.registry if key in r.settings}
    return [r for r in engine.registry if r.id in ids]


def _last_changes(keys) -> dict:
    """key → the latest AuditEvent that changed it. These events belong to the jurisdiction, not to
    an org (no org, so `restrict()` would hide them from everyone but a superuser): which value a
    rule is judged with, and since when and by whom, is open to every logged-in user, like the value."""
    wanted, out = set(keys), {}
    for e in (AuditEvent.objects.filter(verb__in=SETTING_VERBS).select_related("actor")
              .order_by("-created", "-id").iterator(chunk_size=200)):
        k = (e.data or {}).get("key")
        if k in wanted and k not in out:
            out[k] = e
            if len(out) == len(wanted):
                break
    return out


def _rows():
    stored = {r.key: r for r in JurisdictionSetting.objects.all()}
    keys = sorted(engine.registry.settings)
    changes = _last_changes(keys)
    rows = []
    for key in keys:
        s = engine.registry.settings[key]
        row = stored.get(key)
        value = row.value if row is not None else s.default
        rows.append({"setting": s, "key": key, "kind": KIND_LABELS[kind_of(s)], "rules": _rules_using(key),
                     "default": display(key, s.default), "value": display(key, value), "overridden": row is not None,
                     "note": row.note if row is not None else "", "change": changes.get(key)})
    return rows


@login_required
@require_GET
def setting_list(request):
    return render(request, "core/settings_list.html", {"rows": _rows(), "may_edit": may_edit(request.user),
                                                       "nav_active": "settings"})


@login_required
@require_http_methods(["GET", "POST"])
def setting_edit(request, key):
    from .forms import apply_action_error

    s = engine.registry.settings.get(key)
    if s is None:
        raise Http404("没有这个规则参数。")
    if not may_edit(request.user):
        # Read-only for everyone else: the list shows the same value, without a form.
        messages.info(request, "规则参数由工委管理员统一设置，您可以查看但不能修改。")
        return redirect("jurisdiction:setting_list")
    row = JurisdictionSetting.objects.filter(key=key).first()
    current = row.value if row is not None else s.default
    form = SettingForm(s, current, request.POST or None)
    if request.method == "POST":
        from .actions import do_reset_setting, do_update_setting

        try:
            if "reset" in request.POST:
                do_reset_setting(key, acting_user=request.user, note=request.POST.get("note", ""))
                messages.success(request, f"规则参数 {key} 已恢复默认值 {display(key, s.default)}，相关规则正在按新取值重新判断。")
                return redirect("jurisdiction:setting_list")
            if form.is_valid():
                do_update_setting(key, form.cleaned_data["value"], acting_user=request.user,
                                  note=form.cleaned_data["note"])
                messages.success(request, f"规则参数 {key} 已改为 {display(key, form.cleaned_data['value'])}，"
                                          f"相关规则正在按新取值重新判断。")
                return redirect("jurisdiction:setting_list")
        except ActionError as e:
            apply_action_error(form, e)
    return render(request, "core/settings_edit.html", {
        "setting": s, "form": form, "overridden": row is not None, "current": display(key, current),
        "default": display(key, s.default), "rules": _rules_using(key), "kind": KIND_LABELS[kind_of(s)],
        "nav_active": "settings"})


@login_required
@require_http_methods(["GET", "POST"])
def work_calendar(request):
    """工作日历: the holidays on weekdays and the 调休 working weekend days, by year; readable by
    everyone (working days decide deadlines such as the 发展党员 publicity), kept by the 工委."""
    import datetime as dt

    from django import forms as djforms
    from django.utils import timezone

    from . import actions
    from .forms import DateInput, Form, apply_action_error
    from .models import WorkCalendarDay

    class DayForm(Form):
        date = djforms.DateField(label="日期", widget=DateInput())
        workday = djforms.BooleanField(label="调休上班（周末上班时勾选）", required=False)
        name = djforms.CharField(label="名称", required=False, max_length=50)

    editable = may_edit(request.user)
    year = int(request.GET.get("year") or timezone.localdate().year)
    form = DayForm(request.POST or None) if editable else None
    if request.method == "POST" and editable:
        if request.POST.get("remove"):
            try:
                actions.do_remove_calendar_day(dt.date.fromisoformat(request.POST["remove"]), acting_user=request.user)
                messages.success(request, "已删除。")
            except (ActionError, ValueError) as e:
                messages.error(request, getattr(e, "message", "日期格式不正确。"))
            return redirect(f"{request.path}?year={year}")
        if form.is_valid():
            try:
                row = actions.do_set_calendar_day(form.cleaned_data["date"], workday=form.cleaned_data["workday"],
                                                  name=form.cleaned_data["name"], acting_user=request.user)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, f"已登记：{row}")
                return redirect(f"{request.path}?year={row.date.year}")
    days = WorkCalendarDay.objects.filter(date__year=year)
    return render(request, "core/work_calendar.html", {"days": days, "year": year, "form": form,
                                                       "may_edit": editable, "nav_active": "settings"})
