"""督责 actions: create a supervision plan (a random one draws its sample from a seed that is logged, so
anyone can redraw it), record a problem found, add evidence, request 销号, approve or send back (only
the issuing level), and 回头看. Each step is an audit event: the problem's history."""
from __future__ import annotations

import datetime as dt
import random
import secrets

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit, engine
from dangjian.core.errors import ActionError
from dangjian.core.permissions import CHANGE, can_in_org
from dangjian.orgs.models import Org

from .choices import Category, Kind, State, SuggestionSource
from .models import Inspection, Rectification, Suggestion, SupervisionPlan

RECORDS = (Rectification,)
BRANCH_TYPES = ("branch",)



def draw_sample(candidates: list[int], seed: str, k: int) -> list[int]:
    """The branches a 随机督查 inspects: `k` of `candidates` (org ids) drawn with `seed`. The same seed and
    the same candidates always give the same sample (the candidates are sorted first)."""
    pool = sorted(candidates)
    return sorted(random.Random(seed).sample(pool, min(k, len(pool))))


@transaction.atomic
def do_create_plan(*, issuing_org: Org, scope: Org, kind: str, title: str, start: dt.date, checklist: str = "",
                   sample_size: int | None = None, seed: str | None = None, acting_user=None) -> SupervisionPlan:
    if kind not in Kind.values or kind == Kind.SELF:
        raise ActionError("请选择督查方式。", field="kind")
    if not scope.path.startswith(issuing_org.path):
        raise ActionError("督查范围应在组织督查的党组织之下。", field="scope")
    if issuing_org.type in ("branch", "group"):
        raise ActionError("督查由党支部的上级党组织（机关党委、党组、机关工委等）组织；党支部自己的问题请按自查登记。",
                          field="issuing_org")
    if acting_user is not None and not can_in_org(acting_user, CHANGE, issuing_org):
        raise ActionError("只有该党组织的管理员可以组织督查。", field="issuing_org")
    if not (title or "").strip():
        raise ActionError("请填写名称。", field="title")
    plan = SupervisionPlan.objects.create(issuing_org=issuing_org, scope=scope, kind=kind, title=title.strip()[:200],
                                          start=start, checklist=checklist or "", created_by=audit.user_or_none(acting_user))
    candidates: list[int] = []
    if kind == Kind.RANDOM or sample_size:
        if not sample_size or sample_size < 1:
            raise ActionError("随机抽查请填写抽查的党支部数量。", field="sample_size")
        candidates = list(Org.objects.active().filter(path__startswith=scope.path, type__in=BRANCH_TYPES)
                          .values_list("pk", flat=True))
        if not candidates:
            raise ActionError("督查范围内没有党支部。", field="scope")
        plan.seed = seed or secrets.token_hex(8)
        plan.sample_size = sample_size
        plan.save(update_fields=["seed", "sample_size"])
        plan.sampled.set(draw_sample(candidates, plan.seed, sample_size))
    # The candidates are logged with the seed: the draw can be redone however the tree changes later.
    audit.record("supervision.plan", f"{issuing_org.name}组织{plan.get_kind_display()}“{plan.title}”" +
                 (f"，随机抽查{plan.sampled.count()}个党支部（随机种子 {plan.seed}，候选 {len(candidates)} 个）"
                  if plan.seed else ""), actor=acting_user, org=issuing_org, obj=plan, seed=plan.seed,
                 candidates=sorted(candidates) if plan.seed else [])
    return plan


def default_issuer(org: Org) -> Org | None:
    """Who approves 销号 when nobody said: the org above the one that rectifies."""
    from dangjian.orgs.models import Org as O

    return O.objects.filter(path=org.path[:-O.steplen]).first() if org.depth > 1 else org


