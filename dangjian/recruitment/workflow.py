"""The recruitment workflow: which steps may come next, the window of dates for each, and why a step
would be refused.

A step is refused when (1) a step it follows is missing or dated after it (细则第十八条: 严格按照程序),
(2) it is already recorded and may not repeat (a correction voids the old record instead), or (3) it
would make a BLOCK finding that was not there before: every DEV rule is run over the file as it would
be with the step saved, judged on the step's own date (so that a history can be entered step by step
with past dates). The refusal quotes the rule's article.

`window` proposes, for a step that may come next, the earliest date (the steps it follows, the
18th birthday, one year as an activist, the end of probation) and the latest date the regulations
set (a month for the first talk, three months for an approval …). Every date in the window is
accepted by `refusals` (`tests/test_workflow.py` checks it as a property)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dangjian.core import engine
from dangjian.core.periods import add_months, add_years

from .choices import REPEATABLE, STAGES, Conclusion, Step
from .rules import Case, Ev, Facts, load_facts, probation_end

# The steps each step follows (all must be recorded, and dated on or before it).
FOLLOWS: dict[str, tuple[str, ...]] = {
    Step.APPLICATION: (),
    Step.FIRST_TALK: (Step.APPLICATION,),
    Step.ACTIVIST: (Step.APPLICATION,),
    Step.ACTIVIST_FILED: (Step.ACTIVIST,),
    Step.MENTORS: (Step.ACTIVIST,),
    Step.ACTIVIST_REVIEW: (Step.ACTIVIST,),
    Step.CANDIDATE: (Step.ACTIVIST,),
    Step.CANDIDATE_FILED: (Step.CANDIDATE,),
    Step.SPONSORS: (Step.CANDIDATE,),
    Step.POLITICAL_REVIEW: (Step.CANDIDATE,),
    Step.TRAINING: (Step.CANDIDATE,),
    Step.COMMITTEE_REVIEW: (Step.CANDIDATE, Step.SPONSORS, Step.POLITICAL_REVIEW, Step.TRAINING),
    Step.PRE_REVIEW: (Step.COMMITTEE_REVIEW,),
    Step.VOLUNTEER_FORM: (Step.PRE_REVIEW,),
    Step.BRANCH_VOTE: (Step.VOLUNTEER_FORM,),
    Step.UPPER_TALK: (Step.BRANCH_VOTE,),
    Step.APPROVAL: (Step.BRANCH_VOTE, Step.UPPER_TALK),
    Step.FILED_UPWARD: (Step.APPROVAL,),
    Step.OATH: (Step.APPROVAL,),
    Step.CONFIRM_APPLICATION: (Step.APPROVAL,),
    Step.EXTENSION: (Step.CONFIRM_APPLICATION,),
    Step.CONFIRM_VOTE: (Step.CONFIRM_APPLICATION,),
    Step.CONFIRM_APPROVAL: (Step.CONFIRM_VOTE,),
    Step.ARCHIVE: (Step.CONFIRM_APPROVAL,),
    Step.PUBLICITY: (Step.APPLICATION,),
}
ORDER = list(FOLLOWS)


@dataclass(frozen=True)
class Window:
    """`earliest`…`latest`: the dates the regulations expect (after `latest` a WARN finding says it is
    late); `limit`: the last date at all (after it a BLOCK rule refuses the step)."""
    earliest: dt.date
    latest: dt.date | None
    why_earliest: str
    why_latest: str = ""
    limit: dt.date | None = None


def _settings(settings: dict | None) -> dict:
    return settings if settings is not None else engine.effective_settings()


def _last_date(case: Case, step) -> dt.date | None:
    ev = case.last(step)
    return ev.date if ev else None


def next_steps(case: Case) -> list[str]:
    """Steps whose predecessors are all recorded and that are not recorded yet (or may repeat)."""
    out = []
    for step in ORDER:
        if case.has(step) and step not in REPEATABLE:
            continue
        if step == Step.EXTENSION and (case.has(Step.CONFIRM_VOTE) or case.has(Step.EXTENSION)):
            continue
        if all(case.has(p) for p in FOLLOWS[step]):
            out.append(step)
    return out


def window(case: Case, step: str, facts: Facts, settings: dict | None = None) -> Window | None:
    """The dates `step` may be recorded on, or None while a step it follows is missing."""
    s = _settings(settings)
    if any(not case.has(p) for p in FOLLOWS[step]):
        return None
    after = [(d, f"“{Step(p).label}”之后") for p in FOLLOWS[step] if (d := _last_date(case, p))]
    if step == Step.ACTIVIST_REVIEW and case.has(Step.ACTIVIST_REVIEW):
        after.append((_last_date(case, Step.ACTIVIST_REVIEW), "上次考察之后"))
    latest, why_latest, limit = None, "", None
    person = facts.people.get(case.person_id) or {}
    if step == Step.APPLICATION and person.get("birth_date"):
        after.append((add_years(person["birth_date"], 18), "年满十八周岁（DEV-01）"))
    elif step == Step.FIRST_TALK:
        latest, why_latest = add_months(case.first(Step.APPLICATION).date, 1), "收到申请书后一个月内（DEV-03）"
    elif step == Step.ACTIVIST_REVIEW:
        base = _last_date(case, Step.ACTIVIST_REVIEW) or case.first(Step.ACTIVIST).date
        latest, why_latest = add_months(base, 6), "每半年考察一次（DEV-06）"
    elif step == Step.CANDIDATE:
        after.append((add_years(case.first(Step.ACTIVIST).date, 1), "培养考察满一年（DEV-08）"))
    elif step == Step.COMMITTEE_REVIEW:
        passed = [e.date for e in case.events.get(Step.POLITICAL_REVIEW, ()) if e.conclusion == Conclusion.PASS]
        if not passed:
            return None
        after.append((passed[0], "政审合格之后（DEV-10）"))
    elif step in (Step.UPPER_TALK, Step.APPROVAL):
        vote = case.first(Step.BRANCH_VOTE).date
        latest, why_latest = add_months(vote, 3), "支部大会后三个月内审批（DEV-18）"
        limit = add_months(vote, 6)
    elif step == Step.OATH:
        latest = case.first(Step.APPROVAL).date + dt.timedelta(days=int(s["dev_oath_within_days"]))
        why_latest = "批准后及时宣誓（DEV-21）"
    elif step in (Step.CONFIRM_VOTE, Step.EXTENSION):
        end = probation_end(case)
        after.append((end, "预备期满（DEV-22）"))
        latest, why_latest = end + dt.timedelta(days=int(s["dev_confirm_discussion_days"])), "期满后及时讨论（DEV-22）"
    elif step == Step.CONFIRM_APPROVAL:
        latest, why_latest = add_months(case.first(Step.CONFIRM_VOTE).date, 3), "转正表决后三个月内（DEV-24）"
    if not after:
        return Window(dt.date.min, latest, "", why_latest, limit)
    earliest, why = max(after, key=lambda x: x[0])
    if limit is not None and earliest > limit:
        return None     # too late for good: e.g. no approval after six months (the vote must be redone)
    if latest is not None and latest < earliest:
        latest = limit  # already late: the expected date has passed (a WARN finding says so)
        why_latest = "最迟（DEV-18）" if limit else ""
    return Window(earliest, latest, why, why_latest, limit)


def order_problems(case: Case, ev: Ev) -> list[str]:
    out = []
    if case.has(ev.step) and ev.step not in REPEATABLE:
        out.append(f"“{Step(ev.step).label}”已登记；如需更正，请更正原记录")
    if ev.step == Step.EXTENSION and case.has(Step.EXTENSION):
        out.append("预备期只能延长一次（DEV-22）")
    for p in FOLLOWS[ev.step]:
        d = _last_date(case, p)
        if d is None:
            out.append(f"须先登记“{Step(p).label}”")
        elif ev.date < d:
            out.append(f"日期不能早于“{Step(p).label}”（{d:%Y-%m-%d}）")
    return out


def _block_messages(facts: Facts, as_of: dt.date, settings: dict) -> set[tuple[str, str]]:
    ctx = engine.Context(as_of=as_of, settings=settings, cache={"recruitment.facts": facts})
    out = set()
    for r in engine.registry:
        if r.domain != "recruitment":
            continue
        for h in r.check(ctx):
            for message, severity in getattr(h, "parts", None) or [(h.message, h.severity)]:
                if (severity or r.severity) == "BLOCK":
                    out.add((r.id, message))
    return out


@dataclass(frozen=True)
class Refusal:
    message: str
    rule: str | None = None     # the DEV rule that forbids it (None: the order of the procedure)


def refusals(file_id: int, ev: Ev, settings: dict | None = None, exclude=()) -> list[Refusal]:
    """Why saving `ev` in the file would be refused (empty: it may be saved). `exclude`: the record a
    correction replaces."""
    from .models import RecruitmentFile

    s = _settings(settings)
    files = RecruitmentFile.objects.filter(pk=file_id)
    before = load_facts(files, exclude=exclude)
    if not before.cases:
        return [Refusal("发展党员纪实不存在")]
    problems = order_problems(before.cases[0], ev)
    if problems:
        return [Refusal(p) for p in problems]
    after = load_facts(files, extra_events=[(file_id, ev)], exclude=exclude)
    new = _block_messages(after, ev.date, s) - _block_messages(before, ev.date, s)
    return [Refusal(f"{message}（{engine.registry.get(rid).citation}，{rid}）", rid) for rid, message in sorted(new)]


def stage_of(case: Case) -> int:
    """The index in `choices.STAGES` of the furthest stage the file has reached."""
    return max((i for i, (_, steps) in enumerate(STAGES) for st in steps if case.has(st)), default=0)


@dataclass(frozen=True)
class Due:
    step: str
    window: Window

    @property
    def label(self) -> str:
        return Step(self.step).label


def dues(case: Case, facts: Facts, settings: dict | None = None) -> list[Due]:
    """The steps that may come next with their windows (steps with no possible date left out)."""
    s = _settings(settings)
    out = []
    for step in next_steps(case):
        w = window(case, step, facts, s)
        if w is not None:
            out.append(Due(step, w))
    return out
