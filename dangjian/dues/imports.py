"""导入党费收缴明细 from a bank statement or a payroll department's sheet (Excel .xlsx or CSV): upload →
preview (each row's problem with its row number) → 确认导入, written in one transaction. A file with any
bad row is refused whole and nothing is written; a row already recorded (same member, month, amount
and date) is skipped, so importing the same file twice changes nothing.

Columns (header within the first ten rows): 公民身份号码 or 人员编号 (the platform's or the exchange id),
姓名 (checked when given), 月份 (2025-03, 2025年3月), 金额, 交纳日期 (optional), 交纳方式 (optional)."""
from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import re
import uuid
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone

from dangjian.core import audit, crypto, engine
from dangjian.core.errors import ActionError
from dangjian.core.params import ascii_int
from dangjian.core.permissions import CHANGE, subtree_q, user_scope
from dangjian.people.choices import MEMBER_STATUSES
from dangjian.people.models import Person

from .calc import MoneyError, compute_with_settings, money
from .choices import Channel
from .ledger import first_of
from .models import DuesBase, DuesPayment

MAX_UPLOAD = 30 * 1024 * 1024
MAX_ROWS = 200_000
HEADERS = {"公民身份号码": "id_number", "身份证号": "id_number", "身份证号码": "id_number", "人员编号": "ref",
           "编号": "ref", "姓名": "name", "月份": "month", "所属月份": "month", "党费月份": "month",
           "金额": "amount", "交纳金额": "amount", "实交金额": "amount", "交纳日期": "paid_on", "日期": "paid_on",
           "交纳方式": "channel", "方式": "channel"}
CHANNELS = {**{label: value for value, label in Channel.choices}, **{v: v for v in Channel.values},
            "现金": Channel.CASH, "转账": Channel.BANK, "银行": Channel.BANK, "网上": Channel.ONLINE, "扫码": Channel.ONLINE,
            "微信": Channel.ONLINE, "支付宝": Channel.ONLINE, "代交": Channel.PROXY}
PAYROLL = re.compile(r"代扣|扣缴|工资扣|从工资")
_MONTH = re.compile(r"^\s*(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*月?\s*$")
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class Row:
    n: int
    person_id: int
    name: str
    month: dt.date
    amount: Decimal
    paid_on: dt.date | None
    channel: str


@dataclass
class Preview:
    filename: str
    rows: list[Row] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    duplicates: int = 0

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal("0.00"))


def _table(data: bytes, filename: str):
    """(row number, values) of the first sheet of an .xlsx, or of a CSV (UTF-8 or GBK)."""
    if filename.lower().endswith(".csv"):
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ActionError("无法识别 CSV 文件的编码，请另存为 UTF-8。")
        return enumerate(csv.reader(io.StringIO(text)), start=1)
    from dangjian.people.roster import RosterFileError, _sheet_rows

    try:
        _, rows = _sheet_rows(io.BytesIO(data), sheet_name="", raw_numbers=True)
    except RosterFileError:
        raise ActionError("无法读取该文件：请上传 .xlsx 或 .csv 文件（旧版 .xls 请先另存为 .xlsx）。") from None
    return rows


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def _amount_text(v):
    """Excel keeps a number as the nearest binary fraction ("0.57999999999999996" for 0.58); read to the 15
    significant digits Excel itself shows, so 0.58 is 0.58 and a typed 14.001 stays 14.001 (refused)."""
    import decimal

    text = _text(v)
    if re.fullmatch(r"-?\d+\.\d{3,}(?:E-?\d+)?", text, re.IGNORECASE):
        try:
            return format(decimal.Context(prec=15).create_decimal(text).normalize(), "f")
        except decimal.InvalidOperation:
            return text
    return text


