"""“四强”党支部 actions: the jurisdiction's 创建标准 (created pre-filled with the four dimensions, edited while a draft,
published for the branches below), a branch's 申报 and self-assessment, submission (evidence frozen), the
机关党委's review, the jurisdiction's 命名 or refusal, the yearly 复核 and revocation. Every step reads the
标准化规范化 baseline again (`baseline.py`): open BLOCK/WARN findings of the gated families stop it, naming the
findings. Every action is audited."""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit, engine
from dangjian.core.errors import ActionError
from dangjian.core.periods import add_months
from dangjian.core.permissions import CHANGE, can_in_org
from dangjian.orgs.models import Org

from . import baseline, evidence
from .choices import JURISDICTION_TYPES, ApplicationState, Dimension as Code, RecheckOutcome, TitleState
from .models import Application, Criterion, CriterionScore, Recheck, Standard, StandardDimension, Title

CENT = Decimal("0.01")
MAX_POINTS = Decimal("100")

# The pre-filled dimensions and sub-criteria. SQ-01 gives the four dimensions; SQ-02 excerpts the first two; the
# official sub-criteria of 党员队伍强 and 作用发挥强 were not retrieved (SQ-GAP): these follow common practice and
# every line can be changed before publishing. (weight, [(text, points, evidence, minimum)])
DEFAULT_CRITERIA = {
    Code.POLITICAL: (25, [
        ("理论武装扎实：坚持“第一议题”制度，学习贯彻习近平新时代中国特色社会主义思想，党员学习培训学时达标",
         Decimal("8"), "study_hours", Decimal("90")),
        ("坚决做到“两个维护”，贯彻落实党中央决策部署和上级党组织工作安排不走样", Decimal("6"), "", None),
        # (no minimum: the 组织生活会 is usually held in Q4, after most applications are written — ORGLIFE-04 judges it)
        ("党内政治生活严肃认真：按期召开组织生活会，开展批评和自我批评", Decimal("6"), "org_life", None),
        ("书记带头讲党课，党课内容紧扣政治理论和业务实际", Decimal("5"), "secretary_lectures", Decimal("1")),
    ]),
    Code.LEADERSHIP: (25, [
        ("班子按期换届、任期内运行，书记、委员选优配强，分工明确、履职到位", Decimal("8"), "committee_term", Decimal("100")),
        ("严格执行民主集中制，支委会按月召开，重大事项集体研究决定", Decimal("7"), "committee", None),
        ("严格落实“三会一课”、主题党日等组织生活制度", Decimal("10"), "on_schedule", Decimal("90")),
    ]),
    Code.MEMBERS: (25, [
        ("党员积极参加组织生活，出勤率高", Decimal("8"), "attendance", Decimal("85")),
        ("党员按月足额交纳党费，党员意识强", Decimal("5"), "dues_paid", Decimal("95")),
        ("发展党员坚持标准、程序规范，纪实完整", Decimal("6"), "recruitment", None),
        ("党员日常教育管理扎实，民主评议党员、谈心谈话按要求开展", Decimal("6"), "", None),
    ]),
    Code.ROLE: (25, [
        ("围绕中心、建设队伍、服务群众，党建与业务工作深度融合，业绩突出", Decimal("10"), "", None),
        ("发现的问题按期整改销号，整改成效明显", Decimal("8"), "rectifications", None),
        ("党员在急难险重任务中发挥先锋模范作用，得到干部群众认可", Decimal("7"), "", None),
    ]),
}


def _may(user, org, what: str) -> None:
    if user is not None and not can_in_org(user, CHANGE, org):
        raise ActionError(f"只有{org.name}的管理员可以{what}。")


def held_paths(user, action: str = CHANGE) -> frozenset[str]:
    """The paths of the orgs where `user` holds a role allowing `action` itself (not the subtrees below them). Kept
    with the permission cache, so `permissions.clear_scope_cache` clears it too."""
    from dangjian.accounts.models import RoleAssignment
    from dangjian.core.permissions import ROLE_ACTIONS

    cache = user.__dict__.setdefault("_dangjian_scope_cache", {})
    key = f"_fourstrong_held_{action}"
    if key not in cache:
        rows = RoleAssignment.objects.active().filter(user=user).values_list("role", "org__path")
        cache[key] = frozenset(p for r, p in rows if action in ROLE_ACTIONS.get(r, ()))
    return cache[key]


