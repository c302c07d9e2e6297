"""Structure and term rules of the organisation tree (rules.md §1 BR-, §2 JG-, §5 TERM-/ELEC-) and
the data-quality rules about posts (DATA-05…07).

Every rule works set-wise: a handful of grouped queries shared through `ctx.memo` (member counts per
org, current posts, joint units), then plain Python over the results — never one query per org, so
a run over 50,000 branches costs the same few queries as a run over one.

Counting conventions (rules.md §0): "以上" includes the boundary, "超过"/"不足" exclude it; members
(党员) are probationary + full; thresholds on branch size that speak of 正式党员 count full members.
A branch's members are the people whose `org` is the branch (its party groups' people included).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Max, Q

from dangjian.core import engine
from dangjian.core.engine import Hit, rule
from dangjian.core.periods import add_months, add_years, whole_years_between
from dangjian.people.choices import MEMBER_STATUSES, Status

from .choices import COMMITTEE_ONLY_ROLES, COMMITTEE_ROLES, ELECTED_TYPES, OrgType, PostRole
from .models import Org, Post, Unit

# The records these rules read: organisations, posts, units and people. Recording a meeting or a talk
# cannot change their findings, so the incremental run after it skips them (`engine.affected_rules`).
READS = ("orgs.org", "orgs.post", "orgs.unit", "people.person")

ZBTL = "《中国共产党支部工作条例（试行）》"
JGTL = "《中国共产党党和国家机关基层组织工作条例》"
XJTL = "《中国共产党基层组织选举工作条例》"

BRANCH_MAX_MEMBERS = 50         # BR-01: 党支部党员一般不超过50人
UNIT_OWN_BRANCH_FULL = 3        # BR-01/JG-03: 正式党员3人以上成立党支部
JOINT_MAX_UNITS = 5             # BR-02: 联合党支部覆盖单位一般不超过5个
COMMITTEE_FULL_MEMBERS = 7      # BR-09: 正式党员7人以上设支部委员会
COMMITTEE_SIZE = (3, 7)         # BR-09: 3至5人，一般不超过7人
ORGAN_COMMITTEE_MEMBERS = 100   # JG-01: 机关党员100人以上设机关党委
GENERAL_BRANCH_MEMBERS = 50     # JG-02: 50人以上、100人以下设党总支

VACANCY_DAYS = engine.setting(
    "vacancy_days", 90, "书记空缺超过多少天预警（支部工作条例第二十一条“空缺应及时补选”，天数为地方做法）",
    rules=("BR-10",))
TERM_REMINDER_MONTHS = engine.setting(
    "term_reminder_months", [6, 4, 2],
    "换届提醒：任期届满前多少个月提醒（上级一般提前6个月提醒；地方做法另在届满前4个月、2个月提示报送换届请示）",
    rules=("TERM-02",))

SECRETARY_ROLES = frozenset({PostRole.SECRETARY, PostRole.DEPUTY_SECRETARY})
# Org types whose committee (or secretary) is elected and must be filled (BR-10).
SECRETARY_TYPES = frozenset({OrgType.BRANCH, OrgType.GENERAL_BRANCH, OrgType.COMMITTEE})


# --- shared, set-based facts (one query each per run) ----------------------------------------------
def _scoped(ctx, qs, field="org_id"):
    """Restrict a queryset to the run's scope; a full run adds no `IN (50,000 ids)` clause."""
    return qs if ctx.org_ids is None else qs.filter(**{f"{field}__in": ctx.org_ids})


def orgs_by_id(ctx) -> dict[int, Org]:
    return ctx.memo("orgs.by_id", lambda: {o.pk: o for o in ctx.orgs().order_by()})


def orgs_of_type(ctx, *types) -> list[Org]:
    return [o for o in orgs_by_id(ctx).values() if o.type in types]


def member_counts(ctx) -> dict[int, tuple[int, int]]:
    """org id → (members, full members) of the people directly in that org."""

    def compute():
        rows = (ctx.people().filter(status__in=MEMBER_STATUSES, org_id__isnull=False).order_by()
                .values("org_id").annotate(members=Count("id"), full=Count("id", filter=Q(status=Status.FULL))))
        return {r["org_id"]: (r["members"], r["full"]) for r in rows}

    return ctx.memo("orgs.member_counts", compute)


