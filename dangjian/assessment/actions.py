"""考责 actions: build a scheme's indicator tree, publish and score it (any change to a published scheme
re-scores it), assessors' manual scores, secretaries' 述职 reports and the 述职评议会 that appraises and
grades them, the 党组's yearly report, and the 问责 register. Each is audited; reports re-judge ASSESS-01
and PG-02."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.core import audit, engine
from dangjian.core.errors import ActionError
from dangjian.core.permissions import CHANGE, EDIT_DISCIPLINE, can_in_org, user_scope

from dangjian.orgs.models import Org

from . import metrics, scoring
from .choices import ISSUER_TYPES, TARGET_TYPES, Form, Grade, IndicatorKind, Measure, Method, ReportKind
from .models import Accountability, Indicator, ManualScore, Report, ReviewMeeting, Scheme

RECORDS = (Report, ReviewMeeting)
MAX_POINTS = Decimal("1000")


def _may(user, org, what: str) -> None:
    if user is not None and not can_in_org(user, CHANGE, org):
        raise ActionError(f"只有{org.name}的管理员可以{what}。")


def _decimal(value, field: str, label: str) -> Decimal:
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ActionError(f"{label}应是数字。", field=field) from None
    if not d.is_finite() or d < 0 or d > MAX_POINTS or d != d.quantize(scoring.CENT):
        raise ActionError(f"{label}应在 0 到 {MAX_POINTS} 之间，最多两位小数。", field=field)
    return d


# A published scheme over more orgs than this is re-scored after the request (Huey), not inside it.
SYNC_LIMIT = 2000


def _rescore(scheme: Scheme, only=None) -> bool:
    """Re-score after a change; False when it was handed to the background worker."""
    if not scheme.published_at:
        return True
    if only is not None or Org.objects.filter(path__startswith=scheme.issuer.path,
                                              type=scheme.target_type).count() <= SYNC_LIMIT:
        scoring.score(scheme, only=only)
        return True
    from django.conf import settings

    from .tasks import rescore_scheme

    if settings.HUEY.get("immediate"):
        rescore_scheme.call_local(scheme.pk)
        return True
    transaction.on_commit(lambda: rescore_scheme(scheme.pk))
    return False


# ── schemes ────────────────────────────────────────────────────────────────────────────────────────

@transaction.atomic
def do_create_scheme(*, issuer, year: int, name: str, target_type: str = "branch", good_min=90, fairly_good_min=80,
                     average_min=60, acting_user=None) -> Scheme:
    if issuer.type not in ISSUER_TYPES:
        raise ActionError("考核由党支部的上级党组织（机关工委、党组、机关党委、党总支）组织。", field="issuer")
    _may(acting_user, issuer, "制定考核方案")
    if target_type not in dict(TARGET_TYPES):
        raise ActionError("请选择考核对象。", field="target_type")
    if not (name or "").strip():
        raise ActionError("请填写名称。", field="name")
    lines = [_decimal(v, f, label) for v, f, label in ((good_min, "good_min", "“好”的分数线"),
                                                       (fairly_good_min, "fairly_good_min", "“较好”的分数线"),
                                                       (average_min, "average_min", "“一般”的分数线"))]
    if not lines[0] > lines[1] > lines[2]:
        raise ActionError("分数线应依次降低：好 > 较好 > 一般。", field="good_min")
    s = Scheme.objects.create(issuer=issuer, year=year, name=name.strip()[:200], target_type=target_type,
                              good_min=lines[0], fairly_good_min=lines[1], average_min=lines[2],
                              created_by=audit.user_or_none(acting_user))
    audit.record("assessment.scheme", f"{issuer.name}制定考核方案“{s}”", actor=acting_user, org=issuer, obj=s)
    return s


def _check_indicator(scheme: Scheme, *, parent, name, kind, method, metric, points, unit_points) -> dict:
    if kind not in IndicatorKind.values:
        raise ActionError("请选择类型。", field="kind")
    if not (name or "").strip():
        raise ActionError("请填写指标名称。", field="name")
    if parent is not None and (parent.scheme_id != scheme.pk or parent.kind != IndicatorKind.GROUP):
        raise ActionError("所属维度应是本方案的考核维度。", field="parent")
    if kind == IndicatorKind.GROUP:
        if parent is not None:
            raise ActionError("考核维度不再嵌套在其他维度之下。", field="parent")
        return {"method": "", "metric": "", "points": Decimal("0.00"), "unit_points": None}
    if method not in Method.values:
        raise ActionError("请选择评分方式。", field="method")
    pts = _decimal(points, "points", "分值")
    if pts <= 0:
        raise ActionError("分值应大于 0（扣分、加分项为上限）。", field="points")
    unit = None
    if method == Method.COMPUTED:
        m = metrics.REGISTRY.get(metric or "")
        want = "share" if kind == IndicatorKind.SCORE else "count"
        if m is None or m.kind != want:
            raise ActionError("请选择计算口径（得分项用比率，扣分、加分项用计数）。", field="metric")
        if kind != IndicatorKind.SCORE:
            unit = _decimal(unit_points if unit_points not in (None, "") else "1", "unit_points", "每项分值")
    else:
        metric = ""
    return {"method": method, "metric": metric or "", "points": pts, "unit_points": unit}


@transaction.atomic
def do_add_indicator(scheme: Scheme, *, name: str, kind: str = IndicatorKind.SCORE, method: str = "", metric: str = "",
                     points=0, unit_points=None, parent=None, standard: str = "", order: int | None = None,
                     acting_user=None) -> Indicator:
    _may(acting_user, scheme.issuer, "修改考核方案")
    fields = _check_indicator(scheme, parent=parent, name=name, kind=kind, method=method, metric=metric,
                              points=points, unit_points=unit_points)
    if order is None:
        order = scheme.indicators.count() + 1
    ind = Indicator.objects.create(scheme=scheme, parent=parent, name=name.strip()[:200], kind=kind,
                                   standard=standard or "", order=order, **fields)
    audit.record("assessment.indicator", f"考核方案“{scheme}”增加指标“{ind.name}”", actor=acting_user,
                 org=scheme.issuer, obj=ind)
    _rescore(scheme)
    return ind


@transaction.atomic
def do_update_indicator(ind: Indicator, *, acting_user=None, **changes) -> Indicator:
    scheme = ind.scheme
    _may(acting_user, scheme.issuer, "修改考核方案")
    current = {k: getattr(ind, k) for k in ("name", "kind", "method", "metric", "points", "unit_points", "parent",
                                            "standard", "order")}
    new = {**current, **changes}
    if new["kind"] != ind.kind and (ind.kind == IndicatorKind.GROUP or new["kind"] == IndicatorKind.GROUP):
        raise ActionError("考核维度和指标之间不能互改；请删除后重新添加。", field="kind")
    fields = _check_indicator(scheme, parent=new["parent"], name=new["name"], kind=new["kind"], method=new["method"],
                              metric=new["metric"], points=new["points"], unit_points=new["unit_points"])
    before = audit.snapshot(ind, ["name", "kind", "method", "metric", "points", "unit_points"])
    for k, v in {**new, **fields}.items():
        setattr(ind, k, v)
    ind.name = ind.name.strip()[:200]
    ind.save()
    if ind.method != Method.MANUAL:
        ManualScore.objects.filter(indicator=ind).delete()
    audit.record("assessment.indicator_change", f"考核方案“{scheme}”修改指标“{ind.name}”", actor=acting_user,
                 org=scheme.issuer, obj=ind, before=before,
                 after=audit.snapshot(ind, ["name", "kind", "method", "metric", "points", "unit_points"]))
    _rescore(scheme)
    return ind


@transaction.atomic
def do_delete_indicator(ind: Indicator, *, acting_user=None) -> None:
    scheme = ind.scheme
    _may(acting_user, scheme.issuer, "修改考核方案")
    audit.record("assessment.indicator_delete", f"考核方案“{scheme}”删除指标“{ind.name}”", actor=acting_user,
                 org=scheme.issuer)
    ind.delete()
    _rescore(scheme)


@transaction.atomic
def do_set_assessors(scheme: Scheme, users, *, acting_user=None) -> None:
    _may(acting_user, scheme.issuer, "指定考核人")
    users = list(users)
    for u in users:
        if not can_in_org(u, CHANGE, scheme.issuer) and not user_scope(u).everything:
            # An assessor reads the orgs they score: they need a role over the issuer's subtree.
            if not any(scheme.issuer.path.startswith(p) or p.startswith(scheme.issuer.path)
                       for p in user_scope(u).prefixes):
                raise ActionError(f"{u}在考核范围内没有角色，不能担任考核人。", field="assessors")
    scheme.assessors.set(users)
    audit.record("assessment.assessors", f"考核方案“{scheme}”的考核人：{'、'.join(map(str, users)) or '无'}",
                 actor=acting_user, org=scheme.issuer, obj=scheme)


@transaction.atomic
def do_publish_scheme(scheme: Scheme, *, acting_user=None) -> Scheme:
    _may(acting_user, scheme.issuer, "发布考核方案")
    s = Scheme.objects.select_for_update().get(pk=scheme.pk)
    if s.published_at:
        raise ActionError("该方案已发布。")
    leaves = [i for i in s.indicators.all() if i.kind != IndicatorKind.GROUP]
    if not leaves:
        raise ActionError("方案还没有指标。")
    s.published_at = scheme.published_at = timezone.now()
    s.save(update_fields=["published_at"])
    audit.record("assessment.publish", f"发布考核方案“{s}”（满分{scoring.full_marks(s)}）", actor=acting_user,
                 org=s.issuer, obj=s)
    s.scored_now = _rescore(s)
    return s


def do_score_scheme(scheme: Scheme, *, as_of: dt.date | None = None, acting_user=None) -> bool:
    """Re-score with the latest records; False when it was handed to the background worker (big schemes)."""
    _may(acting_user, scheme.issuer, "评分")
    if not scheme.published_at:
        raise ActionError("方案发布后才能评分。")
    audit.record("assessment.score", f"考核方案“{scheme}”按最新数据重新评分", actor=acting_user, org=scheme.issuer, obj=scheme)
    if as_of is not None:
        scoring.score(scheme, as_of=as_of)
        return True
    return _rescore(scheme)


@transaction.atomic
def do_manual_score(indicator: Indicator, *, org, points, evidence: str, acting_user=None) -> ManualScore:
    # The scheme's lock: a full re-score running now finishes first (see `scoring.score`).
    scheme = Scheme.objects.select_for_update(of=("self",)).select_related("issuer").get(pk=indicator.scheme_id)
    if not scheme.published_at:
        raise ActionError("方案发布后才能评分。")
    if acting_user is not None and not may_assess(scheme, acting_user):
        raise ActionError("只有本方案指定的考核人可以评分。")
    if acting_user is not None and assesses_own(acting_user, org):
        raise ActionError("考核人不能给本人所在或担任角色的党组织评分（回避）。", field="org")
    if indicator.method != Method.MANUAL:
        raise ActionError("该指标由系统按数据计算，不需要也不能手工评分。")
    if (org.type != scheme.target_type or org.pk == scheme.issuer_id or not org.path.startswith(scheme.issuer.path)
            or (org.dissolved and org.dissolved.year < scheme.year)):
        raise ActionError(f"{org.name}不是本方案的考核对象。", field="org")
    pts = _decimal(points, "points", "分值")
    if pts > indicator.points:
        raise ActionError(f"分值不能超过{indicator.points}。", field="points")
    if not (evidence or "").strip():
        raise ActionError("请写明评分依据。", field="evidence")
    ms, _ = ManualScore.objects.update_or_create(indicator=indicator, org=org, defaults={
        "points": pts, "evidence": evidence.strip(), "assessor": audit.user_or_none(acting_user)})
    audit.record("assessment.manual_score", f"{org.name}“{indicator.name}”评{pts}分：{evidence.strip()[:200]}",
                 actor=acting_user, org=org, obj=ms)
    _rescore(scheme, only=[org.pk])
    return ms


def may_assess(scheme: Scheme, user) -> bool:
    """An assigned assessor who still holds a role over the scheme's orgs (a revoked role ends it)."""
    if not scheme.assessors.filter(pk=user.pk).exists():
        return False
    scope = user_scope(user)
    return scope.everything or any(scheme.issuer.path.startswith(p) or p.startswith(scheme.issuer.path)
                                   for p in scope.prefixes)


