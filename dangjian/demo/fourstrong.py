"""Demo “四强”党支部: the 工委's published 创建标准 for this year (and last year's, under which two branches were named
a year ago), applications in every state — named (valid), awaiting the 工委's naming, awaiting the 机关党委's review,
returned, a draft — and a branch blocked by its real findings (its 创建 page lists them). At this year's 复核 one of
last year's titles is kept and one, whose branch now has open organisational-life findings, is revoked.

The standards are written before the engine runs; everything that depends on the baseline (which branches are
clean) is done after it (`after_engine`), through the module's actions, so the gating is the real one — except last
year's two titles, written directly (named a year ago, with an audit event saying so). The actions do not schedule
engine runs here (they would be dated today, not the demo's date): the demo re-runs exactly the rules it affects —
the 谈心谈话 rules for the branches whose talks it enters, SQ-03 for the titles — at its own as-of date. Nothing is
planted: this module adds no finding."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from dangjian.core.params import year_param
from dangjian.orgs.models import Org


@dataclass
class FourStrongStats:
    standard: object = None
    previous: object = None
    states: dict = field(default_factory=dict)
    named: list = field(default_factory=list)        # org ids holding a valid title
    blocked: int | None = None                        # org id of the branch shown blocked by its findings
    revoked: int | None = None
    kept: int | None = None
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = "、".join(f"{k}{v}个" for k, v in self.states.items())
        return f"“四强”党支部：创建标准“{self.standard}”，申报 {parts or '0个'}，有效命名 {len(self.named)} 个"


def default_for(scale: str) -> bool:
    return scale != "province"


def _root():
    return Org.objects.filter(type="work_committee", depth=1).order_by("path").first()


def load(as_of: dt.date, seed: int) -> FourStrongStats:
    from dangjian.fourstrong import actions

    stats = FourStrongStats()
    root = _root()
    if root is None:
        return stats
    for year, attr in ((as_of.year - 1, "previous"), (as_of.year, "standard")):
        s = actions.do_create_standard(jurisdiction=root, year=year, name="中央和国家机关“四强”党支部创建标准（示例）")
        actions.do_publish_standard(s)
        setattr(stats, attr, s)
    return stats


def _marks(app, rng, low: int, high: int) -> dict:
    out = {}
    for s in app.scores.select_related("criterion"):
        pts = s.criterion.points
        out[s.criterion_id] = (str((pts * Decimal(rng.randint(low, high)) / 100).quantize(Decimal("0.5"))),
                               rng.choice(("按记录佐证", "工作扎实，记录完整", "有亮点，仍需加强", "按要求落实")))
    return out


def after_engine(stats: FourStrongStats, as_of: dt.date) -> None:
    """Take branches through the procedure by what the engine found: clean ones apply, are reviewed and named; one
    blocked branch has a draft its findings stop; last year's titles are re-checked."""
    from dangjian.core import engine
    from dangjian.fourstrong import actions

    if stats.standard is None:
        return
    with actions.rejudged_by_caller():
        _procedure(stats, as_of)
    # SQ-03 (到期复核) for the titles just written, judged at the demo's date.
    engine.run(as_of=as_of, org_ids=[stats.standard.jurisdiction_id], rule_ids=["SQ-03"])


