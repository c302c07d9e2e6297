"""个人信息保护 actions: export one person's data (查阅复制权), anonymise a non-member after the retention period
(删除/匿名化), prune the access log. The views, the API, the `dangjian export_person` / `anonymise_expired`
commands and the nightly job all call these."""
from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field

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
from .masking import PERSONAL_KEYS
from .models import Anonymisation, PersonalDataAccess

log = logging.getLogger(__name__)
PLACEHOLDER = "（已匿名化）"
# Identifying fields of the person: replaced. Everything else on the record (gender, ethnicity, education, year of
# birth, party dates and status, org, dues and personnel category …) is what 党内统计 and the historical counts read.
PERSON_BLANKED = ("id_number_encrypted", "id_number_digest", "phone", "job_title", "external_id")
USER_BLANKED = ("first_name", "last_name", "display_name", "email")


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
    * an 申请人/积极分子/发展对象: only once their 发展党员纪实 was closed (停止培养, 撤回申请 …) and none is open —
      the latest close (or a later status date). Never by how old the record is: an applicant whose file is open,
      or who has no file at all, is still in the pipeline however long ago the record last changed.
    The candidates of `expired` carry `_open_files`/`_last_closed` (one query for all); otherwise one aggregate."""
    if person.status in LEFT_STATUSES:
        return person.status_since or timezone.localdate(person.updated)
    if person.status in PIPELINE_STATUSES:
        if hasattr(person, "_open_files"):
            open_files, last = person._open_files, person._last_closed
        else:
            files = person.recruitment_files.aggregate(open=models.Count("pk", filter=Q(closed__isnull=True)),
                                                       last=Max("closed"))
            open_files, last = files["open"], files["last"]
        if open_files or last is None:
            return None
        return max(d for d in (last, person.status_since) if d)
    return None


def expires_on(person: Person, years: int | None = None) -> dt.date | None:
    day = left_on(person)
    return add_years(day, years if years is not None else retention_years()) if day else None


def expired(as_of: dt.date | None = None, years: int | None = None) -> list[tuple[Person, dt.date]]:
    """(person, left on) of everyone whose retention period has run out by `as_of` and who is not yet anonymised.
    The candidates are narrowed in the database (their recruitment files counted in the same query); `left_on`
    decides for each without another query."""
    as_of = as_of or timezone.localdate()
    years = years if years is not None else retention_years()
    cutoff = add_years(as_of, -years)
    qs = (Person.objects.filter(status__in=LEFT_STATUSES | PIPELINE_STATUSES)
          .filter(Q(status_since__isnull=True) | Q(status_since__lte=cutoff))
          .exclude(pk__in=Anonymisation.objects.values("person_id"))
          .annotate(_open_files=models.Count("recruitment_files", filter=Q(recruitment_files__closed__isnull=True)),
                    _last_closed=Max("recruitment_files__closed"))
          .order_by("pk"))
    out = []
    for p in qs.iterator(chunk_size=500):
        day = left_on(p)
        if day is not None and add_years(day, years) <= as_of:
            out.append((p, day))
    return out


# Keys whose values identify someone, blanked wherever they occur (at any depth) in the JSON of the records about
# the person — audit events' before/after, audit-log changes — including former values. The contact and identifier
# keys (`masking.PERSONAL_KEYS`: phone, e-mail, ID number …) are also what a reader of the trail sees masked.
SENSITIVE_KEYS = PERSONAL_KEYS | frozenset({"name", "job_title", "birth_date", "username", "first_name", "last_name",
                                            "display_name", "letter_no", "to_name", "from_name"})
# Free-text identifiers on the person's own rows, blanked: a 介绍信编号 or an exchange id leads back to the person.
ROW_BLANKED = {"membership.transfer": ("letter_no", "external_id"),
               "recruitment.recruitmentfile": ("external_id",)}


def _replace(value, needles: dict[str, str], keys: bool = True):
    """`value` with every needle replaced (strings, and JSON at any depth); with `keys`, the values of
    `SENSITIVE_KEYS` blanked too (only in the records about the person — never in others' records)."""
    if isinstance(value, str):
        for n, repl in needles.items():
            if n in value:
                value = value.replace(n, repl)
        return value
    if isinstance(value, dict):
        return {k: (_blank(v) if keys and k in SENSITIVE_KEYS else _replace(v, needles, keys))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, needles, keys) for v in value]
    return value