def subtree_member_counts(ctx, targets: list[Org]) -> dict[int, int]:
    """org id → members in the org's whole subtree, for the given orgs."""
    by_path = {o.path: o.pk for o in targets}
    out = dict.fromkeys(by_path.values(), 0)
    if not by_path:
        return out
    if ctx.org_ids is None:
        # Full run: roll the per-org counts up the materialised paths (no extra query).
        om = orgs_by_id(ctx)
        rows = [(om[oid].path, n) for oid, (n, _) in member_counts(ctx).items() if oid in om]
    else:
        # Incremental run: the scope holds the touched orgs and their ancestors, not the siblings
        # below those ancestors — count the targets' subtrees directly.
        from dangjian.people.models import Person

        q = Q()
        for path in by_path:
            q |= Q(path__subtree=path)
        # Two steps so that the people are reached through their (org, status) index, not by
        # joining every person to the org table and filtering on its path.
        paths = dict(Org.objects.filter(q).values_list("pk", "path"))
        rows = [(paths[org_id], n) for org_id, n in
                Person.objects.filter(org_id__in=list(paths), status__in=MEMBER_STATUSES).order_by()
                .values_list("org_id").annotate(n=Count("id"))]
    steplen = Org.steplen
    for path, n in rows:
        for i in range(steplen, len(path) + 1, steplen):
            pk = by_path.get(path[:i])
            if pk is not None:
                out[pk] += n
    return out


def joint_units(ctx) -> dict[int, set[int]]:
    """joint branch id → the units it covers."""

    def compute():
        through = Org.joint_units.through
        out: dict[int, set[int]] = defaultdict(set)
        om = orgs_by_id(ctx)
        for org_id, unit_id in _scoped(ctx, through.objects.all()).values_list("org_id", "unit_id"):
            if org_id in om:
                out[org_id].add(unit_id)
        return dict(out)

    return ctx.memo("orgs.joint_units", compute)


def current_posts(ctx) -> list[dict]:
    """The posts current on as_of in active orgs of the scope, with what rules need of the holder."""

    def compute():
        om = orgs_by_id(ctx)
        qs = _scoped(ctx, Post.objects.current(ctx.as_of)).order_by("org_id", "start", "pk").values(
            "id", "org_id", "role", "start", "end", "approved", "person_id", "person__name",
            "person__status", "person__full_member_date", "person__org_id", "person__org__path",
            "person__external_id")
        return [p for p in qs if p["org_id"] in om]

    return ctx.memo("orgs.current_posts", compute)


def posts_by_org(ctx) -> dict[int, list[dict]]:
    def compute():
        out: dict[int, list[dict]] = defaultdict(list)
        for p in current_posts(ctx):
            out[p["org_id"]].append(p)
        return dict(out)

    return ctx.memo("orgs.posts_by_org", compute)


def _person(p: dict):
    from dangjian.people.models import Person

    # A light subject: rules only need the key, the org and the name (and the DJX id for `check`).
    return Person(pk=p["person_id"], name=p["person__name"], org_id=p["person__org_id"],
                  status=p["person__status"], external_id=p["person__external_id"] or "")


class Collector:
    """Several findings of one rule about one subject become one hit: the engine keeps one
    finding per (rule, subject, period), with the most serious severity and every reason."""

    ORDER = {"BLOCK": 0, "WARN": 1, "INFO": 2}

    def __init__(self):
        self.items: dict[int, tuple[object, list[str], str, int | None]] = {}

    def add(self, subject, message: str, severity: str, org_id: int | None = None):
        prev = self.items.get(subject.pk)
        if prev is None:
            self.items[subject.pk] = (subject, [message], severity, org_id)
            return
        subj, msgs, sev, oid = prev
        msgs.append(message)
        if self.ORDER[severity] < self.ORDER[sev]:
            sev = severity
        self.items[subject.pk] = (subj, msgs, sev, oid)

    def hits(self):
        for subject, msgs, severity, org_id in self.items.values():
            yield Hit(subject=subject, message="；".join(msgs), severity=severity, org_id=org_id)