def holds_role_at(user, org, action: str = CHANGE) -> bool:
    """Whether `user` is an admin of `org` itself — its own 书记/管理员 — rather than of a level above it. A
    superuser counts as everyone's admin (the separations below — submitter, reviewer, namer — still apply)."""
    if user is None or org is None or not getattr(user, "is_authenticated", False) \
            or not getattr(user, "is_active", True):
        return False
    if user.is_superuser:
        return True
    return org.path in held_paths(user, action)


def _may_branch(user, org, what: str) -> None:
    """申报、自评、提交 are the branch's own: its admins, not the levels above (they read, review and name)."""
    if user is not None and not holds_role_at(user, org):
        raise ActionError(f"{what}由{org.name}的管理员（支部书记）办理；上级党组织可以查看，不能代为{what}。")


def _date_between(on, lo: dt.date, hi: dt.date, field: str, label: str, lo_label: str) -> dt.date:
    if not isinstance(on, dt.date):
        raise ActionError(f"请填写{label}。", field=field)
    if on > hi:
        raise ActionError(f"{label}不能晚于今天（{hi:%Y-%m-%d}）。", field=field)
    if on < lo:
        raise ActionError(f"{label}不能早于{lo_label}（{lo:%Y-%m-%d}）。", field=field)
    return on


def title_end(on: dt.date, years: int) -> dt.date:
    """有效期至: the day before the `years`-th anniversary of the naming day (命名日起，到期前一日止). The anniversary of
    29 February in a common year is 1 March, so a title named 2024-02-29 for 3 years runs to 2027-02-28."""
    try:
        anniversary = on.replace(year=on.year + years)
    except ValueError:                      # 29 February → 1 March of a common year
        anniversary = dt.date(on.year + years, 3, 1)
    return anniversary - dt.timedelta(days=1)


# The demo takes titles through these actions while judging at its own as-of date: it re-runs SQ-03 itself
# (`rejudged_by_caller`), so the actions do not schedule a run dated today.
_CALLER_REJUDGES = contextvars.ContextVar("fourstrong_caller_rejudges", default=False)


@contextlib.contextmanager
def rejudged_by_caller():
    token = _CALLER_REJUDGES.set(True)
    try:
        yield
    finally:
        _CALLER_REJUDGES.reset(token)


def _rejudge(title: Title) -> None:
    """A title named, re-checked or revoked: SQ-03 (到期复核) judges it again (its finding lives under the
    naming organ)."""
    if not _CALLER_REJUDGES.get():
        engine.schedule([title.org_id, title.standard.jurisdiction_id], changed=[Title])


def _decimal(value, field: str, label: str, *, maximum=MAX_POINTS, allow_none=False) -> Decimal | None:
    if value in (None, "") and allow_none:
        return None
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ActionError(f"{label}应是数字。", field=field) from None
    if not d.is_finite() or d < 0 or d > maximum or d != d.quantize(CENT):
        raise ActionError(f"{label}应在 0 到 {maximum} 之间，最多两位小数。", field=field)
    return d


def _draft(standard: Standard) -> None:
    if standard.published_at:
        raise ActionError("创建标准已发布，不能再修改；如需调整，请制定新的年度标准。")


def _blocking_error(org, findings) -> ActionError:
    shown = "；".join(f"{f.rule_id} {f.message}" for f in findings[:5])
    more = f"等{len(findings)}条" if len(findings) > 5 else ""
    return ActionError(f"{org.name}有未消除的组织生活、换届选举或发展党员预警（{shown}{more}），"
                       "未达到标准化规范化建设要求，暂不能评定“四强”党支部（SQ-02）。请先整改，预警消除后再办理。",
                       rule="SQ-02")


def check_baseline(org) -> None:
    found = baseline.blocking_findings(org)
    if found:
        raise _blocking_error(org, found)


