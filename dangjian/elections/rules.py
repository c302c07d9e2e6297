"""换届选举 rules (rules.md §5 ELEC-04…12), subject the election. What DJX `elections[]` carries is judged in
`check` too: candidates against seats, quorum, ballots, the count, and the posts taken after it. The
candidate list's consent, the exclusions' approvals and the filing of results are records only the platform
keeps (ELEC-06, ELEC-08, ELEC-12 are live-only).

A 增补选举 (`by_election`) is judged like any election (the 20% margin, quorum, majority, ballots) and is its own
chain in ELEC-09; it never moves the org's term (`committee_elected`), so ELEC-01 and TERM- (which read the
term) see the term it was held in. DJX cannot mark it: in a file it is a plain committee election, which
these rules judge the same way."""
from __future__ import annotations

import datetime as dt

from dangjian.core import engine
from dangjian.core.engine import Hit, rule
from dangjian.orglife.rules import _scoped

from .count import count, majority, min_candidates

XJTL = "《中国共产党基层组织选举工作条例》"
READS = ("elections.election", "elections.candidate", "orgs.org", "people.person")

engine.setting("elec_quorum", "strict", "选举大会有效人数：strict（超过应到会人数的4/5，默认）或 inclusive（达到4/5即可）",
               rules=("ELEC-07",))
engine.setting("elec_report_days", 30, "选举结果报上级备案、书记副书记报批的期限（天，ELEC-12）", rules=("ELEC-12",))


def _elections(ctx, **filters):
    from .models import Election

    return _scoped(ctx, Election.objects.filter(**filters)).select_related("org").prefetch_related(
        "candidates__person").order_by("pk")


def _votes(e) -> dict:
    return {c.person: c.votes for c in e.candidates.all() if c.votes is not None}


def _held(ctx):
    return _elections(ctx, date__isnull=False, date__lte=ctx.as_of)


@rule("ELEC-04", reads=READS, title="代表候选人的差额不少于应选人数的20%", citation=f"{XJTL}第九条",
      severity="BLOCK", subject="election")
def delegate_candidates(ctx):
    """代表选举：候选人数少于应选人数 × 1.2（向上取整，如3名应选至少4名候选人）：阻断。"""
    yield from _too_few(ctx, "delegates", "代表")


@rule("ELEC-05", reads=READS, title="委员候选人的差额不少于应选人数的20%", citation=f"{XJTL}第十三条",
      severity="BLOCK", subject="election")
def committee_candidates(ctx):
    """委员选举：候选人数少于应选人数 × 1.2（向上取整：3名→4名，5名→6名，7名→9名）：阻断。增补选举同样适用；再投票、另行选举不在此列。"""
    yield from _too_few(ctx, "committee", "委员")


def _too_few(ctx, kind, what):
    # (a revote among those tied, or the 另行选举 of seats left over, is not held to the 20%)
    for e in _elections(ctx, kind=kind, follows__isnull=True):
        n, need = len(e.candidates.all()), min_candidates(e.seats)
        if e.candidates.all() and n < need:
            yield Hit(e, f"{e.org.name}应选{what}{e.seats}名，候选人{n}名，少于差额要求的{need}名", org_id=e.org_id)


@rule("ELEC-06", reads=READS, title="委员候选人预备人选须报上级党组织审查同意", citation=f"{XJTL}第十四条",
      severity="WARN", subject="election", live_only=True)
def candidates_consent(ctx):
    """总支、支部委员选举：召开选举大会时候选人预备人选没有上级党组织审查同意的记录（或同意晚于选举）：预警。"""
    # (an election imported from a file carries no such record: judged only where the platform ran it)
    for e in _held(ctx).filter(kind="committee", external_id=""):
        if e.candidates_approved is None or e.candidates_approved > e.date:
            yield Hit(e, f"{e.org.name}{e.date:%Y-%m-%d}选举的候选人预备人选没有上级党组织审查同意的记录", org_id=e.org_id)


def _expected(e) -> int | None:
    if e.expected_voters is None:
        return None
    approved = sum(1 for x in e.exclusions.all() if x.upper_consent and x.assembly_passed)
    return e.expected_voters - approved


@rule("ELEC-07", reads=READS + ("elections.exclusion",), title="有选举权的到会人数超过应到会人数的4/5，会议有效",
      citation="《中国共产党基层组织选举工作暂行条例》第十九条；2020年条例同", severity="BLOCK", subject="election",
      settings=("elec_quorum",))