# --- BR: 支部工作条例 ------------------------------------------------------------------------------
@rule("BR-01", reads=READS, title="党支部党员一般不超过50人；正式党员3人以上的单位应单独成立党支部",
      citation=f"{ZBTL}第四条", severity="WARN", subject="org")
def branch_size(ctx):
    """超过50人（51人起）预警，恰好50人不预警；联合党支部中某一覆盖单位的正式党员达到3人（含3人）时，
    提示该单位应单独成立党支部。"""
    out = Collector()
    counts = member_counts(ctx)
    for org in orgs_of_type(ctx, OrgType.BRANCH):
        members = counts.get(org.pk, (0, 0))[0]
        if members > BRANCH_MAX_MEMBERS:
            out.add(org, f"党支部有党员{members}人，超过{BRANCH_MAX_MEMBERS}人，应考虑分设党支部或成立党总支",
                    "WARN")
    joint = joint_units(ctx)
    if joint:
        joint_ids = _scoped(ctx, Org.joint_units.through.objects.all()).values("org_id")
        rows = (ctx.people().filter(status=Status.FULL, org_id__in=joint_ids, unit_id__isnull=False)
                .order_by().values_list("org_id", "unit_id").annotate(n=Count("id")))
        big = [(org_id, unit_id, n) for org_id, unit_id, n in rows
               if unit_id in joint.get(org_id, ()) and n >= UNIT_OWN_BRANCH_FULL]
        names = dict(Unit.objects.filter(pk__in={u for _, u, _ in big}).values_list("id", "name"))
        om = orgs_by_id(ctx)
        for org_id, unit_id, n in sorted(big):
            out.add(om[org_id], f"联合党支部覆盖的“{names.get(unit_id, unit_id)}”有正式党员{n}人："
                                f"该单位正式党员已达3人，应单独成立党支部", "WARN")
    return out.hits()


@rule("BR-02", reads=READS, title="联合党支部覆盖单位一般不超过5个", citation=f"{ZBTL}第五条", severity="WARN",
      subject="org")
def joint_branch_units(ctx):
    """覆盖5个单位不预警，6个起预警。"""
    om = orgs_by_id(ctx)
    for org_id, units in joint_units(ctx).items():
        if len(units) > JOINT_MAX_UNITS:
            yield Hit(om[org_id], f"联合党支部覆盖{len(units)}个单位，超过{JOINT_MAX_UNITS}个，"
                                  f"应按地域相邻、行业相近的原则调整或分设")


def committee_persons(posts: list[dict]) -> set[int]:
    return {p["person_id"] for p in posts if p["role"] in COMMITTEE_ROLES}


def has_committee(posts: list[dict]) -> bool:
    return any(p["role"] in COMMITTEE_ONLY_ROLES for p in posts)


@rule("BR-09", reads=READS, title="正式党员7人以上的党支部应设支部委员会（3至5人，一般不超过7人）",
      citation=f"{ZBTL}第二十条；{JGTL}第七条", severity="WARN", subject="org")
def branch_committee(ctx):
    """“设立支部委员会”= 有现任组织、宣传、纪检委员或委员；委员会人数 = 现任书记、副书记和委员的人数（按人计）。
    正式党员恰好7人即应设支委会；不足7人只设书记（必要时副书记），已设支委会的给出提示。
    条号据转载推定（rules.md 标 [B]），正式引用前请核对原文。"""
    out = Collector()
    counts = member_counts(ctx)
    posts = posts_by_org(ctx)
    lo, hi = COMMITTEE_SIZE
    for org in orgs_of_type(ctx, OrgType.BRANCH):
        full = counts.get(org.pk, (0, 0))[1]
        org_posts = posts.get(org.pk, [])
        if full >= COMMITTEE_FULL_MEMBERS and not has_committee(org_posts):
            out.add(org, f"党支部有正式党员{full}人（7人以上），应设立支部委员会（3至5人，一般不超过7人）", "WARN")
        if has_committee(org_posts):
            size = len(committee_persons(org_posts))
            if not lo <= size <= hi:
                out.add(org, f"支部委员会现有{size}人，应为3至5人、一般不超过7人", "WARN")
            if full < COMMITTEE_FULL_MEMBERS:
                out.add(org, f"党支部正式党员{full}人，不足7人，一般不设支部委员会，设书记1名（必要时设副书记1名）即可",
                        "INFO")
    return out.hits()