@transaction.atomic
def do_record_problem(*, org: Org, problem: str, found: dt.date, deadline: dt.date | None, category: str = "",
                      owner=None, plan: SupervisionPlan | None = None, source: str | None = None,
                      checklist_item: str = "", acting_user=None) -> Rectification:
    if not (problem or "").strip():
        raise ActionError("请写明发现的问题。", field="problem")
    if category and category not in Category.values:
        raise ActionError("请选择问题类别。", field="category")
    if found > timezone.localdate():
        raise ActionError("发现日期不能晚于今天。", field="found")
    if deadline is None or deadline < found:
        raise ActionError("请填写整改时限（不早于发现日期），做到限时整改。", field="deadline")
    if plan is not None and not org.path.startswith(plan.scope.path):
        raise ActionError("该党组织不在本次督查范围内。", field="org")
    issuer = plan.issuing_org if plan is not None else default_issuer(org)
    if issuer is not None and issuer.pk == org.pk:
        raise ActionError("问题应由上级党组织督查发现并审核销号；组织督查的党组织不能把自己列为整改对象。", field="org")
    if owner is not None and owner.org_id and not owner.org.path.startswith(org.path):
        raise ActionError("责任人应是整改的党组织（或其下级）的人员。", field="owner")
    r = Rectification.objects.create(plan=plan, org=org, issuing_org=issuer, source=source or (plan.kind if plan else Kind.SELF),
                                     category=category, found=found, problem=problem.strip(),
                                     checklist_item=(checklist_item or "")[:200], owner=owner, deadline=deadline,
                                     created_by=audit.user_or_none(acting_user))
    audit.record("rectification.open", f"{org.name}：发现问题“{r}”，{deadline:%Y-%m-%d}前整改", actor=acting_user, org=org,
                 obj=r)
    if plan is not None and r.checklist_item and r.checklist_item in plan.checklist_items:
        # The 督查记录 of that item in that org: a problem found.
        Inspection.objects.update_or_create(plan=plan, org=org, item=r.checklist_item, defaults={
            "ok": False, "date": found, "rectification": r, "note": r.problem[:300],
            "recorded_by": audit.user_or_none(acting_user)})
    engine.schedule([org.pk], changed=RECORDS)
    return r


def _lock(r) -> Rectification:
    return Rectification.objects.select_for_update(of=("self",)).select_related("org", "issuing_org").get(pk=r.pk)


@transaction.atomic
def do_add_evidence(r: Rectification, *, evidence: str, acting_user=None) -> Rectification:
    r = _lock(r)
    if r.state != State.OPEN:
        raise ActionError("已申请销号或已销号的问题不能再修改整改成效；被退回后可以修改。")
    if not (evidence or "").strip():
        raise ActionError("请写明整改措施和成效。", field="evidence")
    r.evidence = evidence.strip()
    r.save(update_fields=["evidence"])
    audit.record("rectification.evidence", f"{r.org.name}：提交整改成效", actor=acting_user, org=r.org, obj=r,
                 evidence=r.evidence[:300])
    return r


@transaction.atomic
def do_request_closure(r: Rectification, *, acting_user=None) -> Rectification:
    r = _lock(r)
    if r.state != State.OPEN:
        raise ActionError("只有整改中的问题可以申请销号。")
    if not r.evidence.strip():
        raise ActionError("请先提交整改成效，再申请销号。", field="evidence")
    r.state = State.REQUESTED
    r.save(update_fields=["state"])
    audit.record("rectification.request", f"{r.org.name}：申请销号", actor=acting_user, org=r.org, obj=r)
    engine.schedule([r.org_id], changed=RECORDS)
    return r


def may_approve(user, r: Rectification) -> bool:
    """Only the issuing level approves 销号: an administrator of the issuing org, which is not the org that
    rectifies (nobody closes their own problem)."""
    issuer = r.issuing_org or default_issuer(r.org)
    return issuer is not None and issuer.pk != r.org_id and can_in_org(user, CHANGE, issuer)


@transaction.atomic
def do_approve_closure(r: Rectification, *, on: dt.date | None = None, acting_user=None) -> Rectification:
    r = _lock(r)
    if r.state != State.REQUESTED:
        raise ActionError("只有申请销号的问题可以审核。")
    if acting_user is not None and not may_approve(acting_user, r):
        raise ActionError(f"销号须由{(r.issuing_org or default_issuer(r.org)).name}审核。")
    on = on or timezone.localdate()
    r.state, r.closed, r.approved = State.CLOSED, on, True
    r.save(update_fields=["state", "closed", "approved"])
    audit.record("rectification.close", f"{r.org.name}：问题“{r}”审核销号", actor=acting_user,
                 org=r.issuing_org or r.org, obj=r)
    engine.schedule([r.org_id], changed=RECORDS)
    return r