def quorum(ctx):
    """到会有选举权人数不超过应到会人数的4/5（参数 inclusive：少于4/5）：选举大会无效，阻断。经批准不计入的党员
    （ELEC-08）从应到会人数中减去。40/50 恰为4/5：默认不足，inclusive 时有效。"""
    inclusive = ctx.setting("elec_quorum") == "inclusive"
    for e in _held(ctx).prefetch_related("exclusions"):
        expected = _expected(e)
        if expected is None or e.present_voters is None or expected <= 0:
            continue
        short = 5 * e.present_voters < 4 * expected if inclusive else 5 * e.present_voters <= 4 * expected
        if short:
            yield Hit(e, f"{e.org.name}{e.date:%Y-%m-%d}选举：应到会{expected}人，实到{e.present_voters}人，"
                         f"{'不足' if inclusive else '未超过'}4/5，选举无效", org_id=e.org_id)


@rule("ELEC-08", reads=READS + ("elections.exclusion",), title="不计入应到会人数须经上级党组织同意并经党员大会通过",
      citation="中央组织部关于不计入应到会人数的答复（共产党员网）", severity="BLOCK", subject="election", live_only=True)
def exclusions(ctx):
    """不计入应到会人数的党员，缺少上级党组织同意或党员大会通过的记录：阻断。"""
    for e in _elections(ctx).prefetch_related("exclusions__person"):
        bad = [x for x in e.exclusions.all() if not (x.upper_consent and x.assembly_passed)]
        if bad:
            yield Hit(e, f"{e.org.name}选举：{'、'.join(x.person.name for x in bad)}不计入应到会人数，"
                         "缺少上级党组织同意或党员大会通过", org_id=e.org_id)


def chains(elections) -> list[list]:
    """An org's committee elections grouped into chains: an election and its revotes and 另行选举 (`follows`, or —
    in a file, which cannot say so — another election of the org on the same day), by date. A 增补选举 starts
    its own chain (it is not a revote of a 换届 held the same day)."""
    out: list[list] = []
    by_pk: dict[int, list] = {}
    for e in sorted(elections, key=lambda x: (x.date, x.pk)):
        chain = by_pk.get(e.follows_id) if e.follows_id else None
        if (chain is None and out and out[-1][0].org_id == e.org_id and out[-1][0].kind == e.kind
                and out[-1][-1].date == e.date and not e.follows_id
                and getattr(out[-1][0], "by_election", False) == getattr(e, "by_election", False)):
            chain = out[-1]
        if chain is None:
            chain = []
            out.append(chain)
        chain.append(e)
        by_pk[e.pk] = chain
    return out


@rule("ELEC-09", reads=READS + ("orgs.post",), title="得票超过实到会有选举权人数的一半始得当选",
      citation="《中国共产党基层组织选举工作暂行条例》第二十九条", severity="BLOCK", subject="election")
def elected_by_majority(ctx):
    """选举后（至下一次换届前）在该组织开始担任委员职务的人，没有在该次选举（含其再投票、另行选举）中当选——赞成票未超过
    实到会有选举权人数的一半（恰好一半不能当选），或过半数但按票数没有取上，或不是候选人：阻断。"""
    from dangjian.orgs.choices import COMMITTEE_ROLES
    from dangjian.orgs.models import Post

    elections = [e for e in _held(ctx).filter(kind="committee") if e.present_voters]
    if not elections:
        return
    posts: dict[int, list] = {}
    for p in Post.objects.filter(org_id__in={e.org_id for e in elections}, role__in=list(COMMITTEE_ROLES),
                                 start__isnull=False).select_related("person"):
        posts.setdefault(p.org_id, []).append(p)
    by_org: dict[int, list] = {}
    for e in elections:
        by_org.setdefault(e.org_id, []).append(e)
    for org_id, es in by_org.items():
        org = es[0].org
        cs = chains(es)
        for i, chain in enumerate(cs):
            start = chain[0].date
            # Until the next election — or the org's next term when that election is not on record.
            ends = [c[0].date for c in cs[i + 1:]] + ([org.committee_elected] if org.committee_elected
                                                      and org.committee_elected > chain[-1].date else [])
            until = min(ends) if ends else None
            won = set()
            for e in chain:
                votes = {c.person_id: c.votes for c in e.candidates.all() if c.votes is not None}
                won |= set(count(e.seats, e.present_voters, votes, e.ballots_issued, e.ballots_returned).elected)
            if not any(c.votes is not None for e in chain for c in e.candidates.all()):
                continue
            wrong = sorted({p.person.name for p in posts.get(org_id, ())
                            if p.start >= start and (until is None or p.start < until) and p.person_id not in won})
            if wrong:
                e = chain[0]
                yield Hit(e, f"{e.org.name}{e.date:%Y-%m-%d}选举：{'、'.join(wrong)}没有当选（得票未超过实到会有选举权人数的"
                             "一半、按票数未取上或不是候选人），却已任委员", org_id=e.org_id)