@rule("BR-10", reads=READS, title="书记、副书记须报上级党组织批准；书记空缺应及时补选", citation=f"{ZBTL}第二十一条",
      severity="WARN", subject="org", settings=("vacancy_days",))
def secretary_approval_and_vacancy(ctx):
    """现任书记、副书记没有上级批准日期即预警；党委、总支、支部没有现任书记超过“书记空缺天数”（默认90天，
    可配置）时预警，空缺从最后一任书记免职次日起算，从未有书记的从成立日期起算（成立日期不详则不判断）。
    条号据转载推定（rules.md 标 [B]），正式引用前请核对原文；空缺天数为地方做法 [P]。"""
    out = Collector()
    posts = posts_by_org(ctx)
    om = orgs_by_id(ctx)
    for org_id, org_posts in posts.items():
        for p in org_posts:
            if p["role"] in SECRETARY_ROLES and not p["approved"] and om[org_id].type in SECRETARY_TYPES:
                out.add(om[org_id], f"{PostRole(p['role']).label}{p['person__name']}尚无上级批准日期："
                                    f"书记、副书记须报上级党组织批准", "WARN")
    limit = int(ctx.setting("vacancy_days"))
    targets = [o for o in orgs_of_type(ctx, *SECRETARY_TYPES)
               if not any(p["role"] == PostRole.SECRETARY for p in posts.get(o.pk, ()))]
    if targets:
        last_end = dict(_scoped(ctx, Post.objects.filter(role=PostRole.SECRETARY, end__lt=ctx.as_of))
                        .order_by().values_list("org_id").annotate(last=Max("end")))
        for org in targets:
            since = last_end.get(org.pk) or org.founded
            if since is None or since > ctx.as_of:
                continue
            days = (ctx.as_of - since).days
            if days > limit:
                basis = "最后一任书记免职" if org.pk in last_end else "成立"
                out.add(org, f"书记空缺已{days}天（自{since:%Y-%m-%d}{basis}起），超过{limit}天，应及时补选书记",
                        "WARN")
    return out.hits()


def secretary_standing_short(full_member_date: dt.date | None, start: dt.date) -> bool:
    """BR-11: 党龄从转正之日算起，任职时满1年（同一日期即满）才符合。"""
    return full_member_date is None or whole_years_between(full_member_date, start) < 1


@rule("BR-11", reads=READS, title="党支部书记一般应具有1年以上党龄", citation=f"{ZBTL}第二十三条", severity="WARN",
      subject="org")
def secretary_party_standing(ctx):
    """党龄从转正之日算起，至任职之日满1年（次年同一日期即满1年）；没有转正日期（如预备党员）的也预警。
    任职日期不详的按判断日计算。只判断党支部书记。条号据单一转载（rules.md 标 [B]），正式引用前请核对原文。"""
    om = orgs_by_id(ctx)
    out = Collector()
    for p in current_posts(ctx):
        org = om[p["org_id"]]
        if p["role"] != PostRole.SECRETARY or org.type != OrgType.BRANCH:
            continue
        at = p["start"] or ctx.as_of
        fmd = p["person__full_member_date"]
        if not secretary_standing_short(fmd, at):
            continue
        if fmd is None:
            why = f"书记{p['person__name']}没有转正日期（{Status(p['person__status']).label}），党龄不足1年"
        else:
            why = (f"书记{p['person__name']}于{at:%Y-%m-%d}任职时党龄不足1年（{fmd:%Y-%m-%d}转正，"
                   f"满1年为{add_years(fmd, 1):%Y-%m-%d}）")
        out.add(org, why + "：党支部书记一般应具有1年以上党龄", "WARN")
    return out.hits()


# --- JG: 机关基层组织工作条例 ----------------------------------------------------------------------
@rule("JG-01", reads=READS, title="机关党员100人以上的，设立机关党委", citation=f"{JGTL}第五条", severity="INFO",
      subject="org")