def shortfalls(standard: Standard, ev: dict) -> list[dict]:
    """The criteria whose evidence is below their minimum (达标线)."""
    items = (ev or {}).get("items") or {}
    out = []
    for c in Criterion.objects.filter(dimension__standard=standard, minimum__isnull=False).exclude(evidence=""):
        v = evidence.value_for_minimum(items.get(c.evidence))
        if v is not None and v < c.minimum:
            out.append({"criterion": c, "value": evidence.shown(items[c.evidence]), "minimum": c.minimum,
                        "label": c.evidence_label})
    return out


def _check_minimums(app: Application, ev: dict) -> None:
    short = shortfalls(app.standard, ev)
    if short:
        raise ActionError("以下标准未达到达标线：" + "；".join(
            f"{s['label']} {s['value']}，达标线 {s['minimum'].normalize():f}" for s in short) + "。")


# ── standards ──────────────────────────────────────────────────────────────────────────────────────

@transaction.atomic
def do_create_standard(*, jurisdiction: Org, year: int, name: str = "", acting_user=None) -> Standard:
    """A new standard, pre-filled with the four dimensions (25% each) and their sub-criteria."""
    if jurisdiction.type not in JURISDICTION_TYPES:
        raise ActionError("创建标准由党支部的上级党组织（机关工委、党组、机关党委、党总支）制定。", field="jurisdiction")
    _may(acting_user, jurisdiction, "制定“四强”党支部创建标准")
    if not 2000 <= int(year) <= 2100:
        raise ActionError("请填写年度。", field="year")
    if Standard.objects.filter(jurisdiction=jurisdiction, year=year).exists():
        raise ActionError(f"{jurisdiction.name}已有{year}年的创建标准。", field="year")
    validity = int(engine.effective_settings().get("fourstrong_validity_years") or 3)
    s = Standard.objects.create(jurisdiction=jurisdiction, year=year, validity_years=validity,
                                name=(name or "").strip()[:200] or "“四强”党支部创建标准",
                                created_by=audit.user_or_none(acting_user))
    for i, (code, (weight, rows)) in enumerate(DEFAULT_CRITERIA.items(), start=1):
        d = StandardDimension.objects.create(standard=s, code=code, weight=weight, order=i)
        Criterion.objects.bulk_create([Criterion(dimension=d, order=j, text=t, points=p, evidence=e, minimum=m)
                                       for j, (t, p, e, m) in enumerate(rows, start=1)])
    audit.record("fourstrong.standard", f"{jurisdiction.name}制定“四强”党支部创建标准“{s}”", actor=acting_user,
                 org=jurisdiction, obj=s)
    return s


@transaction.atomic
def do_update_standard(standard: Standard, *, acting_user=None, **changes) -> Standard:
    _may(acting_user, standard.jurisdiction, "修改创建标准")
    _draft(standard)
    fields = ["name", "validity_years", "recheck_months", "pass_score"]
    before = audit.snapshot(standard, fields)
    if "name" in changes:
        if not (changes["name"] or "").strip():
            raise ActionError("请填写名称。", field="name")
        standard.name = changes["name"].strip()[:200]
    for key, label, lo, hi in (("validity_years", "命名有效期", 1, 10), ("recheck_months", "复核间隔", 1, 60)):
        if key in changes:
            try:
                n = int(changes[key])
            except (TypeError, ValueError):
                raise ActionError(f"{label}应是整数。", field=key) from None
            if not lo <= n <= hi:
                raise ActionError(f"{label}应在 {lo} 到 {hi} 之间。", field=key)
            setattr(standard, key, n)
    if "pass_score" in changes:
        standard.pass_score = _decimal(changes["pass_score"], "pass_score", "命名分数线")
    standard.save()
    audit.record("fourstrong.standard_change", f"修改创建标准“{standard}”", actor=acting_user,
                 org=standard.jurisdiction, obj=standard, before=before, after=audit.snapshot(standard, fields))
    return standard


def _weight(dim: StandardDimension, weight) -> int:
    text = str(weight if weight is not None else "").strip()
    if not (text.isascii() and text.isdecimal()) or not 0 <= int(text) <= 100:
        raise ActionError(f"{dim}的权重应是 0 到 100 的整数（百分比，不带小数），“{text}”不行。",
                          field=f"weight_{dim.pk}")
    return int(text)