def assesses_own(user, org) -> bool:
    """回避: the assessor belongs to the org or holds a role in it (or below it)."""
    from dangjian.accounts.models import RoleAssignment

    person_org = getattr(getattr(user, "person", None), "org", None)
    if person_org is not None and person_org.path.startswith(org.path):
        return True
    return RoleAssignment.objects.active().filter(user=user, org__path__startswith=org.path).exists()


# ── 述职评议 and reports ───────────────────────────────────────────────────────────────────────────

@transaction.atomic
def do_submit_report(*, kind: str, org, year: int, title: str, submitted: dt.date, person=None, text: str = "",
                     file=None, acting_user=None) -> Report:
    if kind not in ReportKind.values:
        raise ActionError("请选择报告类型。", field="kind")
    # Self-service is for one's own 述职报告 only; anything else is the org's admin's to file.
    own = (acting_user is not None and person is not None and kind == ReportKind.SECRETARY_DUTY
           and getattr(acting_user, "person_id", None) == person.pk)
    if acting_user is not None and not own and not can_in_org(acting_user, CHANGE, org):
        raise ActionError("述职报告由述职人本人或该党组织的管理员报送，其他报告由该党组织的管理员报送。")
    if kind == ReportKind.SECRETARY_DUTY:
        if person is None:
            raise ActionError("请选择述职的书记。", field="person")
        posts = org.posts.filter(person=person, role__in=("secretary", "first_responsible"))
        if not posts.filter(Q(start__isnull=True) | Q(start__lte=dt.date(year, 12, 31))).filter(
                Q(end__isnull=True) | Q(end__gte=dt.date(year, 1, 1))).exists():
            raise ActionError(f"{person.name}不是{org.name}{year}年度的书记。", field="person")
        if Report.objects.filter(kind=kind, org=org, person=person, year=year).exists():
            raise ActionError(f"{person.name}已报送{year}年度述职报告。", field="year")
    if kind == ReportKind.LEADING_GROUP_ANNUAL and org.type != "leading_group":
        raise ActionError("年度全面工作报告由党组（党委）报送。", field="org")
    if not (title or "").strip():
        raise ActionError("请填写标题。", field="title")
    if not (text or "").strip() and not file:
        raise ActionError("请填写正文或上传文件。", field="text")
    if submitted > timezone.localdate():
        raise ActionError("报送日期不能晚于今天。", field="submitted")
    r = Report(kind=kind, org=org, person=person, year=year, title=title.strip()[:200], text=(text or "").strip(),
               submitted=submitted, created_by=audit.user_or_none(acting_user))
    if file:
        r.file_name = getattr(file, "name", "")[:255]
        r.file.save(f"reports/{org.pk}/{year}-{timezone.now():%H%M%S%f}-{r.file_name[-60:]}", file, save=False)
    r.save()
    audit.record("assessment.report", f"{org.name}报送{r.get_kind_display()}（{year}年度）", actor=acting_user, org=org,
                 person=person, obj=r)
    engine.schedule([org.pk], changed=RECORDS)
    return r