def _month(v) -> dt.date:
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, dt.date):
        return first_of(v)
    m = _MONTH.match(_text(v))
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"月份“{_text(v)}”应写成 2025-03 或 2025年3月")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def parse(data: bytes, filename: str, user, today: dt.date | None = None) -> Preview:
    """Read the file and say, row by row, what importing it would do. Writes nothing."""
    from dangjian.people.roster import parse_date

    today = today or timezone.localdate()
    p = Preview(filename=filename)
    rows = iter(_table(data, filename))
    header = None
    for n, values in rows:
        keys = [HEADERS.get(re.sub(r"\s+", "", _text(v))) for v in values]
        if "month" in keys and "amount" in keys:
            header = keys
            break
        if n >= 10:
            break
    if header is None:
        raise ActionError("找不到表头：前10行中应有“月份”和“金额”两列。")
    if "id_number" not in header and "ref" not in header:
        raise ActionError("缺少识别党员的列：请提供“公民身份号码”或“人员编号”。")
    raw = []
    for n, values in rows:
        cells = {k: v for k, v in zip(header, values) if k and _text(v)}
        if not cells:
            continue
        if len(raw) >= MAX_ROWS:
            raise ActionError(f"一次最多导入 {MAX_ROWS} 行，请分批导入。")
        raw.append((n, cells))
    people = _people_for(raw, user)
    seen = set()
    for n, cells in raw:
        try:
            person = _match(cells, people)
            month = _month(cells.get("month"))
            amount = money(_amount_text(cells.get("amount")), "金额")
            paid_on = parse_date(cells["paid_on"]) if cells.get("paid_on") else None
            channel_text = _text(cells.get("channel"))
            if PAYROLL.search(channel_text):
                raise ValueError("党组织不得扣缴党员党费，交纳方式不能是工资代扣（FEE-14）")
            channel = CHANNELS.get(channel_text, Channel.BANK) if channel_text else Channel.BANK
            if channel_text and channel_text not in CHANNELS:
                raise ValueError(f"交纳方式“{channel_text}”无法识别（可填：现金、转账、网上交纳、委托代交）")
            if amount == 0:
                raise ValueError("金额为0，未交纳的月份不必列出")
            if month > first_of(today) or (paid_on and paid_on > today):
                raise ValueError("月份或交纳日期晚于今天")
            if paid_on and paid_on < month:
                raise ValueError("交纳日期早于所属月份")
        except (ValueError, MoneyError) as e:
            p.errors.append((n, str(e)))
            continue
        key = (person["pk"], month, amount, paid_on)
        if key in seen:
            p.errors.append((n, f"与前面的行重复（{person['name']} {month:%Y-%m} {amount:.2f} 元）"))
            continue
        seen.add(key)
        p.rows.append(Row(n, person["pk"], person["name"], month, amount, paid_on, channel))
    return p


def _people_for(raw, user) -> dict:
    """The members the user collects from (their org scope, not self-service), by ID digest, by
    platform id and by exchange id."""
    scope = user_scope(user, CHANGE)
    if scope.empty:
        raise PermissionDenied("只有党组织管理员可以导入党费收缴明细。")
    qs = Person.objects.filter(status__in=list(MEMBER_STATUSES))
    if not scope.everything:
        qs = qs.filter(subtree_q("org__path", scope.prefixes))
    # Every configured key's digest → the current one: rows a key rotation has not reached yet match too.
    digests = crypto.blind_index_aliases({crypto.normalize_id_number(_text(c["id_number"])) for _, c in raw
                                          if c.get("id_number")})
    refs = {_text(c["ref"]) for _, c in raw if c.get("ref")}
    out = {"digest": {}, "ref": {}}
    fields = ("pk", "name", "org_id", "id_number_digest", "external_id")
    rows = []
    if digests:
        for chunk in _chunks(sorted(digests)):
            rows += list(qs.filter(id_number_digest__in=chunk).values(*fields))
    if refs:
        ints = [n for r in refs if (n := ascii_int(r)) is not None]
        for chunk in _chunks(sorted(refs)):
            rows += list(qs.filter(external_id__in=chunk).values(*fields))
        for chunk in _chunks(ints):
            rows += list(qs.filter(pk__in=chunk).values(*fields))
    for r in rows:
        if r["id_number_digest"] in digests:
            out["digest"][digests[r["id_number_digest"]]] = r
        if r["external_id"]:
            out["ref"][r["external_id"]] = r
        out["ref"].setdefault(str(r["pk"]), r)
    return out


def _chunks(items, size=5000):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _match(cells, people) -> dict:
    person = None
    if cells.get("id_number"):
        person = people["digest"].get(crypto.blind_index(crypto.normalize_id_number(_text(cells["id_number"]))))
        if person is None:
            raise ValueError("公民身份号码不是您管理范围内的在册党员")
    elif cells.get("ref"):
        person = people["ref"].get(_text(cells["ref"]))
        if person is None:
            raise ValueError(f"人员编号“{_text(cells['ref'])}”不是您管理范围内的在册党员")
    if person is None:
        raise ValueError("没有公民身份号码或人员编号")
    name = _text(cells.get("name"))
    if name and name != person["name"]:
        raise ValueError(f"姓名“{name}”与该编号的党员“{person['name']}”不一致")
    return person


