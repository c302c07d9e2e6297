"""个人数据导出 (查阅复制权, 个人信息保护法第四十五条): every record that refers to one person, found through Django's
_meta — a foreign key, one-to-one or many-to-many to the Person or to the person's User account, in any installed
app, plus generic relations (django-auditlog's entries about them) — so a new app's records are exported without
anyone remembering to add them. The zip holds the records as JSON and a readable Excel summary."""
from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import uuid
import zipfile
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from dangjian.core import crypto

# Personal data stored encrypted that belongs in the person's copy: decrypted under its own name. Any other
# `*_encrypted` field (a TOTP secret …) is a credential, not personal data, and is left out like the rest below.
DECRYPTED = {("people.person", "id_number_encrypted")}
SECRET_WORDS = ("password", "secret", "token", "hash", "digest", "_encrypted")   # left out, not even masked


@dataclass(frozen=True)
class Relation:
    model: type[models.Model]
    field: str          # the field on `model` that points at the target
    target: str         # "person" or "user"
    kind: str           # "fk" (FK/O2O), "m2m", "generic"

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def key(self) -> str:
        return f"{self.label}.{self.field}"


# Every relation is classified (dangjian/privacy/tests/test_export.py fails on a new one that is not):
# * SUBJECT — the row is about the person (a key to the Person, the account's own roles, 2FA device, notifications,
#   audit-log entries about the person or the account): exported in full;
# * RECORDER — the person (through their account) only entered, confirmed, graded … the row, which is about someone
#   else: only how many such rows there are, per kind — never their content (other people's data).
SUBJECT = frozenset({
    "auditlog.logentry.content_type+object_pk", "core.auditevent.person", "core.finding.person",
    "accounts.user.person", "accounts.roleassignment.user", "accounts.totpdevice.user",
    "notify.notification.recipient", "orgs.unit.head", "orgs.post.person", "orglife.meeting.chair",
    "orglife.meeting.lecturer", "orglife.attendance.person", "orglife.critique.target", "orglife.talk.a",
    "orglife.talk.b", "orglife.appraisalgrade.person", "orglife.selfcheck.person", "orglife.rectificationitem.owner",
    "dispositions.disposition.person", "recruitment.recruitmentfile.person", "recruitment.recruitmentevent.persons",
    "dues.duesbase.person", "dues.duesexemption.person", "dues.duespayment.person", "membership.transfer.person",
    "membership.mobilecontact.person", "study.studyrecord.person", "study.trainingparticipant.person",
    "study.lectureschedule.person", "supervision.rectification.owner", "duty.contactpoint.leader",
    "duty.task.owner", "duty.responsibilitylist.person", "assessment.report.person",
    "assessment.accountability.person", "elections.candidate.person", "elections.exclusion.person",
    "exams.attempt.person", "privacy.personaldataaccess.person", "privacy.anonymisation.person",
})
RECORDER = frozenset({
    "auditlog.logentry.actor", "core.auditevent.actor", "core.finding.waived_by", "orglife.meeting.entered_by",
    "orglife.meetingattachment.uploaded_by", "orglife.selfcheck.entered_by", "orglife.rectificationitem.entered_by",
    # a 批评意见 the person made is about its target: counted, not copied
    "orglife.critique.author",
    "dispositions.disposition.entered_by", "recruitment.recruitmentfile.created_by",
    "recruitment.recruitmentevent.entered_by", "dues.duesbase.created_by", "dues.duesexemption.created_by",
    "dues.duespayment.recorded_by", "dues.duespayment.confirmed_by", "dues.duespublication.created_by",
    "membership.transfer.created_by", "membership.mobilecontact.created_by", "study.studyrecord.created_by",
    "study.studyplan.created_by", "study.meetingcredit.created_by", "study.trainingclass.created_by",
    "study.lectureschedule.created_by", "supervision.supervisionplan.created_by", "supervision.rectification.created_by",
    "supervision.suggestion.replied_by", "supervision.suggestion.created_by", "supervision.inspection.recorded_by",
    "duty.contactpoint.created_by", "duty.contactvisit.created_by", "duty.task.created_by",
    "duty.responsibilitytemplate.created_by", "duty.responsibilitylist.signed_by", "duty.responsibilitylist.created_by",
    "duty.evidence.confirmed_by", "assessment.scheme.created_by", "assessment.scheme.assessors",
    "assessment.manualscore.assessor", "assessment.reviewmeeting.created_by", "assessment.report.graded_by",
    "assessment.report.created_by", "assessment.accountability.created_by", "elections.election.created_by",
    "fourstrong.standard.created_by", "fourstrong.application.submitted_by", "fourstrong.application.reviewed_by",
    "fourstrong.application.decided_by", "fourstrong.application.created_by", "fourstrong.title.named_by",
    "fourstrong.recheck.recorded_by", "exams.questionbank.created_by", "exams.paper.created_by",
    "exams.exam.created_by", "privacy.personaldataaccess.actor",
})