@transaction.atomic
def do_set_weights(standard: Standard, weights: dict, *, acting_user=None) -> list[StandardDimension]:
    """Set the dimensions' weights together: every value is checked first and nothing is saved unless all are
    whole numbers from 0 to 100. `weights`: dimension id → typed value (a dimension not given keeps its weight)."""
    _may(acting_user, standard.jurisdiction, "修改创建标准")
    _draft(standard)
    dims = list(standard.dimensions.select_for_update().order_by("order", "pk"))
    new = {d.pk: _weight(d, weights[d.pk]) for d in dims if d.pk in weights}
    changed = []
    for d in dims:
        if d.pk in new and new[d.pk] != d.weight:
            changed.append((d, d.weight, new[d.pk]))
            d.weight = new[d.pk]
            d.save(update_fields=["weight"])
    if changed:
        audit.record("fourstrong.weight", f"创建标准“{standard}”：" + "；".join(
            f"{d}权重 {before}% → {after}%" for d, before, after in changed), actor=acting_user,
            org=standard.jurisdiction, obj=standard)
    return dims


def do_set_weight(dim: StandardDimension, weight, *, acting_user=None) -> StandardDimension:
    do_set_weights(dim.standard, {dim.pk: weight}, acting_user=acting_user)
    dim.refresh_from_db()
    return dim


def _criterion_fields(text, points, evidence_key, minimum) -> dict:
    if not (text or "").strip():
        raise ActionError("请填写具体标准。", field="text")
    pts = _decimal(points, "points", "分值")
    if pts <= 0:
        raise ActionError("分值应大于 0。", field="points")
    evidence_key = evidence_key or ""
    if evidence_key and evidence_key not in evidence.REGISTRY:
        raise ActionError("请选择佐证口径。", field="evidence")
    mn = _decimal(minimum, "minimum", "达标线", maximum=Decimal("1000"), allow_none=True)
    if mn is not None:
        kind = evidence.REGISTRY[evidence_key].kind if evidence_key else None
        if kind not in ("count", "share"):
            raise ActionError("达标线只能用于按数据计算的佐证口径（计数或比率）。", field="minimum")
        if kind == "share" and mn > 100:
            raise ActionError("比率的达标线按百分数填写，不超过 100。", field="minimum")
    return {"text": text.strip()[:500], "points": pts, "evidence": evidence_key, "minimum": mn}


@transaction.atomic
def do_add_criterion(dim: StandardDimension, *, text: str, points, evidence_key: str = "", minimum=None,
                     acting_user=None) -> Criterion:
    _may(acting_user, dim.standard.jurisdiction, "修改创建标准")
    _draft(dim.standard)
    fields = _criterion_fields(text, points, evidence_key, minimum)
    c = Criterion.objects.create(dimension=dim, order=dim.criteria.count() + 1, **fields)
    audit.record("fourstrong.criterion", f"创建标准“{dim.standard}”{dim}增加“{c.text[:60]}”", actor=acting_user,
                 org=dim.standard.jurisdiction, obj=dim.standard)
    return c


@transaction.atomic
def do_update_criterion(c: Criterion, *, acting_user=None, **changes) -> Criterion:
    standard = c.dimension.standard
    _may(acting_user, standard.jurisdiction, "修改创建标准")
    _draft(standard)
    cur = {"text": c.text, "points": c.points, "evidence_key": c.evidence, "minimum": c.minimum}
    cur.update(changes)
    fields = _criterion_fields(cur["text"], cur["points"], cur["evidence_key"], cur["minimum"])
    before = audit.snapshot(c, list(fields))
    for k, v in fields.items():
        setattr(c, k, v)
    c.save()
    audit.record("fourstrong.criterion_change", f"创建标准“{standard}”修改“{c.text[:60]}”", actor=acting_user,
                 org=standard.jurisdiction, obj=standard, before=before, after=audit.snapshot(c, list(fields)))
    return c


