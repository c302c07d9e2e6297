"""State changes of findings (预警): waiving one with a reason, and reopening a waived one.

The engine opens and resolves findings by itself; people only decide that a finding does not call
for rectification (豁免) — and that decision is theirs to justify, so it needs a reason, the `waive`
right on the finding's org, and leaves an AuditEvent."""
from __future__ import annotations

from django.db import transaction
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