@transaction.atomic
def do_send_back(r: Rectification, *, reason: str, acting_user=None) -> Rectification:
    r = _lock(r)
    if r.state != State.REQUESTED:
        raise ActionError("只有申请销号的问题可以退回。")
    if acting_user is not None and not may_approve(acting_user, r):
        raise ActionError(f"须由{(r.issuing_org or default_issuer(r.org)).name}审核。")
    if not (reason or "").strip():
        raise ActionError("请写明退回理由。", field="reason")
    r.state = State.OPEN
    r.save(update_fields=["state"])
    audit.record("rectification.send_back", f"{r.org.name}：销号申请被退回：{reason.strip()}", actor=acting_user,
                 org=r.issuing_org or r.org, obj=r, reason=reason.strip())
    engine.schedule([r.org_id], changed=RECORDS)
    return r


@transaction.atomic
def do_recheck(r: Rectification, *, on: dt.date, held: bool, note: str = "", acting_user=None) -> Rectification:
    """回头看: a closed problem checked again; if it has come back, it is reopened."""
    r = _lock(r)
    if r.state != State.CLOSED:
        raise ActionError("只有已销号的问题可以回头看。")
    if on > timezone.localdate() or (r.closed and on < r.closed):
        raise ActionError("回头看日期应在销号之后、今天之前。", field="on")
    if acting_user is not None and not may_approve(acting_user, r):
        raise ActionError(f"回头看由{(r.issuing_org or default_issuer(r.org)).name}组织。")
    r.recheck_on, r.recheck_note = on, (note or "")[:300]
    fields = ["recheck_on", "recheck_note"]
    if not held:
        r.state, r.closed, r.approved = State.OPEN, None, False
        fields += ["state", "closed", "approved"]
    r.save(update_fields=fields)
    audit.record("rectification.recheck", f"{r.org.name}：回头看" + ("，整改成效巩固" if held else "，问题反弹，重新整改")
                 + (f"：{note}" if note else ""), actor=acting_user, org=r.issuing_org or r.org, obj=r)
    engine.schedule([r.org_id], changed=RECORDS)
    return r


# ── 意见建议: 事事有回应 ───────────────────────────────────────────────────────────────────────────

@transaction.atomic
def do_record_suggestion(*, org: Org, received: dt.date, text: str, source: str = "meeting", from_whom: str = "",
                         meeting=None, acting_user=None) -> Suggestion:
    if acting_user is not None and not can_in_org(acting_user, CHANGE, org):
        raise ActionError("只有该党组织的管理员可以登记收到的意见建议。", field="org")
    if source not in SuggestionSource.values:
        raise ActionError("请选择来源。", field="source")
    if not (text or "").strip():
        raise ActionError("请写明意见建议。", field="text")
    if received > timezone.localdate():
        raise ActionError("收到日期不能晚于今天。", field="received")
    if meeting is not None and not meeting.org.path.startswith(org.path) and not org.path.startswith(meeting.org.path):
        raise ActionError("征求意见的会议应是该党组织（或其上下级）的会议。", field="meeting")
    s = Suggestion.objects.create(org=org, source=source, meeting=meeting, received=received, text=text.strip(),
                                  from_whom=(from_whom or "").strip()[:100], created_by=audit.user_or_none(acting_user))
    audit.record("suggestion.open", f"{org.name}收到意见建议“{s}”（{received:%Y-%m-%d}）", actor=acting_user, org=org, obj=s)
    engine.schedule([org.pk], changed=(Suggestion,))
    return s