@transaction.atomic
def do_delete_criterion(c: Criterion, *, acting_user=None) -> None:
    standard = c.dimension.standard
    _may(acting_user, standard.jurisdiction, "修改创建标准")
    _draft(standard)
    audit.record("fourstrong.criterion_delete", f"创建标准“{standard}”删除“{c.text[:60]}”", actor=acting_user,
                 org=standard.jurisdiction, obj=standard)
    c.delete()


@transaction.atomic
def do_publish_standard(standard: Standard, *, acting_user=None) -> Standard:
    _may(acting_user, standard.jurisdiction, "发布创建标准")
    s = Standard.objects.select_for_update().get(pk=standard.pk)
    _draft(s)
    dims = list(s.dimensions.prefetch_related("criteria"))
    if sum(d.weight for d in dims) != 100:
        raise ActionError(f"四个维度的权重合计应为 100%，现为 {sum(d.weight for d in dims)}%。", field="weight")
    empty = [str(d) for d in dims if d.weight and not d.criteria.all()]
    if empty:
        raise ActionError(f"{'、'.join(empty)}还没有具体标准。")
    s.published_at = standard.published_at = timezone.now()
    s.save(update_fields=["published_at"])
    audit.record("fourstrong.publish", f"发布“四强”党支部创建标准“{s}”", actor=acting_user, org=s.jurisdiction, obj=s)
    return s


# ── applications ───────────────────────────────────────────────────────────────────────────────────

def criteria_of(standard: Standard) -> list[Criterion]:
    return list(Criterion.objects.filter(dimension__standard=standard).select_related("dimension")
                .order_by("dimension__order", "order", "pk"))


def weighted_total(standard: Standard, scores: dict[int, Decimal | None]) -> Decimal | None:
    """The 100-point total: each dimension's share of its points times its weight. None until every criterion has a
    score."""
    total = Decimal(0)
    for d in standard.dimensions.prefetch_related("criteria"):
        crits = list(d.criteria.all())
        full = sum((c.points for c in crits), Decimal(0))
        if not full:
            continue
        got = Decimal(0)
        for c in crits:
            s = scores.get(c.pk)
            if s is None:
                return None
            got += s
        total += Decimal(d.weight) * got / full
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def open_years(today: dt.date) -> tuple[int, int]:
    """A branch applies under a standard of this year or of last year (an application written early in the year
    for the year just ended), never an older one."""
    return today.year - 1, today.year


@transaction.atomic
def do_open_application(*, standard: Standard, org: Org, as_of: dt.date | None = None,
                        acting_user=None) -> Application:
    """`as_of`: the day it is opened (default today; the demo opens applications at its own date)."""
    if org.type != "branch":
        raise ActionError("“四强”党支部由党支部申报。", field="org")
    _may_branch(acting_user, org, "申报“四强”党支部")
    if not standard.published_at:
        raise ActionError("创建标准尚未发布。", field="standard")
    first, last = open_years(as_of or timezone.localdate())
    if not first <= standard.year <= last:
        raise ActionError(f"“{standard}”是{standard.year}年度的创建标准：只能按本年度或上一年度"
                          f"（{first}—{last}年）的创建标准申报。", field="standard")
    if not (org.path.startswith(standard.jurisdiction.path) and org.path != standard.jurisdiction.path):
        raise ActionError(f"{org.name}不在{standard.jurisdiction.name}的范围内。", field="standard")
    if org.dissolved:
        raise ActionError(f"{org.name}已撤销。", field="org")
    if Application.objects.filter(standard=standard, org=org).exists():
        raise ActionError(f"{org.name}已按“{standard}”申报。", field="standard")
    app = Application.objects.create(standard=standard, org=org, year=standard.year,
                                     created_by=audit.user_or_none(acting_user))
    CriterionScore.objects.bulk_create([CriterionScore(application=app, criterion=c) for c in criteria_of(standard)])
    audit.record("fourstrong.apply", f"{org.name}按“{standard}”申报“四强”党支部", actor=acting_user, org=org, obj=app)
    return app


def _editable(app: Application) -> None:
    if app.state not in (ApplicationState.DRAFT, ApplicationState.RETURNED):
        raise ActionError(f"申报{app.get_state_display()}，不能再修改自评。")