def _below(organiser, org) -> bool:
    """Directly below: 述职评议 goes level by level (逐级), each level appraising the one under it."""
    return org.path.startswith(organiser.path) and org.depth == organiser.depth + 1


@transaction.atomic
def do_create_review(*, organiser, year: int, date: dt.date, title: str, participants: int, reports=(),
                     acting_user=None) -> ReviewMeeting:
    if organiser.type not in ISSUER_TYPES:
        raise ActionError("述职评议由上级党组织（机关工委、党组、机关党委、党总支）组织。", field="organiser")
    _may(acting_user, organiser, "组织述职评议")
    if not participants or participants < 1:
        raise ActionError("请填写参加测评人数。", field="participants")
    if not (title or "").strip():
        raise ActionError("请填写名称。", field="title")
    reports = list(reports)
    for r in reports:
        if r.kind != ReportKind.SECRETARY_DUTY or r.year != year or not _below(organiser, r.org):
            raise ActionError(f"“{r.title}”不是{organiser.name}直属下级党组织书记{year}年度的述职报告（述职评议逐级进行）。",
                              field="reports")
        if r.review_id:
            raise ActionError(f"“{r.title}”已在其他述职评议会上述职。", field="reports")
    rv = ReviewMeeting.objects.create(organiser=organiser, year=year, date=date, title=title.strip()[:200],
                                      participants=participants, created_by=audit.user_or_none(acting_user))
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(review=rv)
    audit.record("assessment.review", f"{organiser.name}召开{year}年度述职评议会（{date:%Y-%m-%d}，{len(reports)}人述职）",
                 actor=acting_user, org=organiser, obj=rv)
    # The first 述职评议会 of an organiser brings every org directly below it under ASSESS-01.
    below = Org.objects.filter(path__startswith=organiser.path, depth=organiser.depth + 1).values_list("pk", flat=True)
    engine.schedule([organiser.pk, *below], changed=RECORDS)
    return rv