def _blank(value):
    if isinstance(value, list):
        return [_blank(v) for v in value]
    if isinstance(value, dict):
        return {k: _blank(v) for k, v in value.items()}
    return PLACEHOLDER if value not in (None, "") else value


def _former_names(p: Person, user) -> set[str]:
    """Names the person had before (a 更名 recorded in the audit trail and the audit log) and the account's names."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from dangjian.core.models import AuditEvent

    found: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            for k, v in value.items():
                if k in ("name", "display_name", "username") and isinstance(v, str):
                    found.add(v)
                elif k in ("name", "display_name", "username") and isinstance(v, list):
                    found.update(x for x in v if isinstance(x, str))
                else:
                    walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for data in AuditEvent.objects.filter(Q(person=p) | Q(object_type="people.person", object_id=str(p.pk))
                                          ).values_list("data", flat=True):
        walk(data)
    cts = [(ContentType.objects.get_for_model(Person), p.pk)]
    if user is not None:
        cts.append((ContentType.objects.get_for_model(user), user.pk))
    for ct, pk in cts:
        for changes in LogEntry.objects.filter(content_type=ct, object_pk=str(pk)).values_list("changes", flat=True):
            if isinstance(changes, str):
                try:
                    changes = json.loads(changes)
                except ValueError:
                    continue
            walk(changes)
    return found


def _text_fields(model):
    # (`*_digest` columns are keyed indexes, not text: a 处置's ID index stays until its re-entry bar ends —
    # `expire_disposition_digests` — so that the person is still recognised if they apply again within it.)
    return [f for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField, models.FileField))
            and not f.choices and not f.primary_key and not f.is_relation and not f.name.endswith("_digest")]


def _rename_file(field_file, new_name: str) -> str:
    """Store the attachment under a name without the person's name; the old file is removed. Best effort: a
    missing file keeps only the new name."""
    storage = field_file.storage
    try:
        with storage.open(field_file.name) as fh:
            saved = storage.save(new_name, fh)
        storage.delete(field_file.name)
        return saved
    except (OSError, ValueError):
        return new_name


def _scrub_rows(model, qs, needles: dict[str, str], blank: tuple = (), keys: bool = True) -> int:
    """Replace the needles in every text, JSON and file-name column of the rows, blank `SENSITIVE_KEYS` in their
    JSON and the `blank` columns. One UPDATE per changed row."""
    from auditlog.models import LogEntry

    fields = _text_fields(model)
    is_logentry = model is LogEntry
    changed = 0
    for obj in qs:
        dirty = {}
        for f in fields:
            old = getattr(obj, f.attname)
            if isinstance(f, models.FileField):
                name = old.name if old else ""
                new_name = _replace(name, needles, keys)
                if new_name != name:
                    dirty[f.attname] = _rename_file(old, new_name)
                continue
            if f.name in blank:
                new = ""
            elif is_logentry and f.name == "changes" and isinstance(old, str) and old.startswith("{"):
                try:
                    new = json.dumps(_replace(json.loads(old), needles, keys), ensure_ascii=False)
                except ValueError:
                    new = _replace(old, needles, keys)
            else:
                new = _replace(old, needles, keys)
            if new != old:
                dirty[f.attname] = new
        if dirty:
            model._base_manager.filter(pk=obj.pk).update(**dirty)
            changed += 1
    return changed


def _scrub_related(person: Person, user, needles: dict[str, str]) -> int:
    """Scrub every record about the person (`export.SUBJECT`: the rows that refer to them, their children —
    a 发展党员纪实's steps —, the audit events and audit-log entries about any of those rows, the notifications of
    the findings about them): names replaced and `SENSITIVE_KEYS` blanked. The records the person only entered for
    others (`export.RECORDER`) get their names replaced and nothing else."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from dangjian.core.models import AuditEvent

    if not needles:
        return 0
    subject: dict[type, set] = {}
    recorder: dict[type, set] = {}
    owned: dict[type, set] = {}     # the person's own records (`person=`): their children are about the person too
    for rel in export.relations():
        qs = export.rows_for(rel, person, user)
        if qs is None:
            continue
        pks = set(qs.values_list("pk", flat=True))
        if pks:
            (subject if export.role_of(rel) == "subject" else recorder).setdefault(rel.model, set()).update(pks)
            if rel.field in ("person", "persons") and rel.target == "person":
                owned.setdefault(rel.model, set()).update(pks)
    subject.setdefault(Person, set()).add(person.pk)
    if user is not None:
        subject.setdefault(type(user), set()).add(user.pk)
    # One hop down from the person's own records (a key with CASCADE: the steps of their 发展党员纪实) — not from a
    # meeting they chaired or a unit they head, whose other rows are about other people.
    for model, pks in owned.items():
        if model in (AuditEvent, LogEntry):
            continue
        for rel in model._meta.related_objects:
            if rel.on_delete is models.CASCADE and not rel.many_to_many and rel.field.model is not Person:
                child = rel.related_model
                subject.setdefault(child, set()).update(
                    child._base_manager.filter(**{f"{rel.field.name}__in": pks}).values_list("pk", flat=True))
    # Audit events and audit-log entries about any of those rows.
    event_q, log_q = Q(pk__in=[]), Q(pk__in=[])
    for model, pks in subject.items():
        if model in (AuditEvent, LogEntry) or not pks:
            continue
        ids = [str(pk) for pk in pks]
        event_q |= Q(object_type=model._meta.label_lower, object_id__in=ids)
        log_q |= Q(content_type=ContentType.objects.get_for_model(model), object_pk__in=ids)
    subject.setdefault(AuditEvent, set()).update(AuditEvent.objects.filter(event_q).values_list("pk", flat=True))
    subject.setdefault(LogEntry, set()).update(LogEntry.objects.filter(log_q).values_list("pk", flat=True))
    from dangjian.notify.models import Notification

    subject.setdefault(Notification, set()).update(
        Notification.objects.filter(finding__person=person).values_list("pk", flat=True))
    changed = 0
    for rows, keys in ((subject, True), (recorder, False)):
        for model, pks in rows.items():
            if model is Person or (user is not None and model is type(user)):
                continue        # (the person and the account themselves are blanked by the caller)
            if not keys:
                pks = pks - subject.get(model, set())
            blank = ROW_BLANKED.get(model._meta.label_lower, ()) if keys else ()
            for chunk in _chunks(sorted(pks), 500):
                changed += _scrub_rows(model, model._base_manager.filter(pk__in=chunk), needles, blank, keys)
    return changed


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def account_blocker(user, as_of: dt.date) -> str | None:
    """Why the person's login must not be disabled by the nightly job, or None: an account that still holds a role
    other than 党员 (an admin, an auditor …) or that signed in during the last 90 days is someone's working
    account — it is reported for a person to decide, never switched off silently."""
    if user is None:
        return None
    roles = user.role_assignments.exclude(role="member").filter(Q(end__isnull=True) | Q(end__gte=as_of))
    if roles.exists():
        return f"账户“{user.username}”仍有管理角色"
    if user.last_login and timezone.localdate(user.last_login) > as_of - dt.timedelta(days=90):
        return f"账户“{user.username}”近 90 天内登录过"
    return None