@transaction.atomic
def do_save_self_assessment(app: Application, *, scores: dict, summary: str | None = None,
                            acting_user=None) -> Application:
    """`scores`: criterion id → (score or "" , text)."""
    _may_branch(acting_user, app.org, "填写自评")
    _editable(app)
    rows = {s.criterion_id: s for s in app.scores.select_related("criterion")}
    for cid, (score, text) in scores.items():
        row = rows.get(int(cid))
        if row is None:
            continue
        v = _decimal(score, f"self_{cid}", f"“{row.criterion.text[:20]}”的自评分", maximum=row.criterion.points,
                     allow_none=True)
        row.self_score, row.self_text = v, (text or "").strip()
        row.save(update_fields=["self_score", "self_text"])
    if summary is not None:
        app.summary = summary.strip()
    app.self_total = weighted_total(app.standard, {r.criterion_id: r.self_score for r in rows.values()})
    app.save(update_fields=["summary", "self_total"])
    audit.record("fourstrong.self_assess", f"{app.org.name}填写“四强”党支部自评", actor=acting_user, org=app.org,
                 obj=app, self_total=app.self_total)
    return app


@transaction.atomic
def do_submit(app: Application, *, as_of: dt.date | None = None, acting_user=None) -> Application:
    _may_branch(acting_user, app.org, "提交申报")
    app = Application.objects.select_for_update().select_related("standard", "org").get(pk=app.pk)
    _editable(app)
    missing = [s.criterion.text[:20] for s in app.scores.select_related("criterion") if s.self_score is None]
    if missing:
        raise ActionError(f"还有{len(missing)}项标准没有自评分（{'、'.join(missing[:3])}…）。")
    check_baseline(app.org)
    today = timezone.localdate()
    as_of = as_of or today
    if as_of > today:
        raise ActionError("提交日期不能晚于今天。", field="as_of")
    ev = evidence.collect(app.org, app.year, as_of)
    _check_minimums(app, ev)
    ev["submitted_on"] = as_of.isoformat()
    app.evidence = ev
    app.state = ApplicationState.SUBMITTED
    app.submitted_at = timezone.now()
    app.submitted_by = audit.user_or_none(acting_user)
    app.save(update_fields=["evidence", "state", "submitted_at", "submitted_by"])
    audit.record("fourstrong.submit", f"{app.org.name}提交“四强”党支部申报（自评{app.self_total}分）",
                 actor=acting_user, org=app.org, obj=app)
    return app


def reviewer_org(app: Application) -> Org | None:
    return Org.objects.get_parent(app.org)


def may_review(user, app: Application) -> bool:
    """The branch's parent (机关党委) reviews, through its own admins: a role at a level above the parent (the 工委)
    does not make its holder the parent's reviewer — the 工委 names, and one person does not do both."""
    parent = reviewer_org(app)
    return parent is not None and holds_role_at(user, parent)


def may_decide(user, app: Application) -> bool:
    """The standard's jurisdiction names, never through the person who reviewed the application."""
    if app.reviewed_by_id and app.reviewed_by_id == getattr(user, "pk", None):
        return False
    return can_in_org(user, CHANGE, app.standard.jurisdiction)


