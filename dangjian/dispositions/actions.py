"""State changes of 不合格党员组织处置 (DISP-01…04). Views, API and the demo all call these.

The procedure of DISP-04 is enforced in order — 支委会研究提出启动意见 (opening) → 报基层党委事前备案
→ 调查核实 → 支部大会讨论表决 → 报基层党委审批 — and a step out of order is refused with the article.
Each step is dated (not later than today, not earlier than the step before it), checked against the
acting user's scope (the person's branch or an org above it), atomic and audited.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.core import audit, crypto, engine
from dangjian.core.errors import ActionError
from dangjian.core.periods import add_months, add_years
from dangjian.core.permissions import ADD, CHANGE, can_in_org
from dangjian.people.choices import MEMBER_STATUSES, Status
from dangjian.people.models import Person

from .choices import ACTIVE_STATES, Ground, Measure, Outcome, State
from .models import Disposition
from .rules import (CORRECTION_MAX_MONTHS, CORRECTION_MONTHS_KEY, DISP01, DISP02, DISP04, REENTRY_YEARS)

PROCEDURE = "程序：支委会研究提出启动意见→报基层党委事前备案→调查核实→支部大会讨论表决→报基层党委审批"
# What each state waits for (the next step), for messages and the UI.
NEXT_STEP = {
    State.PROPOSED: "file",
    State.FILED: "investigate",
    State.INVESTIGATED: "vote",
    State.VOTED: "approve",
}
STEP_LABELS = {
    "file": "报基层党委事前备案", "investigate": "调查核实", "vote": "支部大会讨论表决",
    "approve": "报基层党委审批", "close_correction": "登记改正期满结果", "withdrawal": "登记本人是否退党",
}


def next_step(d: Disposition) -> str | None:
    """The one step the procedure allows now (None: nothing left to record)."""
    if d.state in NEXT_STEP:
        return NEXT_STEP[d.state]
    if d.state == State.EFFECTIVE:
        return "close_correction" if d.measure == Measure.CORRECTION else "withdrawal"
    return None


def _actor(user):
    return user if getattr(user, "is_authenticated", False) else None


def _require(user, org, action=CHANGE) -> None:
    # Without a user (import, demo, shell) the caller has already decided.
    if user is not None and not can_in_org(user, action, org):
        raise ActionError("组织处置须由该党员所在党支部或上级党组织的管理员办理。", field="person")


def _check_day(day, field: str, *, after: dt.date | None = None, after_what: str = "") -> dt.date:
    if day is None:
        raise ActionError("请填写日期。", field=field)
    if day > timezone.localdate():
        raise ActionError("日期不能晚于今天：请在该步骤完成后再登记。", field=field)
    if after is not None and day < after:
        raise ActionError(f"日期不能早于{after_what}（{after:%Y-%m-%d}）：{PROCEDURE}，不能颠倒（DISP-04）。",
                          field=field, rule="DISP-04")
    return day


def _in_order(d: Disposition, step: str) -> None:
    allowed = next_step(d)
    if allowed == step:
        return
    if allowed is None:
        raise ActionError(f"该组织处置{d.get_state_display()}，不能再登记“{STEP_LABELS.get(step, step)}”。",
                          field="state")
    raise ActionError(f"当前应先{STEP_LABELS[allowed]}，不能直接{STEP_LABELS.get(step, step)}：{PROCEDURE}"
                      f"（{DISP04}）。", field="state", rule="DISP-04")


def _lock(d: Disposition) -> Disposition:
    return Disposition.objects.select_for_update(of=("self",)).select_related("person", "org").get(pk=d.pk)


def _record(d: Disposition, verb: str, summary: str, user, **data) -> None:
    audit.record(f"disposition.{verb}", f"{d.person.name}（{d.get_measure_display()}）：{summary}",
                 actor=user, org=d.org, person=d.person, obj=d, **data)
    engine.schedule({d.org_id, d.person.org_id} - {None})


# --- opening: 支委会研究提出启动意见 --------------------------------------------------------------
@transaction.atomic
def do_open_disposition(*, person: Person, measure: str, grounds: str, committee_date: dt.date,
                        facts: str = "", appraisal_grade=None, sanctioned_for_same_issue: bool = False,
                        acting_user=None) -> Disposition:
    """Open a disposition: the 支委会 (or, without one, the 党员大会) has studied the case and proposes
    the measure. DISP-01 refuses a disposition for an issue already punished by party discipline."""
    p = Person.objects.select_for_update(of=("self",)).select_related("org").get(pk=person.pk)
    if p.org is None:
        raise ActionError(f"{p.name}未编入党组织，无法启动组织处置。", field="person")
    _require(acting_user, p.org, ADD)
    if p.status not in MEMBER_STATUSES:
        raise ActionError(f"{p.name}现为{p.get_status_display()}，组织处置只适用于党员。", field="person")
    if measure not in Measure.values:
        raise ActionError(f"未知的处置方式：{measure}", field="measure")
    if grounds not in Ground.values:
        raise ActionError(f"请选择处置情形（DISP-03）。", field="grounds")
    if sanctioned_for_same_issue:
        raise ActionError(f"{p.name}已因同一问题受到党纪处分，不再作组织处置：{DISP01}。",
                          field="sanctioned_for_same_issue", rule="DISP-01")
    facts = (facts or "").strip()
    if grounds == Ground.OTHER and not facts:
        raise ActionError("处置情形为“其他”时，请写明主要事实。", field="facts")
    if appraisal_grade is not None:
        from dangjian.orglife.choices import Grade

        if appraisal_grade.person_id != p.pk or appraisal_grade.grade != Grade.UNQUALIFIED:
            raise ActionError("所选民主评议结果不是该党员的“不合格”等次。", field="appraisal_grade")
    _check_day(committee_date, "committee_date")
    current = Disposition.objects.filter(person=p, state__in=ACTIVE_STATES).first()
    if current is not None:
        raise ActionError(f"{p.name}已有一项进行中的组织处置（{current.get_measure_display()}，"
                          f"{current.get_state_display()}），请在该处置结束后再启动新的处置。", field="person")
    d = Disposition.objects.create(
        person=p, org=p.org, measure=measure, grounds=grounds, facts=facts, appraisal_grade=appraisal_grade,
        state=State.PROPOSED, opened=committee_date, committee_date=committee_date,
        entered_by=_actor(acting_user))
    d.person = p
    _record(d, "open", f"支委会于{committee_date:%Y-%m-%d}研究提出启动意见（{d.get_grounds_display()}）", acting_user,
            after={"measure": measure, "grounds": grounds, "committee_date": committee_date, "facts": facts})
    return d


# --- 报基层党委事前备案 -----------------------------------------------------------------------------
@transaction.atomic
def do_file_disposition(disposition: Disposition, *, date: dt.date, acting_user=None) -> Disposition:
    d = _lock(disposition)
    _require(acting_user, d.org)
    _in_order(d, "file")
    d.filed_date = _check_day(date, "date", after=d.committee_date, after_what="支委会研究提出启动意见的日期")
    d.state = State.FILED
    d.save(update_fields=["filed_date", "state"])
    _record(d, "file", f"{date:%Y-%m-%d}报基层党委事前备案", acting_user, after={"filed_date": date})
    return d


# --- 调查核实 --------------------------------------------------------------------------------------
@transaction.atomic
def do_record_investigation(disposition: Disposition, *, date: dt.date, note: str, acting_user=None) -> Disposition:
    d = _lock(disposition)
    _require(acting_user, d.org)
    _in_order(d, "investigate")
    note = (note or "").strip()
    if not note:
        raise ActionError("请写明调查核实的情况（核实了哪些事实、本人的意见）。", field="note")
    d.investigated_date = _check_day(date, "date", after=d.filed_date, after_what="报基层党委备案的日期")
    d.investigation_note = note
    d.state = State.INVESTIGATED
    d.save(update_fields=["investigated_date", "investigation_note", "state"])
    _record(d, "investigate", f"{date:%Y-%m-%d}完成调查核实", acting_user,
            after={"investigated_date": date, "note": note})
    return d


# --- 支部大会讨论表决 --------------------------------------------------------------------------------
def validate_vote(eligible: int, present: int, yes: int, no: int = 0, abstain: int = 0) -> None:
    """The tally itself (as `orglife.actions._validate_vote`) and DEV-14's quorum: the vote cannot be
    held unless strictly more than half of the voting members are present."""
    if min(eligible, present, yes, no, abstain) < 0:
        raise ActionError("人数不能为负数。", field="vote_present")
    if eligible == 0:
        raise ActionError("请填写应到会有表决权的党员人数。", field="vote_eligible")
    if present > eligible:
        raise ActionError(f"实到人数（{present}）不能多于应到人数（{eligible}）。", field="vote_present")
    if yes + no + abstain > present:
        raise ActionError(f"赞成、反对、弃权合计（{yes + no + abstain}）多于实到人数（{present}）。", field="vote_yes")
    if 2 * present <= eligible:
        raise ActionError(f"到会有表决权党员{present}人，未超过应到{eligible}人的半数，不能表决：支部大会表决参照发展党员"
                          f"支部大会，有表决权的到会人数必须超过应到会有表决权人数的半数（DISP-04）。",
                          field="vote_present", rule="DISP-04")


@transaction.atomic
def do_record_vote(disposition: Disposition, *, date: dt.date, eligible: int, present: int, yes: int,
                   no: int = 0, abstain: int = 0, acting_user=None) -> Disposition:
    """The 支部大会's vote. It passes when the yes votes exceed half of the eligible voting members
    (not of those present); a vote that does not pass ends the disposition (未通过)."""
    d = _lock(disposition)
    _require(acting_user, d.org)
    _in_order(d, "vote")
    _check_day(date, "date", after=d.investigated_date, after_what="调查核实的日期")
    validate_vote(eligible, present, yes, no, abstain)
    d.vote_date, d.vote_eligible, d.vote_present = date, eligible, present
    d.vote_yes, d.vote_no, d.vote_abstain = yes, no, abstain
    passed = 2 * yes > eligible
    if passed:
        d.state = State.VOTED
    else:
        d.state, d.outcome, d.outcome_date = State.REJECTED, Outcome.VOTE_FAILED, date
    d.save()
    tally = f"应到{eligible}人，实到{present}人，赞成{yes}、反对{no}、弃权{abstain}"
    _record(d, "vote", f"{date:%Y-%m-%d}支部大会表决{'通过' if passed else '未通过'}（{tally}）", acting_user,
            after={"vote_date": date, "eligible": eligible, "present": present, "yes": yes, "no": no,
                   "abstain": abstain, "passed": passed})
    return d


# --- 报基层党委审批 → effective ----------------------------------------------------------------------
def correction_months() -> int:
    return int(engine.effective_settings()[CORRECTION_MONTHS_KEY])


def check_correction_period(start: dt.date, deadline: dt.date) -> None:
    """DISP-02: 限期改正时间一般6个月，最长不超过1年 (the same day a year later is still allowed)."""
    if deadline <= start:
        raise ActionError("改正期限应晚于改正期起始日期。", field="correction_deadline")
    latest = add_months(start, CORRECTION_MAX_MONTHS)
    if deadline > latest:
        raise ActionError(f"改正期限{deadline:%Y-%m-%d}超过1年（最迟{latest:%Y-%m-%d}）：{DISP02}。",
                          field="correction_deadline", rule="DISP-02")


@transaction.atomic
def do_approve_disposition(disposition: Disposition, *, date: dt.date, approved: bool = True, note: str = "",
                           correction_deadline: dt.date | None = None, acting_user=None) -> Disposition:
    """基层党委审批. Approved, the disposition takes effect on that day: a 限期改正 starts its period
    (default `disposition_correction_months`, at most 12 months); a 劝其退党 or 除名 records the 5-year
    re-entry bar, and 除名 takes the person off the roll (`people.actions.do_change_status` → 已除名)."""
    from dangjian.people.actions import do_change_status

    d = _lock(disposition)
    _require(acting_user, d.org)
    _in_order(d, "approve")
    _check_day(date, "date", after=d.vote_date, after_what="支部大会表决的日期")
    note = (note or "").strip()
    if not approved:
        d.approved_date = None
        d.state, d.outcome, d.outcome_date, d.outcome_note = State.REJECTED, Outcome.NOT_APPROVED, date, note
        d.save()
        _record(d, "reject", f"{date:%Y-%m-%d}基层党委未批准" + (f"：{note}" if note else ""), acting_user,
                after={"approved": False, "date": date, "note": note})
        return d
    d.approved_date = date
    d.state = State.EFFECTIVE
    after = {"approved_date": date}
    if d.measure == Measure.CORRECTION:
        d.correction_start = date
        d.correction_deadline = correction_deadline or add_months(date, correction_months())
        check_correction_period(d.correction_start, d.correction_deadline)
        after.update(correction_start=date, correction_deadline=d.correction_deadline)
    else:
        d.reentry_barred_until = add_years(date, REENTRY_YEARS)
        d.id_number_digest = d.person.id_number_digest or ""
        after["reentry_barred_until"] = d.reentry_barred_until
        if correction_deadline is not None:
            raise ActionError("只有限期改正需要改正期限。", field="correction_deadline")
    if d.measure == Measure.EXPEL:
        d.state, d.outcome, d.outcome_date = State.CLOSED, Outcome.EXPELLED, date
    d.outcome_note = note
    d.save()
    summary = f"{date:%Y-%m-%d}基层党委批准，处置生效"
    if d.measure == Measure.CORRECTION:
        summary += f"；改正期限至{d.correction_deadline:%Y-%m-%d}"
    else:
        summary += f"；5年内不得重新入党（{d.reentry_barred_until:%Y-%m-%d}起方可重新申请）"
    _record(d, "approve", summary, acting_user, after=after)
    if d.measure == Measure.EXPEL:
        do_change_status(d.person, Status.REMOVED, on=date, reason=f"组织处置：除名（{d.get_grounds_display()}）",
                         acting_user=acting_user)
    return d


# --- the end of a 限期改正 ----------------------------------------------------------------------------
@transaction.atomic
def do_close_correction(disposition: Disposition, *, date: dt.date, corrected: bool, note: str,
                        acting_user=None) -> Disposition:
    """改正 (closed) or 期满仍无转变: the latter is a 劝其退党 situation (DISP-03), offered as the next
    disposition — the branch opens it, the system does not."""
    d = _lock(disposition)
    _require(acting_user, d.org)
    _in_order(d, "close_correction")
    _check_day(date, "date", after=d.correction_start, after_what="改正期起始日期")
    note = (note or "").strip()
    if not note:
        raise ActionError("请写明改正情况（本人表现、支部评价）。", field="note")
    if not corrected and date < d.correction_deadline:
        raise ActionError(f"改正期限{d.correction_deadline:%Y-%m-%d}尚未届满，不能认定“期满仍无转变”。", field="date")
    d.state, d.outcome_date, d.outcome_note = State.CLOSED, date, note
    d.outcome = Outcome.CORRECTED if corrected else Outcome.NO_CHANGE
    d.save(update_fields=["state", "outcome", "outcome_date", "outcome_note"])
    _record(d, "close", f"{date:%Y-%m-%d}{d.get_outcome_display()}" + ("" if corrected else "，可按程序劝其退党"),
            acting_user, after={"outcome": d.outcome, "date": date, "note": note})
    return d


# --- the answer to 劝其退党 ---------------------------------------------------------------------------
@transaction.atomic
def do_record_withdrawal(disposition: Disposition, *, date: dt.date, withdrew: bool, note: str = "",
                         acting_user=None) -> Disposition:
    """The member persuaded to withdraw either withdraws — taken off the roll through
    `people.actions.do_change_status` (the people module has no separate 退党 status, so the status is
    已除名 with the reason “劝其退党，本人同意退党”) — or refuses: 劝而不退 is a 除名 situation (DISP-03),
    offered as the next disposition. The 5-year bar was recorded at approval either way."""
    from dangjian.people.actions import do_change_status

    d = _lock(disposition)
    _require(acting_user, d.org)
    _in_order(d, "withdrawal")
    _check_day(date, "date", after=d.approved_date, after_what="基层党委批准的日期")
    note = (note or "").strip()
    d.state, d.outcome_date, d.outcome_note = State.CLOSED, date, note
    d.outcome = Outcome.WITHDREW if withdrew else Outcome.REFUSED
    d.save(update_fields=["state", "outcome", "outcome_date", "outcome_note"])
    _record(d, "withdrawal", f"{date:%Y-%m-%d}{d.get_outcome_display()}" + ("" if withdrew else "，可按程序予以除名"),
            acting_user, after={"outcome": d.outcome, "date": date, "note": note})
    if withdrew:
        do_change_status(d.person, Status.REMOVED, on=date, reason="劝其退党，本人同意退党", acting_user=acting_user)
    return d


# --- 撤销 ---------------------------------------------------------------------------------------------
@transaction.atomic
def do_cancel_disposition(disposition: Disposition, *, reason: str, acting_user=None) -> Disposition:
    """Stop a disposition before it takes effect (e.g. the investigation cleared the member)."""
    d = _lock(disposition)
    _require(acting_user, d.org)
    if d.state not in (State.PROPOSED, State.FILED, State.INVESTIGATED, State.VOTED):
        raise ActionError(f"该组织处置{d.get_state_display()}，不能撤销。", field="state")
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("撤销组织处置须注明理由。", field="reason")
    d.state, d.outcome_note, d.outcome_date = State.CANCELLED, reason, timezone.localdate()
    d.save(update_fields=["state", "outcome_note", "outcome_date"])
    _record(d, "cancel", f"撤销：{reason}", acting_user, reason=reason)
    return d


# --- for other modules ------------------------------------------------------------------------------
def reentry_bar(person_or_digest, day: dt.date) -> Disposition | None:
    """DISP-02: the 劝其退党 or 除名 that bars this person from joining again on `day` (None: no bar).

    `person_or_digest` is a Person (matched by its id and its 公民身份号码 blind index) or the blind
    index itself (`crypto.blind_index(number)`, as `Person.id_number_digest`). The bar runs from the
    approval day up to the day before `reentry_barred_until` (approval + 5 years)."""
    if isinstance(person_or_digest, Person):
        cond = Q(person_id=person_or_digest.pk)
        if person_or_digest.id_number_digest:
            # Every configured key's digest of the number: a bar a key rotation has not reached yet holds too.
            try:
                digests = crypto.blind_indexes(person_or_digest.id_number) or [person_or_digest.id_number_digest]
            except ValueError:  # a number no configured key opens: its stored index still matches
                digests = [person_or_digest.id_number_digest]
            cond |= Q(id_number_digest__in=digests) | Q(person__id_number_digest__in=digests)
    elif isinstance(person_or_digest, str) and person_or_digest:
        cond = Q(id_number_digest=person_or_digest) | Q(person__id_number_digest=person_or_digest)
    else:
        return None
    return (Disposition.objects.barring(day).filter(cond).select_related("person", "org")
            .order_by("-reentry_barred_until", "-pk").first())
