"""组织关系 actions: issue a 介绍信 for a transfer out (the member stays with the branch until the receiving
organisation confirms the report), confirm that report, cancel a letter, record a transfer in, move a
member between two organisations on the platform in one step, and log a contact with a 流动党员.
Each is audited and re-judges the rules of the orgs it touched."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit, engine
from dangjian.core.errors import ActionError
from dangjian.core.periods import add_months
from dangjian.people.choices import MEMBER_STATUSES, Status
from dangjian.people.models import Person

from .choices import ContactWay, Direction
from .models import MobileContact, Transfer

RECORDS = (Transfer, MobileContact, Person)



def default_valid_until(letter_date: dt.date) -> dt.date:
    """REL-03 [P]: 介绍信有效期一般不超过3个月 (the jurisdiction's setting)."""
    months = int(engine.effective_settings().get("transfer_letter_valid_months") or 3)
    return add_months(letter_date, months) - dt.timedelta(days=1)


@transaction.atomic
def do_issue_transfer_out(person: Person, *, to_name: str = "", to_org=None, letter_no: str = "",
                          letter_date: dt.date, valid_until: dt.date | None = None, reason: str = "",
                          acting_user=None) -> Transfer:
    """开具组织关系介绍信. To an organisation on the platform it is a move (one action, with history);
    to one outside, the letter is pending until the receiving organisation's 回执 is confirmed."""
    from dangjian.people.actions import do_move_person

    person = Person.objects.select_for_update(of=("self",)).select_related("org").get(pk=person.pk)
    if person.status not in MEMBER_STATUSES or person.org is None:
        raise ActionError("只有在册的正式党员、预备党员可以转出组织关系。")
    if letter_date > timezone.localdate():
        raise ActionError("开具日期不能晚于今天。", field="letter_date")
    if Transfer.objects.filter(person=person, direction=Direction.OUT, reported_on__isnull=True,
                               cancelled_on__isnull=True).exists():
        raise ActionError(f"{person.name}已有尚未报到的组织关系介绍信，请先确认报到或撤销。")
    valid_until = valid_until or default_valid_until(letter_date)
    if valid_until < letter_date:
        raise ActionError("有效期不能早于开具日期。", field="valid_until")
    if to_org is not None:
        if to_org.pk == person.org_id:
            raise ActionError("接收党组织与现在所在党组织相同。", field="to_org")
        # The move records the completed 系统内 transfer itself, with this letter's details.
        return do_move_person(person, to_org, on=letter_date, acting_user=acting_user, letter_no=letter_no,
                              valid_until=valid_until, reason=reason).transfer
    if not (to_name or "").strip():
        raise ActionError("请填写接收党组织。", field="to_name")
    t = Transfer.objects.create(person=person, direction=Direction.OUT, org=person.org, from_org=person.org,
                                to_name=to_name.strip(), letter_no=letter_no.strip(), letter_date=letter_date,
                                valid_until=valid_until, reason=reason.strip(), created_by=audit.user_or_none(acting_user))
    audit.record("transfer.issue", f"为{person.name}开具组织关系介绍信，转往{t.to_name}（有效期至{valid_until:%Y-%m-%d}）",
                 actor=acting_user, org=person.org, person=person, obj=t)
    engine.schedule([person.org_id], changed=RECORDS)
    return t


@transaction.atomic
def do_confirm_report(transfer: Transfer, *, reported_on: dt.date, acting_user=None) -> Transfer:
    """The receiving organisation's 回执 came back: the member has reported there. The transfer is
    complete and the member leaves the sending branch (已转出)."""
    from dangjian.people.actions import do_change_status

    t = Transfer.objects.select_for_update().select_related("person").get(pk=transfer.pk)
    if not t.pending or t.direction != Direction.OUT:
        raise ActionError("该介绍信已办结或已撤销。")
    if reported_on > timezone.localdate() or (t.letter_date and reported_on < t.letter_date):
        raise ActionError("报到日期应在开具日期之后、今天之前。", field="reported_on")
    t.reported_on = reported_on
    t.save(update_fields=["reported_on"])
    do_change_status(t.person, Status.TRANSFERRED_OUT, on=reported_on, reason=f"组织关系转往{t.to_label}",
                     acting_user=acting_user)
    late = t.valid_until and reported_on > t.valid_until
    audit.record("transfer.report", f"{t.person.name}已到{t.to_label}报到（{reported_on:%Y-%m-%d}）"
                 + ("，超过介绍信有效期" if late else ""), actor=acting_user, org=t.org, person=t.person, obj=t)
    engine.schedule([t.org_id], changed=RECORDS)
    return t


@transaction.atomic
def do_cancel_transfer(transfer: Transfer, *, reason: str, acting_user=None) -> Transfer:
    t = Transfer.objects.select_for_update().select_related("person").get(pk=transfer.pk)
    if not t.pending:
        raise ActionError("该介绍信已办结或已撤销。")
    if not (reason or "").strip():
        raise ActionError("请写明撤销原因。", field="reason")
    t.cancelled_on, t.cancel_reason = timezone.localdate(), reason.strip()[:200]
    t.save(update_fields=["cancelled_on", "cancel_reason"])
    audit.record("transfer.cancel", f"撤销{t.person.name}的组织关系介绍信：{t.cancel_reason}", actor=acting_user,
                 org=t.org, person=t.person, obj=t)
    engine.schedule([t.org_id], changed=RECORDS)
    return t


@transaction.atomic
def do_receive_transfer_in(person: Person, *, from_name: str, letter_no: str = "", letter_date: dt.date | None,
                           reported_on: dt.date, acting_user=None) -> Transfer:
    """A member from an organisation outside the platform reported here with their letter. The person's
    record (created in the roster, or one who had left) is in the receiving organisation."""
    from dangjian.people.actions import do_change_status

    person = Person.objects.select_for_update(of=("self",)).select_related("org").get(pk=person.pk)
    if person.org is None:
        raise ActionError("请先在人员名册中把本人登记在接收的党组织。", field="person")
    if not (from_name or "").strip():
        raise ActionError("请填写转出党组织。", field="from_name")
    if reported_on > timezone.localdate() or (letter_date and reported_on < letter_date):
        raise ActionError("报到日期应在开具日期之后、今天之前。", field="reported_on")
    if person.status == Status.TRANSFERRED_OUT:
        back = Status.PROBATIONARY if person.probationary_date and not person.full_member_date else Status.FULL
        do_change_status(person, back, on=reported_on, reason=f"从{from_name.strip()}转入", acting_user=acting_user)
    elif person.status not in MEMBER_STATUSES:
        raise ActionError(f"{person.name}的党籍状态是{person.get_status_display()}，不能办理转入。")
    t = Transfer.objects.create(person=person, direction=Direction.IN, org=person.org, to_org=person.org,
                                from_name=from_name.strip(), letter_no=letter_no.strip(), letter_date=letter_date,
                                reported_on=reported_on, created_by=audit.user_or_none(acting_user))
    audit.record("transfer.receive", f"{person.name}从{t.from_name}转入（{reported_on:%Y-%m-%d}报到）", actor=acting_user,
                 org=person.org, person=person, obj=t)
    engine.schedule([person.org_id], changed=RECORDS)
    return t


@transaction.atomic
def do_record_contact(person: Person, *, date: dt.date, way: str, note: str = "", acting_user=None) -> MobileContact:
    """EDU-05: a contact with a 流动党员."""
    if way not in ContactWay.values:
        raise ActionError("请选择联系方式。", field="way")
    if date > timezone.localdate():
        raise ActionError("联系日期不能晚于今天。", field="date")
    if person.org_id is None:
        raise ActionError("本人不在任何党组织。")
    c = MobileContact.objects.create(person=person, org_id=person.org_id, date=date, way=way, note=(note or "")[:300],
                                     created_by=audit.user_or_none(acting_user))
    audit.record("mobile.contact", f"与流动党员{person.name}联系（{c.get_way_display()}，{date:%Y-%m-%d}）",
                 actor=acting_user, org=person.org, person=person, obj=c)
    engine.schedule([person.org_id], changed=RECORDS)
    return c
