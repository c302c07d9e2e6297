"""个人信息保护 actions: export one person's data (查阅复制权), anonymise a non-member after the retention period
(删除/匿名化), prune the access log. The views, the API, the `dangjian export_person` / `anonymise_expired`
commands and the nightly job all call these."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Max, Q
from django.utils import timezone

from dangjian.core import audit, engine
from dangjian.core.errors import ActionError
from dangjian.core.periods import add_months, add_years
from dangjian.core.permissions import VIEW_ID_NUMBER, can_in_org
from dangjian.people.choices import LEFT_STATUSES, PIPELINE_STATUSES
from dangjian.people.models import Person

from . import export
from .access import record_access
from .choices import Channel, Purpose
from .models import Anonymisation, PersonalDataAccess

PLACEHOLDER = "（已匿名化）"
# Identifying fields of the person: replaced. Everything else on the record (gender, ethnicity, education, year of
# birth, party dates and status, org, dues and personnel category …) is what 党内统计 and the historical counts read.
PERSON_BLANKED = ("id_number_encrypted", "id_number_digest", "phone", "job_title", "external_id")
USER_BLANKED = ("first_name", "last_name", "display_name", "email")
LOGENTRY_KEYS = {"name", "id_number_encrypted", "phone", "job_title", "external_id", "birth_date", "username",
                 "first_name", "last_name", "display_name", "email"}


def placeholder_name(person_id: int) -> str:
    return f"已匿名化人员{person_id}"


# --- 个人数据导出 ----------------------------------------------------------------------------------
def do_export_person_data(actor, person: Person, *, request=None) -> tuple[bytes, str]:
    """The zip of everything that refers to `person` (see `export`), and its file name. An export holds the full
    公民身份号码, so only a role that may see it in the person's org may export; it is audited and access-logged."""
    if getattr(actor, "is_authenticated", False) and not can_in_org(actor, VIEW_ID_NUMBER, person.org):
        raise ActionError("只有本组织的管理员可以导出个人数据。")
    content, data = export.build_zip(person, actor=actor)
    counts = {label: len(e["rows"]) for label, e in data["records"].items() if e["rows"]}
    with transaction.atomic():
        audit.record("person.data_export", f"导出人员#{person.pk}的个人数据（{sum(counts.values())} 条记录）",
                     actor=actor, org=person.org, person=person, obj=person, counts=counts)
        record_access(request, person, Purpose.PERSON_EXPORT, actor=actor, skip_self=False,
                      channel=None if request is not None else Channel.CLI)
    day = timezone.localdate()
    return content, f"个人数据-{person.pk}-{day:%Y%m%d}.zip"


# --- 保存期限与匿名化 -------------------------------------------------------------------------------
def retention_years() -> int:
    return int(engine.effective_settings().get("privacy_non_member_retention_years") or 5)


def left_on(person: Person) -> dt.date | None:
    """Since when `person` is a non-member whose data the platform keeps only for the retention period, or None
    (a member, 停止党籍 — still managed and may be restored —, or someone still in the recruitment pipeline).

    * 转出 out of the platform, 除名 (the platform's status for 除名/出党/退党), 去世: the date of that status;
    * an 申请人/积极分子/发展对象 never admitted: the last sign of the process — the latest close of their
      发展党员纪实 (none may be open), their status date or application date, the record's last change."""
    if person.status in LEFT_STATUSES:
        return person.status_since or timezone.localdate(person.updated)
    if person.status in PIPELINE_STATUSES:
        files = person.recruitment_files.aggregate(open=models.Count("pk", filter=Q(closed__isnull=True)),
                                                   last=Max("closed"))
        if files["open"]:
            return None
        dates = [d for d in (files["last"], person.status_since, person.application_date,
                             timezone.localdate(person.updated)) if d]
        return max(dates) if dates else None
    return None


def expires_on(person: Person, years: int | None = None) -> dt.date | None:
    day = left_on(person)
    return add_years(day, years if years is not None else retention_years()) if day else None


def expired(as_of: dt.date | None = None, years: int | None = None) -> list[tuple[Person, dt.date]]:
    """(person, left on) of everyone whose retention period has run out by `as_of` and who is not yet anonymised.
    The candidates are narrowed in the database; `left_on` decides for each."""
    as_of = as_of or timezone.localdate()
    years = years if years is not None else retention_years()
    cutoff = add_years(as_of, -years)
    qs = (Person.objects.filter(status__in=LEFT_STATUSES | PIPELINE_STATUSES)
          .filter(Q(status_since__isnull=True) | Q(status_since__lte=cutoff))
          .exclude(pk__in=Anonymisation.objects.values("person_id")).order_by("pk"))
    out = []
    for p in qs.iterator(chunk_size=500):
        day = left_on(p)
        if day is not None and add_years(day, years) <= as_of:
            out.append((p, day))
    return out


def _replace(value, names: list[str], person_id: int):
    if isinstance(value, str):
        for n in names:
            if n in value:
                value = value.replace(n, placeholder_name(person_id))
        return value
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False)
        new = _replace(text, names, person_id)
        return json.loads(new) if new != text else value
    return value