def do_anonymise_person(person: Person, *, acting_user=None, as_of: dt.date | None = None,
                        require_expired: bool = True, reason: str = "保存期限届满") -> tuple[Person, bool]:
    """De-identify (去标识化) a non-member: replace 姓名 (and former names, the login name), 公民身份号码, 联系电话,
    职务, 交换编号, the day and month of birth (the year is kept, as 1 July); replace the names and blank the
    identifying values (`SENSITIVE_KEYS`) in every record about them — audit events and audit-log entries of their
    related rows too, the notifications of their findings, 介绍信编号, attachment file names; deactivate and scrub
    their login (kept, so that what they did stays attributed to the placeholder). Counts, org and party dates stay,
    so 党内统计 of past years do not change. Never a member (nor 停止党籍); by default only after the retention period
    (`require_expired=False`: an erasure request before it). An account with an admin role or a recent login is
    refused (ActionError) for a person to look at. Idempotent: returns (person, False) when already done. The audit
    event names no personal data."""
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
        blocker = account_blocker(user, as_of)
        if blocker:
            raise ActionError(f"人员#{p.pk}：{blocker}，请先由管理员处理该账户，再匿名化。")
        names = {p.name, getattr(user, "display_name", ""), user.get_full_name() if user else "",
                 user.username if user else ""} | _former_names(p, user)
        needles = {n: placeholder_name(p.pk) for n in names if n and len(n) >= 2 and n != placeholder_name(p.pk)}
        plain_id = _plain_id_number(p)
        for secret in (p.phone, plain_id, p.id_number_digest, p.external_id):
            if secret and len(secret) >= 4:
                needles[secret] = PLACEHOLDER
        needles = dict(sorted(needles.items(), key=lambda kv: len(kv[0]), reverse=True))
        scrubbed = _scrub_related(p, user, needles)
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
            # An assignment is active through its end day: it ends the day before. One that had not started by
            # then never took effect and is removed — an end before the start would be a broken record.
            last = as_of - dt.timedelta(days=1)
            user.role_assignments.filter(start__gt=last).delete()
            user.role_assignments.filter(Q(end__isnull=True) | Q(end__gt=last)).update(end=last)
        Anonymisation.objects.create(person=p, left_on=day, reason=reason[:100])
        audit.record("person.anonymise", f"人员#{p.pk}的个人信息已去标识化（{reason}）", actor=acting_user,
                     org=p.org, person=p, obj=p, left_on=day, years=years, rows=scrubbed,
                     account=bool(user))
        engine.schedule([p.org_id], changed=(Person,))
    p.refresh_from_db()
    return p, True


