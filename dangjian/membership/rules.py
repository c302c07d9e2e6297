"""组织关系 rules (rules.md §6 EDU-03/04/05, §9 REL-03): every finding is about a member (subject
person). Letters that lapse without a report, members away at a fixed place for six months without a
transfer, 流动党员 nobody has contacted, and lost contact: at six months a 停止党籍 review, two years after
the 停止党籍 a 除名 (自行脱党)."""
from __future__ import annotations

import datetime as dt

from dangjian.core import engine
from dangjian.core.engine import Hit, rule
from dangjian.core.periods import add_months, add_years
from dangjian.orglife.rules import _scoped, _subject_person
from dangjian.people.choices import MEMBER_STATUSES, Status

from .choices import Direction

JY = "《中国共产党党员教育管理工作条例》"
READS = ("people.person", "membership.transfer")

engine.setting("transfer_letter_valid_months", 3, "组织关系介绍信的有效期（月，REL-03；跨省一些地方为6个月）",
               rules=("REL-03",))
engine.setting("mobile_contact_months", 3, "与流动党员至少每隔几个月联系一次（EDU-05）", rules=("EDU-05",))


engine.enforced("REL-02", title="外出凭证：3个月内无需凭证，6个月内用党员证明信，6个月以上地点固定的转移组织关系，"
                "地点不定的用《流动党员活动证》", citation="各地、各单位规定（[P]）；与教育管理条例第二十五条一致",
                where="流动党员页面按外出时长和地点是否固定提示应开具的凭证（membership.documents.away_document）",
                test="dangjian/membership/tests/test_transfers.py")
engine.enforced("REL-04", title="高校毕业生党员的组织关系转接", citation="中组部关于党员组织关系管理的意见",
                where="不适用于机关党组织：毕业生到机关报到后按“登记从系统外转入”办理", test="—（无专门检查）")


def _people(ctx, **filters):
    from dangjian.people.models import Person

    return _scoped(ctx, Person.objects.filter(**filters)).order_by()


def _hit(p: dict, message: str, severity: str | None = None) -> Hit:
    return Hit(_subject_person(p["pk"], p["name"], p["org_id"], p["external_id"]), f"{p['name']}：{message}",
               severity=severity, org_id=p["org_id"])


def _ymd(d: dt.date) -> str:
    return f"{d:%Y-%m-%d}"


FIELDS = ("pk", "name", "org_id", "external_id", "status", "status_since", "away_since", "away_fixed_location",
          "lost_contact_since")


@rule("REL-03", reads=READS, title="组织关系介绍信须在有效期内报到", citation="中共中央组织部关于党员组织关系管理的规定："
      "组织关系介绍信须注明有效期，党员须在有效期内到接收党组织报到", severity="WARN", subject="person",
      settings=("transfer_letter_valid_months",))
def letter_lapsed(ctx):
    """转出的组织关系介绍信过了有效期（有效期最后一天当天仍在期内；没有写明有效期的按开具日期起的参数月数，默认3个月）
    仍没有报到回执、也没有撤销：预警，原党组织仍负管理责任，应查明原因；超过6个月不参加组织生活的见 REL-01。"""
    from .models import Transfer

    months = int(ctx.setting("transfer_letter_valid_months") or 3)
    rows = _scoped(ctx, Transfer.objects.filter(direction=Direction.OUT, reported_on__isnull=True,
                                                cancelled_on__isnull=True), "org_id")
    for t in rows.select_related("person").order_by("pk"):
        # (a letter that states no validity is valid for the jurisdiction's months from its date)
        if t.valid_until is None and t.letter_date:
            t.valid_until = add_months(t.letter_date, months) - dt.timedelta(days=1)
        if t.valid_until is None or t.valid_until >= ctx.as_of:
            continue
        p = t.person
        yield _hit({"pk": p.pk, "name": p.name, "org_id": t.org_id, "external_id": p.external_id},
                   f"{_ymd(t.letter_date) if t.letter_date else ''}开具的组织关系介绍信（转往{t.to_label or '—'}）有效期至"
                   f"{_ymd(t.valid_until)}，至今没有报到回执：原党组织仍负管理责任，应查明原因")


@rule("EDU-04", reads=READS + ("orgs.org",), title="每个党员都必须编入党组织；外出6个月以上且地点相对固定的应转移组织关系",
      citation=f"{JY}第二十五条", severity="WARN", subject="person")