@transaction.atomic
def do_add_to_review(review: ReviewMeeting, report: Report, *, acting_user=None) -> Report:
    """A report submitted after the meeting was registered is added to it."""
    _may(acting_user, review.organiser, "组织述职评议")
    if report.kind != ReportKind.SECRETARY_DUTY or report.year != review.year or not _below(review.organiser, report.org):
        raise ActionError(f"“{report.title}”不是{review.organiser.name}直属下级党组织书记{review.year}年度的述职报告"
                          "（述职评议逐级进行）。")
    if report.review_id:
        raise ActionError(f"“{report.title}”已在述职评议会上述职。")
    report.review = review
    report.save(update_fields=["review"])
    audit.record("assessment.review_add", f"“{report.title}”列入{review.title}", actor=acting_user, org=report.org,
                 person=report.person, obj=report)
    engine.schedule([report.org_id], changed=RECORDS)
    return report


@transaction.atomic
def do_appraise(report: Report, *, votes: list[int], grade: str, comment: str, acting_user=None) -> Report:
    """The on-site appraisal's tallies (好/较好/一般/差), the upper level's comments and the final grade."""
    r = Report.objects.select_for_update(of=("self",)).select_related("review__organiser", "org", "person").get(pk=report.pk)
    if r.review is None:
        raise ActionError("先把述职报告列入述职评议会。")
    _may(acting_user, r.review.organiser, "评定述职评议等次")
    if acting_user is not None and r.person_id and getattr(acting_user, "person_id", None) == r.person_id:
        raise ActionError("不能评定本人的述职。")
    if grade not in Grade.values:
        raise ActionError("请选择综合评价等次（好、较好、一般、差）。", field="grade")
    if len(votes) != 4 or any(v is None or v < 0 for v in votes):
        raise ActionError("请填写四个等次的测评票数。", field="votes_good")
    if sum(votes) > r.review.participants:
        raise ActionError(f"测评票数合计{sum(votes)}，多于参加测评人数{r.review.participants}。", field="votes_good")
    if not (comment or "").strip():
        raise ActionError("请填写上级点评意见。", field="comment")
    r.votes_good, r.votes_fairly_good, r.votes_average, r.votes_poor = votes
    r.grade, r.comment = grade, comment.strip()
    r.graded_by, r.graded_at = audit.user_or_none(acting_user), timezone.now()
    r.save()
    audit.record("assessment.appraise", f"{r.person.name if r.person else r.org.name}{r.year}年度述职评议："
                 f"{r.get_grade_display()}（好{votes[0]} 较好{votes[1]} 一般{votes[2]} 差{votes[3]}）",
                 actor=acting_user, org=r.org, person=r.person, obj=r)
    engine.schedule([r.org_id], changed=RECORDS)
    return r


