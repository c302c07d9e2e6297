"""State changes of findings (预警): waiving one with a reason, and reopening a waived one.

The engine opens and resolves findings by itself; people only decide that a finding does not call
for rectification (豁免) — and that decision is theirs to justify, so it needs a reason, the `waive`
right on the finding's org, and leaves an AuditEvent."""
from __future__ import annotations

from django.db import transaction
from django.db.models import JSONField, Value
from django.utils import timezone

from . import audit, engine
from .errors import ActionError
from .models import Finding, FindingState
from .permissions import WAIVE


def _lock_waivable(finding: Finding, acting_user) -> Finding:
    f = Finding.objects.select_for_update(of=("self",)).filter(pk=finding.pk).restrict(acting_user, WAIVE).first()
    if f is None:
        raise ActionError("您无权处理该预警：只有该组织或其上级组织的管理员可以豁免或恢复预警。")
    return f


@transaction.atomic
def do_waive_finding(finding: Finding, reason: str, *, acting_user) -> Finding:
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("豁免预警须填写理由，例如上级批准的文件或不需整改的具体原因。", field="reason")
    f = _lock_waivable(finding, acting_user)
    if f.state == FindingState.WAIVED:
        raise ActionError("该预警已豁免，无需重复操作。")
    if f.state == FindingState.RESOLVED:
        raise ActionError("该预警已自动消除，无需豁免。")
    f.state, f.waived_by, f.waived_reason = FindingState.WAIVED, acting_user, reason
    f.save(update_fields=["state", "waived_by", "waived_reason", "last_seen"])
    audit.record("finding.waive", f"豁免预警 {f.rule_id}：{f.message}"[:300] + f"（理由：{reason}）",
                 actor=acting_user, org=f.org, person=f.person, obj=f,
                 before={"state": FindingState.OPEN}, after={"state": FindingState.WAIVED}, reason=reason)
    return f


@transaction.atomic
def do_reopen_finding(finding: Finding, *, acting_user, reason: str = "") -> Finding:
    """Undo a waiver: the finding is open again, and the engine re-judges its org so that it is
    resolved at once if the data meanwhile satisfies the rule."""
    f = _lock_waivable(finding, acting_user)
    if f.state != FindingState.WAIVED:
        raise ActionError("只有已豁免的预警可以恢复。")
    before = {"state": f.state, "waived_by": f.waived_by, "waived_reason": f.waived_reason}
    f.state, f.waived_by, f.waived_reason = FindingState.OPEN, None, ""
    f.last_seen = timezone.now()
    f.save(update_fields=["state", "waived_by", "waived_reason", "last_seen"])
    audit.record("finding.reopen", f"恢复预警 {f.rule_id}：{f.message}"[:300]
                 + (f"（理由：{reason.strip()}）" if reason.strip() else ""),
                 actor=acting_user, org=f.org, person=f.person, obj=f, before=before,
                 after={"state": FindingState.OPEN}, reason=reason.strip())
    engine.schedule([f.org_id])
    return f


# --- 规则参数 (jurisdiction settings) -------------------------------------------------------------
def _may_edit_settings(user) -> bool:
    """规则参数 belong to the whole jurisdiction: only a scope over a whole tree (工委管理员,
    superuser) may change them — the same test as the 机关单位 register."""
    from dangjian.orgs.api.views import covers_a_root
    from .permissions import CHANGE

    return covers_a_root(user, CHANGE)


def _rejudge(setting) -> None:
    # Every org may be judged with the new value: a full run of the rules that read the setting,
    # after the commit (a rolled-back change must not be judged with).
    rule_ids = [r for r in setting.rules if engine.registry.get(r)] or None
    transaction.on_commit(lambda: engine.run(rule_ids=rule_ids, background="defer"), robust=True)