def organ_committee_size(ctx):
    """党支部、党总支（含下级组织）党员达到100人（含100人）时提示应设立机关党委；99人不提示。"""
    targets = orgs_of_type(ctx, OrgType.BRANCH, OrgType.GENERAL_BRANCH)
    counts = subtree_member_counts(ctx, targets)
    for org in targets:
        n = counts[org.pk]
        if n >= ORGAN_COMMITTEE_MEMBERS:
            yield Hit(org, f"{org.get_type_display()}共有党员{n}人（100人以上），应设立机关党委")


@rule("JG-02", reads=READS, title="机关党员50人以上、100人以下的，可设立党总支", citation=f"{JGTL}第六条", severity="INFO",
      subject="org")
def general_branch_size(ctx):
    """党支部党员50人（含50人）至99人时提示可设党总支。条文“50人以上”含50人，所以恰好50人时 JG-02 提示、
    BR-01（“一般不超过50人”）不预警；51至99人两条都会出现。100人起由 JG-01 提示设立机关党委。"""
    counts = member_counts(ctx)
    for org in orgs_of_type(ctx, OrgType.BRANCH):
        n = counts.get(org.pk, (0, 0))[0]
        if GENERAL_BRANCH_MEMBERS <= n < ORGAN_COMMITTEE_MEMBERS:
            yield Hit(org, f"党支部有党员{n}人（50人以上、不足100人），可设立党总支")


@rule("JG-03", reads=READS, title="正式党员不足3人的，应与邻近单位建立联合党支部",
      citation=f"{JGTL}第七条；{ZBTL}第五条", severity="WARN", subject="org")
def branch_too_small(ctx):
    """非联合党支部正式党员不足3人（0至2人）时预警；恰好3人不预警。联合党支部不适用。"""
    counts = member_counts(ctx)
    joint = joint_units(ctx)
    for org in orgs_of_type(ctx, OrgType.BRANCH):
        full = counts.get(org.pk, (0, 0))[1]
        if org.pk not in joint and full < UNIT_OWN_BRANCH_FULL:
            yield Hit(org, f"党支部正式党员{full}人：正式党员不足3人，应与邻近单位建立联合党支部")


# --- TERM / ELEC: 任期与换届 -----------------------------------------------------------------------
@rule("TERM-01", reads=READS, title="基层党组织任期：机关党委每届5年，总支、支部每届3年（村、社区5年）",
      citation="中共中央办公厅《关于党的基层组织任期的意见》", severity="WARN", subject="org")
def term_length(ctx):
    """有任期的组织（机关党委、党总支、党支部）缺少本届选举日期时提示（无法计算任期）；
    填写的任期年限与规定不一致时预警。"""
    out = Collector()
    for org in orgs_of_type(ctx, *ELECTED_TYPES):
        if not org.committee_elected:
            out.add(org, "缺少本届选举日期，无法计算任期：请填写本届委员会（或书记）选举产生的日期", "INFO")
        standard = org.standard_term_years
        if org.term_years and org.term_years != standard:
            out.add(org, f"任期填写为{org.term_years}年，与规定的每届{standard}年不一致", "WARN")
    return out.hits()