def _scrub_related(person: Person, user, names: list[str]) -> int:
    """Replace the person's names in the free text of every record that refers to them (audit summaries, finding
    messages, notifications …), found like the export finds them. Returns how many rows changed."""
    changed = 0
    if not names:
        return 0
    for rel in export.relations():
        qs = export.rows_for(rel, person, user)
        if qs is None:
            continue
        text_fields = [f for f in rel.model._meta.concrete_fields
                       if isinstance(f, (models.CharField, models.TextField, models.JSONField))
                       and not f.choices and not f.primary_key and not f.is_relation]
        if not text_fields:
            continue
        is_logentry = rel.kind == "generic"
        dirty = []
        for obj in qs:
            fields = set()
            for f in text_fields:
                old = getattr(obj, f.attname)
                new = _replace(old, names, person.pk)
                if is_logentry and f.name == "changes" and isinstance(new, dict):
                    new = {k: ([PLACEHOLDER, PLACEHOLDER] if k in LOGENTRY_KEYS else v) for k, v in new.items()}
                if is_logentry and f.name == "object_repr":
                    new = placeholder_name(person.pk)
                if new != old:
                    setattr(obj, f.attname, new)
                    fields.add(f.name)
            if fields:
                dirty.append((obj, fields))
        for obj, fields in dirty:
            rel.model._base_manager.filter(pk=obj.pk).update(**{f: getattr(obj, rel.model._meta.get_field(f).attname)
                                                                for f in fields})
        changed += len(dirty)
    return changed


def do_anonymise_person(person: Person, *, acting_user=None, as_of: dt.date | None = None,
                        require_expired: bool = True, reason: str = "保存期限届满") -> tuple[Person, bool]:
    """Replace what identifies a non-member — 姓名, 公民身份号码, 联系电话, 职务, 交换编号, the day and month of birth
    (the year is kept, as 1 July) — and the names in the free text of the records about them; deactivate and
    scrub their login (kept, so that what they did stays attributed to the anonymised record). Counts and party
    dates stay, so 党内统计 of past years do not change. Never a member (nor 停止党籍); by default only after the
    retention period (`require_expired=False`: an erasure request before it). Idempotent: returns (person, False)
    when already done. The audit event names no personal data."""
    from auditlog.context import disable_auditlog

    as_of = as_of or timezone.localdate()
    with transaction.atomic(), disable_auditlog():
        p = Person.objects.select_for_update().get(pk=person.pk)
        if Anonymisation.objects.filter(person=p).exists():
            return p, False
        day = left_on(p)
        if day is None:
            raise ActionError(f"“{p.name}”为{p.get_status_display()}，仍由党组织管理，不能匿名化。")
        years = retention_years()
        due = add_years(day, years)
        if require_expired and as_of < due:
            raise ActionError(f"“{p.name}”自 {day:%Y-%m-%d} 起不再是党员，保存期限 {years} 年，{due:%Y-%m-%d} 届满后方可匿名化。")
        user = export.account_of(p)
        names = sorted({n for n in (p.name, getattr(user, "display_name", ""), user.get_full_name() if user else "")
                        if n and len(n) >= 2}, key=len, reverse=True)
        scrubbed = _scrub_related(p, user, names)
        updates = {f: "" for f in PERSON_BLANKED}
        updates["name"] = placeholder_name(p.pk)
        if p.birth_date:
            updates["birth_date"] = dt.date(p.birth_date.year, 7, 1)
        Person.objects.filter(pk=p.pk).update(**updates, updated=timezone.now())
        if user is not None:
            User = get_user_model()
            User._base_manager.filter(pk=user.pk).update(
                **{f: "" for f in USER_BLANKED if hasattr(user, f)}, username=f"anonymised-{user.pk}",
                password="!anonymised", is_active=False)
            # An assignment is active through its end day: it ends the day before.
            last = as_of - dt.timedelta(days=1)
            user.role_assignments.filter(Q(end__isnull=True) | Q(end__gt=last)).update(end=last)
        Anonymisation.objects.create(person=p, left_on=day, reason=reason[:100])
        audit.record("person.anonymise", f"人员#{p.pk}的个人信息已匿名化（{reason}）", actor=acting_user,
                     org=p.org, person=p, obj=p, left_on=day, years=years, rows=scrubbed,
                     account=bool(user))
        engine.schedule([p.org_id], changed=(Person,))
    p.refresh_from_db()
    return p, True


@dataclass
class AnonymiseResult:
    candidates: list
    done: int = 0

    def __str__(self):
        return f"到期 {len(self.candidates)} 人，已匿名化 {self.done} 人"


def anonymise_expired(*, as_of: dt.date | None = None, dry_run: bool = False, acting_user=None) -> AnonymiseResult:
    """The nightly job and `dangjian anonymise_expired`: everyone past the retention period, one transaction each."""
    result = AnonymiseResult(expired(as_of))
    if not dry_run:
        for p, _ in result.candidates:
            _, did = do_anonymise_person(p, acting_user=acting_user, as_of=as_of)
            result.done += did
    return result


def prune_access_log(*, now: dt.datetime | None = None) -> int:
    """Delete access records older than the retention period (`privacy_access_log_months`, at least 6)."""
    months = max(6, int(engine.effective_settings().get("privacy_access_log_months") or 36))
    now = now or timezone.now()
    day = timezone.localdate(now)
    cutoff_day = add_months(day, -months)
    cutoff = timezone.make_aware(dt.datetime.combine(cutoff_day, dt.time.min))
    deleted, _ = PersonalDataAccess.objects.filter(created__lt=cutoff).delete()
    if deleted:
        audit.record("privacy.prune", f"删除 {cutoff_day:%Y-%m-%d} 前的个人信息访问记录 {deleted} 条（保存 {months} 个月）",
                     count=deleted, months=months)
    return deleted