@transaction.atomic
def do_update_setting(key: str, value, *, acting_user, note: str = ""):
    """Set a [P] rule parameter for the jurisdiction (a JurisdictionSetting row overrides the default)."""
    from .models import JurisdictionSetting
    from .settings_forms import check_value, display

    setting = engine.registry.settings.get(key)
    if setting is None:
        raise ActionError(f"没有名为“{key}”的规则参数。")
    if not _may_edit_settings(acting_user):
        raise ActionError("规则参数由工委管理员统一设置；如需调整，请联系机关工委。")
    value = check_value(key, value)
    row = JurisdictionSetting.objects.select_for_update().filter(key=key).first()
    was_default = row is None
    before = setting.default if was_default else row.value
    if not was_default and row.value == value:
        return row
    if row is None:
        row = JurisdictionSetting(key=key)
    # A stored None must be JSON null: a Python None is SQL NULL, which the column refuses.
    row.value = value if value is not None else Value(None, JSONField())
    row.note = (note or "").strip()[:255]
    row.save()
    row.value = value
    audit.record("setting.update", f"修改规则参数 {key}：{display(key, before)} → {display(key, value)}"
                 + (f"（理由：{row.note}）" if row.note else ""), actor=acting_user, obj=row,
                 before={"value": before, "default": was_default}, after={"value": value}, key=key,
                 reason=row.note)
    _rejudge(setting)
    return row


@transaction.atomic
def do_reset_setting(key: str, *, acting_user, note: str = "") -> None:
    """恢复默认: drop the jurisdiction's value; the rules read the default again."""
    from .models import JurisdictionSetting
    from .settings_forms import display

    setting = engine.registry.settings.get(key)
    if setting is None:
        raise ActionError(f"没有名为“{key}”的规则参数。")
    if not _may_edit_settings(acting_user):
        raise ActionError("规则参数由工委管理员统一设置；如需调整，请联系机关工委。")
    row = JurisdictionSetting.objects.select_for_update().filter(key=key).first()
    if row is None:
        raise ActionError("该参数已是默认值，无需恢复。")
    before = row.value
    audit.record("setting.reset", f"规则参数 {key} 恢复默认：{display(key, before)} → {display(key, setting.default)}"
                 + (f"（理由：{note.strip()}）" if note and note.strip() else ""), actor=acting_user, obj=row,
                 before={"value": before}, after={"value": setting.default, "default": True}, key=key,
                 reason=(note or "").strip())
    row.delete()
    _rejudge(setting)


@transaction.atomic
def do_set_calendar_day(day, *, workday: bool, name: str = "", acting_user):
    """Enter a 法定节假日 (workday False on a weekday) or a 调休 working weekend day in the work calendar."""
    from .models import WorkCalendarDay

    if not _may_edit_settings(acting_user):
        raise ActionError("工作日历由工委管理员统一维护；如需调整，请联系机关工委。")
    usual = day.weekday() < 5
    if workday == usual:
        kind = "工作日" if usual else "周末"
        raise ActionError(f"{day:%Y-%m-%d}本来就是{kind}，无需登记；只登记放假的工作日和调休上班的周末。", field="workday")
    row, _ = WorkCalendarDay.objects.update_or_create(date=day, defaults={"workday": workday,
                                                                          "name": (name or "").strip()[:50]})
    audit.record("calendar.set", f"工作日历：{row}", actor=acting_user, obj=row)
    _rejudge_calendar()
    return row


def _rejudge_calendar() -> None:
    """The rules that count working days judge again once the calendar change commits."""
    transaction.on_commit(lambda: engine.run(rule_ids=engine.affected_rules(["core.workcalendarday"]),
                                             background="defer"), robust=True)


@transaction.atomic
def do_remove_calendar_day(day, *, acting_user) -> None:
    from .models import WorkCalendarDay

    if not _may_edit_settings(acting_user):
        raise ActionError("工作日历由工委管理员统一维护；如需调整，请联系机关工委。")
    row = WorkCalendarDay.objects.filter(date=day).first()
    if row is None:
        raise ActionError(f"工作日历中没有{day:%Y-%m-%d}。")
    audit.record("calendar.remove", f"工作日历：删除{row}", actor=acting_user)
    row.delete()
    _rejudge_calendar()