def placed_and_transferred(ctx):
    """在册党员没有所在党组织：阻断（预警挂在组织树的最上级）。外出满6个月（外出日期起6个月后的同一日即算）、地点相对固定，外出之后没有开具组织关系
    介绍信（撤销的不算）：预警。"""
    from .models import Transfer

    # A member with no org has no incremental scope: judged in every run (a few rows at most), with the
    # finding kept by the top of the tree, which every run's scope includes (so none resolves it wrongly).
    from dangjian.orgs.models import Org
    from dangjian.people.models import Person

    root = Org.objects.filter(depth=1).order_by("path").values_list("pk", flat=True).first()
    if root is not None:
        for p in Person.objects.filter(status__in=list(MEMBER_STATUSES), org__isnull=True).order_by().values(*FIELDS):
            # The finding lives with the top of the tree: someone must place the member.
            yield _hit(dict(p, org_id=root), "没有编入任何党组织：每个党员都必须编入一个支部、小组或其他特定组织", "BLOCK")
    away = list(_people(ctx, status__in=list(MEMBER_STATUSES), away_fixed_location=True,
                        away_since__isnull=False).values(*FIELDS))
    due = [p for p in away if add_months(p["away_since"], 6) <= ctx.as_of]
    if not due:
        return
    issued = {}
    for pid, day in Transfer.objects.filter(person_id__in=[p["pk"] for p in due], direction=Direction.OUT,
                                            cancelled_on__isnull=True).values_list("person_id", "letter_date"):
        if day and (pid not in issued or day > issued[pid]):
            issued[pid] = day
    for p in due:
        if issued.get(p["pk"]) and issued[p["pk"]] >= p["away_since"]:
            continue
        yield _hit(p, f"{_ymd(p['away_since'])}起外出，地点相对固定，已满6个月：应转移组织关系")


@rule("EDU-05", reads=READS + ("membership.mobilecontact",), title="对流动党员应保持经常联系",
      citation=f"{JY}第三十二条", severity="WARN", subject="person", settings=("mobile_contact_months",),
      live_only=True)
def mobile_contact(ctx):
    """外出满6个月、没有转移组织关系的流动党员，最近 N 个月（参数，默认3）没有联系记录：预警。DJX 文件不含联系记录，
    `dangjian check` 不执行本规则。"""
    from .models import MobileContact, Transfer

    months = int(ctx.setting("mobile_contact_months") or 3)
    away = [p for p in _people(ctx, status__in=list(MEMBER_STATUSES), away_since__isnull=False).values(*FIELDS)
            if add_months(p["away_since"], 6) <= ctx.as_of]
    if not away:
        return
    ids = [p["pk"] for p in away]
    # Transferred since going away (as EDU-04): a letter issued on or after 外出日期; an older one (a move between
    # branches years before) does not end the contacts.
    went = {p["pk"]: p["away_since"] for p in away}
    moved = {pid for pid, day in Transfer.objects.filter(person_id__in=ids, direction=Direction.OUT,
                                                          cancelled_on__isnull=True)
             .values_list("person_id", "letter_date") if day and day >= went[pid]}
    since = add_months(ctx.as_of, -months)
    recent = set(MobileContact.objects.filter(person_id__in=ids, date__gt=since, date__lte=ctx.as_of)
                 .values_list("person_id", flat=True))
    for p in away:
        if p["pk"] in moved or p["pk"] in recent:
            continue
        yield _hit(p, f"{_ymd(p['away_since'])}起外出的流动党员，{_ymd(since)}以来没有联系记录：应保持经常联系")


@rule("EDU-03", reads=READS, title="失去联系6个月以上的停止党籍；停止党籍2年后仍无法联系的按自行脱党除名",
      citation=f"{JY}第二十四条", severity="WARN", subject="person")
def lost_contact(ctx):
    """与党组织失去联系满6个月（失联日期起6个月后的同一日）、仍是在册党员：预警，提出停止党籍审议；停止党籍满2年
    （停止党籍之日起2年后的同一日；没有停止党籍日期的按失联满6个月之日计）仍失联：预警，按自行脱党予以除名。"""
    for p in _people(ctx, lost_contact_since__isnull=False,
                     status__in=list(MEMBER_STATUSES | {Status.SUSPENDED})).values(*FIELDS):
        six = add_months(p["lost_contact_since"], 6)
        if p["status"] in MEMBER_STATUSES:
            if six <= ctx.as_of:
                yield _hit(p, f"{_ymd(p['lost_contact_since'])}起与党组织失去联系，已满6个月：多方查找无果的，应停止党籍")
        else:
            suspended = p["status_since"] or six
            if add_years(suspended, 2) <= ctx.as_of:
                yield _hit(p, f"{_ymd(suspended)}停止党籍，已满2年仍无法取得联系：应按自行脱党予以除名")