@transaction.atomic
def do_reply_suggestion(suggestion: Suggestion, *, reply: str, replied: dt.date, acting_user=None) -> Suggestion:
    s = Suggestion.objects.select_for_update(of=("self",)).select_related("org").get(pk=suggestion.pk)
    if acting_user is not None and not can_in_org(acting_user, CHANGE, s.org):
        raise ActionError("只有该党组织的管理员可以回应。")
    if s.replied:
        raise ActionError("该意见建议已回应。")
    if not (reply or "").strip():
        raise ActionError("请写明回应（采纳、解释说明或办理情况）。", field="reply")
    if replied < s.received or replied > timezone.localdate():
        raise ActionError("回应日期应在收到日期之后、今天之前。", field="replied")
    s.reply, s.replied, s.replied_by = reply.strip(), replied, audit.user_or_none(acting_user)
    s.save(update_fields=["reply", "replied", "replied_by"])
    audit.record("suggestion.reply", f"{s.org.name}回应意见建议“{s}”：{s.reply[:100]}", actor=acting_user, org=s.org, obj=s)
    engine.schedule([s.org_id], changed=(Suggestion,))
    return s


@transaction.atomic
def do_suggestion_to_problem(suggestion: Suggestion, *, deadline: dt.date, category: str = "", owner=None,
                             acting_user=None) -> Rectification:
    """Put a suggestion on the problem list (自查, 销号 by the level above); that is its answer."""
    s = Suggestion.objects.select_for_update(of=("self",)).select_related("org").get(pk=suggestion.pk)
    if acting_user is not None and not can_in_org(acting_user, CHANGE, s.org):
        raise ActionError("只有该党组织的管理员可以把意见建议列入问题清单。")
    if s.replied:
        raise ActionError("该意见建议已回应。")
    today = timezone.localdate()
    r = do_record_problem(org=s.org, problem=s.text, found=s.received, deadline=deadline, category=category,
                          owner=owner, source=Kind.SELF, acting_user=acting_user)
    s.rectification, s.replied, s.replied_by = r, today, audit.user_or_none(acting_user)
    s.reply = f"已列入问题清单整改，{deadline:%Y-%m-%d}前完成。"
    s.save(update_fields=["rectification", "replied", "replied_by", "reply"])
    audit.record("suggestion.reply", f"{s.org.name}把意见建议“{s}”列入问题清单", actor=acting_user, org=s.org, obj=s)
    engine.schedule([s.org_id], changed=(Suggestion,))
    return r


def plan_targets(plan: SupervisionPlan):
    """The orgs a plan inspects: its random sample, or every org of its scope below the issuing level."""
    if plan.seed:
        return plan.sampled.exclude(pk=plan.issuing_org_id)
    return Org.objects.filter(path__startswith=plan.scope.path).exclude(type="group").exclude(pk=plan.issuing_org_id)


@transaction.atomic
def do_record_compliant(plan: SupervisionPlan, *, org: Org, item: str, date: dt.date, note: str = "",
                        acting_user=None) -> Inspection:
    """督查记录: the item was checked in the org and found compliant (a problem is recorded with
    `do_record_problem`, naming the item)."""
    if acting_user is not None and not can_in_org(acting_user, CHANGE, plan.issuing_org):
        raise ActionError("只有组织督查的党组织可以登记督查记录。")
    if item not in plan.checklist_items:
        raise ActionError("请选择督查清单中的一项。", field="item")
    if not plan_targets(plan).filter(pk=org.pk).exists():
        raise ActionError("该党组织不在本次督查范围（或随机抽查的党支部）内。", field="org")
    if date > timezone.localdate() or date < plan.start:
        raise ActionError("督查日期应在督查开始之后、今天之前。", field="date")
    if Inspection.objects.filter(plan=plan, org=org, item=item, ok=False).exists():
        raise ActionError("该项已发现问题，请在问题清单中整改销号。", field="item")
    i, _ = Inspection.objects.update_or_create(plan=plan, org=org, item=item, defaults={
        "ok": True, "date": date, "note": (note or "")[:300], "recorded_by": audit.user_or_none(acting_user)})
    audit.record("supervision.inspection", f"{plan.title}：{org.name}“{item}”符合要求", actor=acting_user, org=org, obj=i)
    return i