def reminder_steps(ctx) -> list[int]:
    value = ctx.setting("term_reminder_months")
    steps = value if isinstance(value, (list, tuple)) else [value]
    return sorted({int(v) for v in steps if int(v) > 0}, reverse=True)


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end` (same clamping as add_months)."""
    m = (end.year - start.year) * 12 + end.month - start.month
    while m > 0 and add_months(start, m) > end:
        m -= 1
    return max(m, 0)


@rule("TERM-02", reads=READS, title="任期届满前提醒做好换届准备（一般提前6个月）",
      citation="中央和国家机关工委：党支部按期换届提醒督促机制（旗帜网）", severity="INFO", subject="org",
      settings=("term_reminder_months",))
def term_reminder(ctx):
    """判断日在[届满日 − 最早提醒月数, 届满日]之间时提示（默认届满前6个月，地方做法另在前4个月、2个月）；
    届满当日仍是本条提示，届满次日起由 ELEC-01 预警。"""
    steps = reminder_steps(ctx)
    if not steps:
        return
    for org in orgs_of_type(ctx, *ELECTED_TYPES):
        end = org.term_end
        if end is None or not (add_months(end, -steps[0]) <= ctx.as_of <= end):
            continue
        step_i, step = max((i, n) for i, n in enumerate(steps) if ctx.as_of >= add_months(end, -n))
        days = (end - ctx.as_of).days
        months = months_between(ctx.as_of, end)
        left = "今日届满" if days == 0 else f"距届满还有{days}天（{months}个月）"
        yield Hit(org, f"本届任期于{end:%Y-%m-%d}届满，{left}；届满前{step}个月提醒"
                       f"（第{step_i + 1}次，共{len(steps)}次）：请做好换届准备，按期向上级党组织报送换届请示")


@rule("ELEC-01", reads=READS, title="任期届满应按期换届；延期须经上级批准，一般不超过1年", citation=f"{XJTL}第三条",
      severity="WARN", subject="org")
def overdue_election(ctx):
    """届满次日起未换届且没有覆盖判断日的已批准延期：预警；超过届满日1年（或超过批准的延期截止日）：阻断级。"""
    for org in orgs_of_type(ctx, *ELECTED_TYPES):
        end = org.term_end
        if end is None or ctx.as_of <= end:
            continue
        until, approved = org.term_extension_until, org.term_extension_approved
        if until and approved:
            if ctx.as_of <= until:
                continue
            yield Hit(org, f"任期已于{end:%Y-%m-%d}届满，经批准延期至{until:%Y-%m-%d}仍未换届：应立即组织换届选举",
                      severity="BLOCK")
            continue
        note = "（填写了延期日期但没有上级批准日期，延期不成立）" if until else ""
        if ctx.as_of > add_years(end, 1):
            yield Hit(org, f"任期已于{end:%Y-%m-%d}届满，超过1年仍未换届{note}：延长一般不超过1年，应立即组织换届选举",
                      severity="BLOCK")
        else:
            yield Hit(org, f"任期已于{end:%Y-%m-%d}届满，尚未换届{note}：应按期换届，需延期的须报上级党组织批准",
                      severity="WARN")


# --- DATA: contradictory post records --------------------------------------------------------------
DATA_CITATION = "平台数据质量规则（非条例条款）"


@rule("DATA-05", reads=READS, title="党内职务由非党员担任", citation=f"{DATA_CITATION}；党内职务须由党员担任",
      severity="WARN", subject="person")
def post_held_by_non_member(ctx):
    """现任党内职务的任职人党籍状态不是预备党员或正式党员（如已转出、停止党籍、去世）。"""
    om = orgs_by_id(ctx)
    out = Collector()
    for p in current_posts(ctx):
        if p["person__status"] in MEMBER_STATUSES:
            continue
        out.add(_person(p), f"{p['person__name']}（{Status(p['person__status']).label}）仍担任"
                            f"{om[p['org_id']].name}{PostRole(p['role']).label}：请办理免职或更正党籍状态",
                "WARN", org_id=p["org_id"])
    return out.hits()


@rule("DATA-06", reads=READS, title="委员会成员的组织关系不在本组织", citation=DATA_CITATION, severity="WARN",
      subject="person")
def committee_member_outside_org(ctx):
    """现任书记、副书记、委员的组织关系（所在党组织）不在该组织及其下级组织内。"""
    om = orgs_by_id(ctx)
    out = Collector()
    for p in current_posts(ctx):
        if p["role"] not in COMMITTEE_ROLES:
            continue
        org = om[p["org_id"]]
        if p["person__org__path"] and p["person__org__path"].startswith(org.path):
            continue
        out.add(_person(p), f"{p['person__name']}担任{org.name}{PostRole(p['role']).label}，但组织关系不在该组织"
                            f"：请转接组织关系或更正任职记录", "WARN", org_id=org.pk)
    return out.hits()


@rule("DATA-07", reads=READS, title="同一组织有两名以上现任书记", citation=DATA_CITATION, severity="WARN", subject="org")
def several_secretaries(ctx):
    """同一党组织在判断日有两条以上现任书记职务（多为前任免职日期漏填）。"""
    om = orgs_by_id(ctx)
    for org_id, posts in posts_by_org(ctx).items():
        names = [p["person__name"] for p in posts if p["role"] == PostRole.SECRETARY]
        if len(names) >= 2:
            yield Hit(om[org_id], f"现有{len(names)}名书记（{'、'.join(names)}）：请为前任书记填写免职日期")