@transaction.atomic
def commit(p: Preview, *, acting_user=None) -> tuple[int, int]:
    """Write the rows (all or nothing). Returns (written, already there)."""
    if p.errors:
        raise ActionError(f"文件有 {len(p.errors)} 处错误，未导入任何数据。")
    ids = sorted({r.person_id for r in p.rows})
    orgs, categories, have, bases = {}, {}, set(), {}
    for chunk in _chunks(ids):
        for pk, org_id, cat in Person.objects.filter(pk__in=chunk).values_list("pk", "org_id", "dues_category"):
            orgs[pk], categories[pk] = org_id, cat
        have |= set(DuesPayment.objects.filter(person_id__in=chunk).values_list("person_id", "month", "amount",
                                                                               "paid_on"))
        for pid, start, amount in DuesBase.objects.filter(person_id__in=chunk).order_by("start").values_list(
                "person_id", "start", "amount"):
            bases.setdefault(pid, []).append((start, amount))
    settings = engine.effective_settings()
    fixed = {}
    new, dup, month_paid = [], 0, {}
    for r in sorted(p.rows, key=lambda r: (r.person_id, r.month, r.paid_on or dt.date.min)):
        if (r.person_id, r.month, r.amount, r.paid_on) in have:
            dup += 1
            continue
        due = next((a for s, a in reversed(bases.get(r.person_id, [])) if s <= r.month), None)
        if due is None:
            cat = categories[r.person_id]
            if cat not in fixed:
                d = compute_with_settings("0", cat, settings)
                fixed[cat] = d.amount if d.rate is None else None
            due = fixed[cat]
        before = month_paid.get((r.person_id, r.month), Decimal("0.00"))
        extra = min(r.amount, max(Decimal("0.00"), before + r.amount - due)) if due is not None else Decimal("0.00")
        month_paid[(r.person_id, r.month)] = before + r.amount
        new.append(DuesPayment(person_id=r.person_id, org_id=orgs[r.person_id], month=r.month, amount=r.amount,
                               extra=extra, paid_on=r.paid_on, channel=r.channel, note="导入",
                               recorded_by=acting_user if getattr(acting_user, "is_authenticated", False) else None))
    DuesPayment.objects.bulk_create(new, batch_size=5000)
    audit.record("dues.import", f"导入党费收缴明细“{p.filename}”：{len(new)} 笔，合计 "
                 f"{sum((x.amount for x in new), Decimal('0.00')):.2f} 元（已有 {dup} 笔未重复导入）",
                 actor=acting_user, count=len(new))
    # A durable marker: a process killed after the commit leaves the judging to the worker (docs/faults.md).
    from dangjian.core import owed

    owed.owe({o for o in orgs.values() if o}, changed=(DuesPayment,), reason=f"导入党费收缴明细“{p.filename}”")
    return len(new), dup


# --- the page: upload → preview → 确认导入 ------------------------------------------------------------
def _folder() -> Path:
    return Path(django_settings.MEDIA_ROOT) / "imports"


def _save(data: bytes, filename: str, user) -> str:
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex
    payload = crypto.encrypt(base64.b64encode(zlib.compress(data, 6)).decode("ascii"))
    (folder / f"dues-{token}.json").write_text(json.dumps({"user": user.pk, "name": filename, "payload": payload,
                                                           "created": timezone.now().isoformat()}))
    return token


def _load(token: str, user):
    if not _TOKEN.match(token or ""):
        return None
    try:
        body = json.loads((_folder() / f"dues-{token}.json").read_text())
    except (OSError, ValueError):
        return None
    if body.get("user") != user.pk or timezone.now() - dt.datetime.fromisoformat(body["created"]) > dt.timedelta(hours=24):
        return None
    return zlib.decompress(base64.b64decode(crypto.decrypt(body["payload"]))), body["name"]


@login_required
def import_view(request):
    user = request.user
    if user_scope(user, CHANGE).empty:
        raise PermissionDenied("只有党组织管理员可以导入党费收缴明细。")
    error, preview, token = None, None, request.GET.get("token") or request.POST.get("token")
    if request.method == "POST" and request.POST.get("action") == "commit":
        loaded = _load(token, user)
        if loaded is None:
            error = "该导入预览不存在或已过期，请重新上传。"
        else:
            try:
                written, dup = commit(parse(loaded[0], loaded[1], user), acting_user=user)
            except ActionError as e:
                error = e.message
            else:
                (_folder() / f"dues-{token}.json").unlink(missing_ok=True)
                messages.success(request, f"导入完成：{written} 笔" + (f"（{dup} 笔此前已导入，未重复）" if dup else "") + "。")
                return redirect("dues:collect")
    elif request.method == "POST":
        f = request.FILES.get("file")
        if f is None:
            error = "请选择要上传的文件（.xlsx 或 .csv）。"
        elif not f.name.lower().endswith((".xlsx", ".csv")):
            error = "只能上传 .xlsx 或 .csv 文件。"
        elif f.size > MAX_UPLOAD:
            error = "文件超过 30 MB，请分批导入。"
        else:
            data = f.read()
            try:
                parse(data, f.name, user)
            except ActionError as e:
                error = e.message
            else:
                return redirect(f"{request.path}?token={_save(data, f.name, user)}")
    if token and error is None:
        loaded = _load(token, user)
        if loaded is None:
            error = "该导入预览不存在或已过期，请重新上传。"
        else:
            preview = parse(loaded[0], loaded[1], user)
    return render(request, "dues/import.html", {"error": error, "preview": preview, "token": token,
                                                "nav_active": "dues"}, status=400 if error else 200)