@transaction.atomic
def do_review(app: Application, *, passed: bool, scores: dict | None = None, comment: str = "",
              acting_user=None) -> Application:
    """The 机关党委 (the branch's parent) reviews: passes with a score per criterion, or returns with comments."""
    app = Application.objects.select_for_update().select_related("standard", "org").get(pk=app.pk)
    parent = reviewer_org(app)
    if acting_user is not None and not may_review(acting_user, app):
        raise ActionError(f"申报由{parent.name if parent else '上级党组织'}的管理员审核；党支部不能审核本支部的申报，"
                          "更上级的党组织不代为审核。")
    if acting_user is not None and app.submitted_by_id and app.submitted_by_id == getattr(acting_user, "pk", None):
        raise ActionError("提交申报的人不能审核本人提交的申报。")
    if app.state != ApplicationState.SUBMITTED:
        raise ActionError(f"申报{app.get_state_display()}，不在待审核状态。")
    comment = (comment or "").strip()
    if not passed:
        if not comment:
            raise ActionError("退回修改请写明意见。", field="comment")
        app.state = ApplicationState.RETURNED
    else:
        check_baseline(app.org)
        _check_minimums(app, app.evidence)
        rows = {s.criterion_id: s for s in app.scores.select_related("criterion")}
        for cid, (score, text) in (scores or {}).items():
            row = rows.get(int(cid))
            if row is None:
                continue
            row.review_score = _decimal(score, f"review_{cid}", f"“{row.criterion.text[:20]}”的审核分",
                                        maximum=row.criterion.points, allow_none=True)
            row.review_text = (text or "").strip()
            row.save(update_fields=["review_score", "review_text"])
        total = weighted_total(app.standard, {k: r.review_score for k, r in rows.items()})
        if total is None:
            raise ActionError("审核通过须对每一项标准评分。")
        if total < app.standard.pass_score:
            raise ActionError(f"审核得分 {total} 低于命名分数线 {app.standard.pass_score}，请退回修改。")
        app.review_total = total
        app.state = ApplicationState.PASSED
    app.review_comment = comment
    app.reviewed_at = timezone.now()
    app.reviewed_by = audit.user_or_none(acting_user)
    app.save()
    audit.record("fourstrong.review", f"{parent.name if parent else ''}审核{app.org.name}的“四强”党支部申报："
                 + (f"通过（{app.review_total}分）" if passed else "退回修改"), actor=acting_user, org=app.org, obj=app,
                 comment=comment)
    return app


@transaction.atomic
def do_decide(app: Application, *, named: bool, on: dt.date | None = None, comment: str = "",
              acting_user=None) -> Application:
    """The standard's jurisdiction names (命名) the branch or declines."""
    app = Application.objects.select_for_update().select_related("standard__jurisdiction", "org").get(pk=app.pk)
    j = app.standard.jurisdiction
    if acting_user is not None and not can_in_org(acting_user, CHANGE, j):
        raise ActionError(f"“四强”党支部由{j.name}命名。")
    if acting_user is not None and not may_decide(acting_user, app):
        raise ActionError("审核和命名须由不同的人办理：您审核了这份申报，不能再命名。")
    if app.state != ApplicationState.PASSED:
        raise ActionError(f"申报{app.get_state_display()}，不在待命名状态。")
    comment = (comment or "").strip()
    on = on or timezone.localdate()
    title = None
    if named:
        _date_between(on, app.submitted_on or on, timezone.localdate(), "on", "命名日期", "申报提交日期")
        current = Title.objects.filter(org=app.org, valid_until__gte=on).exclude(state=TitleState.REVOKED).first()
        if current is not None:
            raise ActionError(f"{app.org.name}已有有效的“四强”党支部命名（{current.valid_from:%Y-%m-%d}至"
                              f"{current.valid_until:%Y-%m-%d}），同一时间只能有一个有效命名；有效期届满或撤销后再命名。",
                              field="on")
        check_baseline(app.org)
        app.state = ApplicationState.NAMED
        title = Title.objects.create(application=app, org=app.org, standard=app.standard, valid_from=on,
                                     valid_until=title_end(on, app.standard.validity_years),
                                     next_recheck=add_months(on, app.standard.recheck_months),
                                     named_by=audit.user_or_none(acting_user))
    else:
        if not comment:
            raise ActionError("不予命名请写明理由。", field="comment")
        app.state = ApplicationState.REJECTED
    app.decision_comment = comment
    app.decided_at = timezone.now()
    app.decided_by = audit.user_or_none(acting_user)
    app.save()
    audit.record("fourstrong.decide", f"{j.name}" + (f"命名{app.org.name}为“四强”党支部（{on:%Y-%m-%d}起，有效期"
                                                   f"{app.standard.validity_years}年）" if named
                                                   else f"决定{app.org.name}不予命名“四强”党支部"),
                 actor=acting_user, org=app.org, obj=app, comment=comment)
    if title is not None:
        _rejudge(title)
    return app