def _plain_id_number(p: Person) -> str:
    from dangjian.core import crypto

    if not p.id_number_encrypted:
        return ""
    try:
        return crypto.decrypt(p.id_number_encrypted)
    except Exception:       # a ciphertext under a retired key: nothing to search for
        return ""


def expire_disposition_digests(as_of: dt.date) -> int:
    """Blank the 公民身份号码索引 of 处置 whose 5-year re-entry bar has ended: it was kept only to recognise the
    person applying again within the bar."""
    from dangjian.dispositions.models import Disposition

    return (Disposition.objects.filter(reentry_barred_until__lte=as_of).exclude(id_number_digest="")
            .update(id_number_digest=""))


@dataclass
class AnonymiseResult:
    candidates: list
    done: int = 0
    skipped: list = field(default_factory=list)     # (person id, reason)
    digests: int = 0

    def __str__(self):
        text = f"到期 {len(self.candidates)} 人，已匿名化 {self.done} 人"
        if self.skipped:
            text += f"，跳过 {len(self.skipped)} 人（" + "；".join(r for _, r in self.skipped) + "）"
        return text


def anonymise_expired(*, as_of: dt.date | None = None, dry_run: bool = False, acting_user=None) -> AnonymiseResult:
    """The nightly job and `dangjian anonymise_expired`: everyone past the retention period, one transaction each.
    One person refused (an admin account …) is logged and reported; the others still go on. Also blanks the ID
    number index of dispositions whose re-entry bar has ended."""
    as_of = as_of or timezone.localdate()
    result = AnonymiseResult(expired(as_of))
    if not dry_run:
        for p, _ in result.candidates:
            try:
                _, did = do_anonymise_person(p, acting_user=acting_user, as_of=as_of)
            except ActionError as e:
                log.warning("匿名化人员#%s 跳过：%s", p.pk, e.message)
                result.skipped.append((p.pk, e.message))
                continue
            result.done += did
        result.digests = expire_disposition_digests(as_of)
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