def _procedure(stats: FourStrongStats, as_of: dt.date) -> None:
    from dangjian.core import audit
    from dangjian.core.errors import ActionError
    from dangjian.core.periods import add_months
    from dangjian.fourstrong import actions, baseline, evidence
    from dangjian.fourstrong.choices import ApplicationState
    from dangjian.fourstrong.models import Application, Title

    rng = random.Random(4242)
    root = stats.standard.jurisdiction
    branches = list(Org.objects.filter(path__startswith=root.path, type="branch",
                                       dissolved__isnull=True).order_by("path")[:400])
    blocked = baseline.blocked_org_ids(branches)
    if _talks_on_record(branches, blocked, as_of):
        blocked = baseline.blocked_org_ids(branches)
    clean = [b for b in branches if b.pk not in blocked]
    dirty = [b for b in branches if b.pk in blocked]

    def qualifies(org, standard, year, day):
        return not actions.shortfalls(standard, evidence.collect(org, year, day))

    # Last year's two titles (named a year ago, from last year's records): one on a clean branch, one on a branch
    # that now has findings; this year's re-check keeps the first and revokes the second.
    prev = stats.previous
    named_on = as_of - dt.timedelta(days=370)
    ready = [b for b in clean if qualifies(b, stats.standard, as_of.year, as_of)][:6]
    history = [b for b in clean if b not in ready][-1:] + [b for b in dirty if b.pk != stats.blocked][-1:]
    for org in history:
        app = actions.do_open_application(standard=prev, org=org, as_of=named_on)
        actions.do_save_self_assessment(app, scores=_marks(app, rng, 90, 100), summary="上年度创建情况（示例）")
        app.evidence = evidence.collect(org, prev.year, dt.date(prev.year, 12, 31))
        marks = _marks(app, rng, 92, 100)
        for s in app.scores.all():
            s.review_score, s.review_text = Decimal(marks[s.criterion_id][0]), "审核认可"
            s.save(update_fields=["review_score", "review_text"])
        app.review_total = actions.weighted_total(prev, {s.criterion_id: s.review_score for s in app.scores.all()})
        app.state = ApplicationState.NAMED
        app.save()
        title = Title.objects.create(application=app, org=org, standard=prev, valid_from=named_on,
                                     valid_until=actions.title_end(named_on, prev.validity_years),
                                     next_recheck=add_months(named_on, prev.recheck_months))
        audit.record("fourstrong.decide", f"{root.name}命名{org.name}为“四强”党支部（{named_on:%Y-%m-%d}起，有效期"
                     f"{prev.validity_years}年；示例数据：上年度命名，补录）", org=org, obj=app, title=title.pk)
    for title in Title.objects.filter(standard=prev).select_related("org"):
        r = actions.do_recheck(title, on=as_of - dt.timedelta(days=3), policy="revoke",
                               comment="年度复核：对照标准化规范化要求逐项核查")
        if r.outcome == "revoked":
            stats.revoked = title.org_id
        else:
            stats.kept = title.org_id
            stats.named.append(title.org_id)

    # This year's applications: the clean branches that meet the standard's minimums go through the procedure.
    plan = ["named", "passed", "submitted", "named", "returned", "draft"]
    for org, target in zip(ready, plan):
        app = actions.do_open_application(standard=stats.standard, org=org, as_of=as_of)
        actions.do_save_self_assessment(app, scores=_marks(app, rng, 85, 100),
                                        summary=f"{org.name}坚持党建引领，落实“三会一课”，党员作用发挥明显（示例）。")
        if target == "draft":
            continue
        try:
            actions.do_submit(app, as_of=as_of)
            if target == "submitted":
                continue
            if target == "returned":
                actions.do_review(app, passed=False, comment="“作用发挥强”佐证不足，请补充党建与业务融合的具体成效。")
                continue
            actions.do_review(app, passed=True, scores=_marks(app, rng, 92, 100), comment="经审核，同意报命名。")
            if target == "named":
                actions.do_decide(app, named=True, on=as_of, comment="同意命名。")
                stats.named.append(org.pk)
        except ActionError as e:
            stats.problems.append(f"{org.name}：{e.message}")
    # A branch its findings stop: its draft application, and its page says which findings stand in the way.
    if dirty:
        org = next((b for b in dirty if b.pk != stats.revoked), dirty[0])
        if not Application.objects.filter(standard=stats.standard, org=org).exists():
            app = actions.do_open_application(standard=stats.standard, org=org, as_of=as_of)
            actions.do_save_self_assessment(app, scores=_marks(app, rng, 85, 100), summary="准备申报（示例）")
        stats.blocked = org.pk
    counts: dict[str, int] = {}
    for state in Application.objects.filter(standard=stats.standard).values_list("state", flat=True):
        label = ApplicationState(state).label
        counts[label] = counts.get(label, 0) + 1
    stats.states = counts


def _talks_on_record(branches, blocked: set[int], as_of: dt.date) -> list[int]:
    """A few branches whose only obstacle is last year's 谈心谈话 (ORGLIFE-05) have them on record: a talk of each
    member concerned with a 支部委员 who was a party member on the day is entered (rows written as the
    organisational-life demo writes them), and the rules that read talks judge those branches again at the demo's
    date. Branches with any other open finding (a planted TALK-01 among them) are left as they are. Returns the
    branches so treated."""
    from django.db import transaction
    from django.db.models import Q

    from dangjian.core import engine
    from dangjian.core.models import Finding
    from dangjian.fourstrong import baseline
    from dangjian.orglife.models import Talk
    from dangjian.orgs.choices import COMMITTEE_ROLES
    from dangjian.orgs.models import Post
    from dangjian.people.choices import MEMBER_STATUSES
    from dangjian.people.models import Person

    def member_on(day):
        return Q(status__in=list(MEMBER_STATUSES), probationary_date__isnull=False, probationary_date__lte=day)

    q = baseline.blocking_q(baseline.gated())
    fixed, talks = [], []
    for org in [b for b in branches if b.pk in blocked]:
        found = list(Finding.objects.filter(q, org__path__startswith=org.path))
        if any(f.rule_id != "ORGLIFE-05" for f in found) or Finding.objects.filter(
                org__path__startswith=org.path, rule_id__startswith="TALK-", state="open").exists():
            continue
        planned = []
        for f in found:
            if f.person is None:
                break
            year = year_param(f.period[:4], default=as_of.year - 1)
            start, end, day = dt.date(year, 1, 1), dt.date(year, 12, 31), dt.date(year, 11, 12)
            committee = (Post.objects.filter(org=org, role__in=list(COMMITTEE_ROLES))
                         .exclude(end__lt=start).exclude(start__gt=end).values_list("person_id", flat=True))
            partner = (Person.objects.filter(member_on(day), pk__in=list(committee)).exclude(pk=f.person_id)
                       .order_by("pk").first())
            if partner is None and list(committee) == [f.person_id]:
                # The only 支部委员: a talk with any member of the branch counts (ORGLIFE-05).
                partner = (Person.objects.filter(member_on(day), org=org).exclude(pk=f.person_id)
                           .order_by("pk").first())
            if partner is None:
                break
            planned.append(Talk(org=org, date=day, a=partner, b=f.person, topic="年度谈心谈话"))
        else:
            if planned:
                talks += planned
                fixed.append(org.pk)
        if len(fixed) >= 6:
            break
    if fixed:
        with transaction.atomic():
            Talk.objects.bulk_create(talks)
        engine.run(as_of=as_of, org_ids=fixed, rule_ids=engine.affected_rules([Talk]))
    return fixed