def role_of(rel: "Relation") -> str | None:
    """"subject", "recorder", or None (not classified: treated as "recorder" — counted, never copied)."""
    return "subject" if rel.key in SUBJECT else "recorder" if rel.key in RECORDER else None


def relations() -> list[Relation]:
    """Every way a model of an installed app can point at a Person or a User (forward relations only; the
    reverse side of each is the model that holds the key)."""
    from django.contrib.auth import get_user_model

    from dangjian.people.models import Person

    targets = {Person: "person", get_user_model(): "user"}
    found: list[Relation] = []
    for model in apps.get_models():
        opts = model._meta
        for f in opts.fields:
            if f.is_relation and f.related_model in targets:
                found.append(Relation(model, f.name, targets[f.related_model], "fk"))
        for f in opts.many_to_many:
            if f.related_model in targets:
                found.append(Relation(model, f.name, targets[f.related_model], "m2m"))
        generic = _generic_keys(model)
        if generic:
            found.append(Relation(model, "%s+%s" % generic, "any", "generic"))
    return found


def _generic_keys(model) -> tuple[str, str] | None:
    """(content type field, object id field) of a generic reference: a GenericForeignKey, or the same pair without
    one (django-auditlog's LogEntry: `content_type` + `object_pk`)."""
    for f in model._meta.private_fields:
        if isinstance(f, GenericForeignKey):
            return f.ct_field, f.fk_field
    names = {f.name: f for f in model._meta.concrete_fields}
    ct = next((f.name for f in names.values() if f.is_relation and f.related_model is ContentType), None)
    if ct is None or model is ContentType:
        return None
    for candidate in ("object_pk", "object_id"):
        if candidate in names:
            return ct, candidate
    return None


def rows_for(rel: Relation, person, user) -> models.QuerySet | None:
    """The rows of `rel.model` that point at the person (or their account) through `rel.field`."""
    manager = rel.model._base_manager
    if rel.kind == "generic":
        ct_field, fk_field = rel.field.split("+")
        cond = models.Q(**{ct_field: ContentType.objects.get_for_model(person), fk_field: str(person.pk)})
        if user is not None:
            cond |= models.Q(**{ct_field: ContentType.objects.get_for_model(user), fk_field: str(user.pk)})
        return manager.filter(cond)
    obj = person if rel.target == "person" else user
    if obj is None:
        return None
    return manager.filter(**{rel.field: obj})


def _value(f, obj):
    value = getattr(obj, f.attname)
    if isinstance(f, models.FileField):
        return value.name if value else ""
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return None
    return value


def serialise(obj, *, label: bool = True) -> dict:
    """One row as plain JSON: every concrete field by name; a `*_encrypted` field decrypted under its own name
    (the person's data belongs in their copy, `DECRYPTED`), credentials (password hashes, 2FA secrets, recovery code
    digests, keyed indexes: `SECRET_WORDS`) left out."""
    out: dict = {}
    for f in obj._meta.concrete_fields:
        name = f.name
        if (obj._meta.label_lower, name) in DECRYPTED:
            raw = getattr(obj, f.attname)
            try:
                out[name[: -len("_encrypted")]] = crypto.decrypt(raw) if raw else ""
            except Exception:   # a ciphertext under a rotated key: say so rather than fail the export
                out[name[: -len("_encrypted")]] = "（无法解密）"
            continue
        if any(w in name for w in SECRET_WORDS):
            continue
        out[name] = _value(f, obj)
        if f.choices and getattr(obj, f.attname) not in (None, ""):
            out[f"{name}_display"] = str(getattr(obj, f"get_{name}_display")())
    if label:   # (not for related rows: their __str__ would follow keys, one query per row)
        out["_label"] = str(obj)[:200]
    return out