def suggested_grade(votes: list[int | None]) -> str:
    """The grade most participants gave (the better one on a tie): a suggestion, the upper level decides."""
    if not votes or any(v is None for v in votes) or not sum(votes):
        return ""
    best = max(range(4), key=lambda i: (votes[i], -i))
    return Grade.values[best]


# ── 问责 ───────────────────────────────────────────────────────────────────────────────────────────

@transaction.atomic
def do_record_accountability(*, person, org, date: dt.date, form: str, measure: str, reason: str, decided_by: str,
                             rectification=None, acting_user=None) -> Accountability:
    scope = user_scope(acting_user, EDIT_DISCIPLINE) if acting_user is not None else None
    if scope is not None and not scope.everything and not any(org.path.startswith(p) for p in scope.prefixes):
        raise ActionError("问责和四种形态台账由纪检部门（纪委书记、纪检委员）登记。")
    if form not in Form.values:
        raise ActionError("请选择形态。", field="form")
    if measure not in Measure.values:
        raise ActionError("请选择措施。", field="measure")
    if person.org_id and not person.org.path.startswith(org.path) and person.org_id != org.pk:
        raise ActionError(f"{person.name}不在{org.name}。", field="person")
    if date > timezone.localdate():
        raise ActionError("决定日期不能晚于今天。", field="date")
    if not (reason or "").strip() or not (decided_by or "").strip():
        raise ActionError("请写明事由和决定机关。", field="reason")
    a = Accountability.objects.create(person=person, org=org, date=date, form=form, measure=measure,
                                      reason=reason.strip(), decided_by=decided_by.strip()[:200],
                                      rectification=rectification, created_by=audit.user_or_none(acting_user))
    # Discreet: the audit trail is read by org admins, the register is not theirs to see.
    audit.record("assessment.accountability", "问责和四种形态台账新增一条记录（仅纪检角色可查看）", actor=acting_user,
                 org=org)
    return a