# ── titles ─────────────────────────────────────────────────────────────────────────────────────────

def _may_jurisdiction(user, title: Title, what: str) -> None:
    j = title.standard.jurisdiction
    if user is not None and not can_in_org(user, CHANGE, j):
        raise ActionError(f"“四强”党支部的{what}由命名机关{j.name}办理。")


@transaction.atomic
def do_recheck(title: Title, *, on: dt.date | None = None, comment: str = "", policy: str | None = None,
               acting_user=None) -> Recheck:
    """复核: the baseline again. Clean → kept, next re-check a year on. Not clean → by the `fourstrong_lapse` setting
    (or `policy`, "flag" or "revoke", when the caller decides it), flagged (待复核、限期整改) or revoked."""
    title = Title.objects.select_for_update().select_related("org", "standard__jurisdiction").get(pk=title.pk)
    _may_jurisdiction(acting_user, title, "复核")
    on = on or timezone.localdate()
    if title.state == TitleState.REVOKED:
        raise ActionError("命名已撤销，不再复核。")
    _date_between(on, title.valid_from, timezone.localdate(), "on", "复核日期", "命名日期")
    if title.lapsed_on(on):
        raise ActionError(f"命名有效期已于{title.valid_until:%Y-%m-%d}届满，不再复核；可重新申报。")
    settings = engine.effective_settings()
    found = baseline.blocking_findings(title.org, settings)
    overdue = title.state == TitleState.FLAGGED and title.rectify_by is not None and on >= title.rectify_by
    if not found:
        outcome = RecheckOutcome.KEPT
        title.state, title.rectify_by = TitleState.VALID, None
        title.next_recheck = add_months(on, title.standard.recheck_months)
    elif overdue or (policy or settings.get("fourstrong_lapse")) == "revoke":
        # (a title already flagged whose 整改期限 has come and that still fails is revoked, whatever the policy)
        outcome = RecheckOutcome.REVOKED
        title.state, title.revoked_on = TitleState.REVOKED, on
        title.revoked_reason = ((f"整改期限（{title.rectify_by:%Y-%m-%d}）届满，" if overdue else "")
                                + "复核未通过（标准化规范化）："
                                + "；".join(f"{f.rule_id} {f.message}" for f in found[:5]))
    else:
        outcome = RecheckOutcome.FLAGGED
        if title.state != TitleState.FLAGGED or title.rectify_by is None:
            # The 整改期限 is set once, at the first failing re-check; a re-check within it does not extend it.
            title.rectify_by = add_months(on, int(settings.get("fourstrong_rectify_months") or 3))
        title.state = TitleState.FLAGGED
        title.next_recheck = title.rectify_by
    title.save()
    r = Recheck.objects.create(title=title, date=on, outcome=outcome, blocking=baseline.describe(found),
                               comment=(comment or "").strip(), recorded_by=audit.user_or_none(acting_user))
    audit.record("fourstrong.recheck", f"复核“四强”党支部{title.org.name}：{r.get_outcome_display()}",
                 actor=acting_user, org=title.org, obj=title, blocking=[f.rule_id for f in found])
    _rejudge(title)
    return r


@transaction.atomic
def do_revoke(title: Title, *, reason: str, on: dt.date | None = None, acting_user=None) -> Title:
    title = Title.objects.select_for_update().select_related("org", "standard__jurisdiction").get(pk=title.pk)
    _may_jurisdiction(acting_user, title, "撤销")
    if title.state == TitleState.REVOKED:
        raise ActionError("命名已撤销。")
    if not (reason or "").strip():
        raise ActionError("撤销命名请写明理由。", field="reason")
    on = _date_between(on or timezone.localdate(), title.valid_from, timezone.localdate(), "on", "撤销日期",
                       "命名日期")
    title.state, title.revoked_on = TitleState.REVOKED, on
    title.revoked_reason = reason.strip()
    title.save()
    audit.record("fourstrong.revoke", f"撤销{title.org.name}的“四强”党支部命名：{title.revoked_reason[:200]}",
                 actor=acting_user, org=title.org, obj=title)
    _rejudge(title)
    return title