@rule("ELEC-10", reads=READS, title="票数相等的再投票；当选不足应选名额的另行选举", citation="选举工作条例（旗帜网解读）",
      severity="WARN", subject="election")
def ties_and_shortfall(ctx):
    """计票后：过半数者多于应选名额且末位票数相等，或当选人数少于应选名额，而此后没有再投票或另行选举的记录（同一组织
    之后的选举）：预警。"""
    held = list(_held(ctx))
    followed = set()
    for chain in chains([e for e in held]):
        for e in chain[:-1]:
            followed.add(e.pk)               # a revote or 另行选举 followed it
    later: dict[tuple[int, str], list] = {}
    for e in held:
        later.setdefault((e.org_id, e.kind), []).append(e.date)
    for e in held:
        votes = _votes(e)
        if not votes or not e.present_voters or e.pk in followed:
            continue
        out = count(e.seats, e.present_voters, votes, e.ballots_issued, e.ballots_returned)
        if out.void or any(d > e.date for d in later[(e.org_id, e.kind)]):
            continue
        if out.tied:
            yield Hit(e, f"{e.org.name}{e.date:%Y-%m-%d}选举：{'、'.join(p.name for p in out.tied)}票数相等，"
                         "应就票数相等者再投票", org_id=e.org_id)
        elif out.short:
            yield Hit(e, f"{e.org.name}{e.date:%Y-%m-%d}选举：当选{len(out.elected)}名，少于应选{e.seats}名，"
                         f"不足的{out.short}名应另行选举（接近应选名额的经半数以上选举人同意可不再选）", org_id=e.org_id)


@rule("ELEC-11", reads=READS, title="收回选票多于发出选票的选举无效", citation="选举办法（选举工作条例配套）",
      severity="BLOCK", subject="election")
def ballots(ctx):
    """收回的选票多于发出的选票：选举无效，应重新选举：阻断。每张选票所选人数多于应选人数的为废票（计票页面按张登记时判断），
    所以赞成票合计不能多于有效选票数 × 应选人数，多于的计票有误：阻断。"""
    for e in _held(ctx):
        if e.ballots_issued is not None and e.ballots_returned is not None and e.ballots_returned > e.ballots_issued:
            yield Hit(e, f"{e.org.name}{e.date:%Y-%m-%d}选举：收回选票{e.ballots_returned}张，多于发出的{e.ballots_issued}张，"
                         "选举无效，应重新选举", org_id=e.org_id)
            continue
        total = sum(_votes(e).values())
        if e.ballots_returned is not None and total > (e.ballots_returned - e.invalid_ballots) * e.seats:
            yield Hit(e, f"{e.org.name}{e.date:%Y-%m-%d}选举：赞成票合计{total}张，多于有效选票 × 应选人数"
                         f"（{e.ballots_returned - e.invalid_ballots} × {e.seats}），计票有误", org_id=e.org_id)


@rule("ELEC-12", reads=READS, title="选出的委员报上级备案，书记、副书记报上级批准", citation="党章第三十一条；支部工作条例第二十一条",
      severity="WARN", subject="election", settings=("elec_report_days",), live_only=True)
def results_reported(ctx):
    """选举大会后 N 天（参数，默认30）仍没有报上级备案（批准）的记录：预警。"""
    days = int(ctx.setting("elec_report_days") or 30)
    for e in _held(ctx).filter(filed_date__isnull=True, external_id="", date__lt=ctx.as_of - dt.timedelta(days=days)):
        yield Hit(e, f"{e.org.name}{e.date:%Y-%m-%d}选举的结果超过{days}天未报上级党组织备案（书记、副书记报批）",
                  org_id=e.org_id)