def collect(person) -> dict:
    """{"person": …, "user": …, "records": {model label: {"verbose_name", "via", "rows", "recorded"}}}. Every
    related model appears, with an empty list where the person has no rows, so the reader sees what was looked at.
    `rows` are the records about the person (`SUBJECT`); `recorded` counts, per field, the records the person only
    entered or confirmed for others (`RECORDER`) — their content is other people's data."""
    user = account_of(person)
    records: dict[str, dict] = {}
    for rel in relations():
        entry = records.setdefault(rel.label, {"verbose_name": str(rel.model._meta.verbose_name), "via": [],
                                                "rows": {}, "recorded": {}})
        entry["via"].append(f"{rel.field}→{rel.target}")
        qs = rows_for(rel, person, user)
        if qs is None:
            continue
        if role_of(rel) != "subject":
            entry["recorded"][rel.field] = qs.count()
            continue
        for obj in qs.order_by("pk"):
            entry["rows"].setdefault(str(obj.pk), serialise(obj, label=False))
    for entry in records.values():
        entry["rows"] = list(entry["rows"].values())
        entry["recorded"] = {k: n for k, n in entry["recorded"].items() if n}
    return {"person": serialise(person), "user": serialise(user) if user is not None else None,
            "records": dict(sorted(records.items()))}


def account_of(person):
    from django.contrib.auth import get_user_model

    return get_user_model()._base_manager.filter(person=person).first()


def summary_workbook(person, data: dict) -> bytes:
    """基本信息 (label · value), 记录概览 (what kind of record, how many), then one sheet per kind that has rows."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "基本信息"
    ws.append(["项目", "内容"])
    labels = {f.name: str(f.verbose_name) for f in person._meta.concrete_fields}
    labels["id_number"] = "公民身份号码"
    for key, value in data["person"].items():
        if key.endswith("_display") or key.startswith("_"):
            continue
        shown = data["person"].get(f"{key}_display", value)
        ws.append([labels.get(key, key), "" if shown is None else str(shown)])
    ov = wb.create_sheet("记录概览")
    ov.append(["记录类型", "模型", "关联字段", "条数", "本人经办条数（仅计数）"])
    used = {"基本信息", "记录概览"}
    for label, entry in data["records"].items():
        ov.append([entry["verbose_name"], label, "、".join(entry["via"]), len(entry["rows"]),
                   sum(entry.get("recorded", {}).values())])
        if not entry["rows"]:
            continue
        title = _sheet_title(entry["verbose_name"], used)
        sheet = wb.create_sheet(title)
        model = apps.get_model(label)
        names = {f.name: str(f.verbose_name) for f in model._meta.concrete_fields}
        keys = [k for k in entry["rows"][0] if not k.startswith("_")]
        sheet.append([names.get(k, k) for k in keys])
        for row in entry["rows"]:
            sheet.append([_cell(row.get(k)) for k in keys])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)[:32000]
    if isinstance(value, str):
        return value[:32000]
    return value


def _sheet_title(name: str, used: set) -> str:
    base = "".join(ch for ch in name if ch not in "[]:*?/\\")[:28] or "记录"
    title, n = base, 2
    while title in used:
        title, n = f"{base[:26]}{n}", n + 1
    used.add(title)
    return title


README = """个人数据导出说明

本压缩包依据《中华人民共和国个人信息保护法》第四十五条（查阅、复制权），汇集系统中与本人有关的全部记录：
* data.json —— 机器可读的完整数据：本人基本信息、登录账户（不含密码）、以及各业务模块中引用本人或本人账户的记录；
  "records" 列出系统中每一类可能引用本人的记录，没有记录的类别条数为 0；"rows" 是关于本人的记录，
  "recorded" 只给出本人作为经办人录入、确认、评定的他人记录的条数（这些记录的内容是他人的个人信息，不导出）。
* 摘要.xlsx —— 便于阅读的汇总：基本信息、记录概览、每类记录一个工作表。
附件文件只列出文件名，不含文件内容。本文件含个人敏感信息（公民身份号码），请妥善保管，交付本人后及时删除。
导出时间：{when}；导出人：{actor}。
"""


def build_zip(person, actor=None) -> tuple[bytes, dict]:
    data = collect(person)
    data["exported"] = timezone.now().isoformat()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=1, default=str))
        z.writestr("摘要.xlsx", summary_workbook(person, data))
        z.writestr("说明.txt", README.format(when=f"{timezone.localtime():%Y-%m-%d %H:%M}", actor=actor or "系统"))
    return buf.getvalue(), data
