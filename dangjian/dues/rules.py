"""党费 rules (rules.md §4, 《关于中国共产党党费收缴、使用和管理的规定》): each finding is about a member
(subject person). The amounts come from `calc`, the months from `ledger`.

Enforced where the record is made rather than judged afterwards (tested with the actions):
FEE-01/FEE-15 the base from payroll items, FEE-03…FEE-06 the categories, FEE-10 re-basing, FEE-14 no
payroll deduction (there is no such channel), FEE-17 rounding (a setting)."""
from __future__ import annotations

from decimal import Decimal

from dangjian.core import engine
from dangjian.core.engine import Hit, rule
from dangjian.core.periods import month_label
from dangjian.orglife.rules import _scoped, _subject_person

from .ledger import ZERO, accounts, first_of

GZ = "《关于中国共产党党费收缴、使用和管理的规定》"
READS = ("people.person", "dues.duesbase", "dues.duesexemption", "dues.duespayment")

engine.setting("dues_rounding", "half_up", "党费金额计算到分的舍入方式（FEE-17；中组部未作规定，默认四舍五入）",
               rules=("FEE-02",))
engine.setting("dues_farmer_amount", "0.20", "农民党员每月交纳党费金额（0.2元至1元，FEE-06）", rules=("FEE-02",))
engine.setting("dues_probationary_start", "vote", "预备党员开始交纳党费的时间（FEE-07）", rules=("FEE-07",))
engine.setting("dues_rebase", "yearly", "党费基数的调整方式（FEE-10）：每年年初核定一次，或工资变动当月起调整",
               rules=("FEE-02",))
engine.setting("dues_arrears_warn_months", 3, "连续几个月未交纳党费时预警（FEE-12；满6个月为 FEE-13）",
               rules=("FEE-12",))


# --- applied where the record is made (no finding: the platform cannot record them broken) -------------
_T = "dangjian/dues/tests/"
engine.enforced("FEE-01", title="按月工资收入（税后）中相对固定的、经常性的部分为基数", citation=f"{GZ}第一条",
                where="核定：填写基数，或按工资项目计算（calc.base_from_items）", test=_T + "test_calc.py")
engine.enforced("FEE-03", title="年薪制以当月实际领取的薪酬为基数，参照在职比例", citation=f"{GZ}第三条",
                where="计算器：类别 annual_salary 按在职比例（calc.compute）", test=_T + "test_calc.py")
engine.enforced("FEE-04", title="不按月取得收入的以上季度月平均纯收入为基数", citation=f"{GZ}第四条",
                where="计算器：类别 self_employed 按在职比例；基数由支部按上季度月平均纯收入核定", test=_T + "test_calc.py")
engine.enforced("FEE-05", title="离退休党员：5000元（含）以下0.5%，以上1%", citation=f"{GZ}第五条",
                where="计算器：类别 retired 的比例表（calc.RETIRED_BRACKETS）", test=_T + "test_calc.py")
engine.enforced("FEE-06", title="农民党员每月0.2元至1元；学生、下岗失业、依靠抚恤或救济、领取最低生活保障金的每月0.2元",
                citation=f"{GZ}第六条", where="计算器：定额（农民党员金额为规则参数 dues_farmer_amount）",
                test=_T + "test_calc.py")
engine.enforced("FEE-09", title="党员一般向正式组织关系所在党支部交纳党费", citation=GZ,
                where="收缴页面和导入只登记本支部（管理范围内）党员的交纳", test=_T + "test_import.py")
engine.enforced("FEE-10", title="工资收入变化后以新收入为基数；中央和国家机关每年初核定、年内一般不变",
                citation=f"{GZ}第十条", where="核定：规则参数 dues_rebase（默认每年1月）", test=_T + "test_views.py")
engine.enforced("FEE-14", title="党组织不得垫交或扣缴党员党费，不得要求交纳规定以外的“特殊党费”",
                citation=f"{GZ}第十四条", where="交纳方式没有工资代扣；导入时“代扣”被拒绝", test=_T + "test_views.py")
engine.enforced("FEE-15", title="计算基数不含社会保险、住房公积金、改革性补贴等，计入规范津贴补贴",
                citation="共产党员网党务问答（中组部有关规定）", where="工资项目表（工委维护，默认按中组部口径）",
                test=_T + "test_calc.py")
engine.enforced("FEE-17", title="金额计算到分（中组部未规定舍入方法）", citation="——",
                where="计算器：规则参数 dues_rounding（默认四舍五入）；全程 Decimal，拒绝浮点数", test=_T + "test_calc.py")


def _accounts(ctx):
    return ctx.memo("dues.accounts", lambda: accounts(_scoped(ctx, _people()), ctx.as_of, ctx.settings))


def _people():
    from dangjian.people.models import Person

    return Person.objects.all()


def _hit(acc, message: str, period: str | None = None, severity: str | None = None) -> Hit:
    return Hit(_subject_person(acc.person_id, acc.name, acc.org_id, acc.external_id), f"{acc.name}：{message}",
               period=period, severity=severity, org_id=acc.org_id)


def _yuan(d: Decimal) -> str:
    return f"{d:.2f}元"


def _ym(m) -> str:
    return f"{m.year}年{m.month}月"


@rule("FEE-02", reads=READS, title="按规定比例足额交纳党费", citation=f"{GZ}第二条：按税后月工资收入的0.5%、1%、1.5%、2%交纳",
      severity="WARN", subject="person", period="month", settings=("dues_rounding", "dues_farmer_amount"))
def short_payment(ctx):
    """某月已交纳但少于按核定基数计算的应交金额（分毫不差：差0.01元也是少交）：预警，期间为该月，消息写明应交、
    实交和少交金额。未交纳的月份由 FEE-12、FEE-13 判断；经批准少交的按批准的金额计算。"""
    for acc in _accounts(ctx).values():
        for m in acc.months:
            if m.due is not None and ZERO < m.paid < m.due:
                yield _hit(acc, f"{_ym(m.month)}应交{_yuan(m.due)}，实交{_yuan(m.paid)}，少交{_yuan(m.short)}",
                           period=month_label(m.month))


@rule("FEE-07", reads=READS + ("recruitment.recruitmentfile", "recruitment.recruitmentevent"),
      title="预备党员从支部大会通过之日起交纳党费", citation=f"{GZ}：预备党员从支部大会通过其为预备党员之日起交纳党费",
      severity="WARN", subject="person", settings=("dues_probationary_start",))
def probationary_from_vote(ctx):
    """预备党员的党费记录（核定或交纳）开始的月份晚于支部大会通过其为预备党员的月份（参数为“上级党委批准”时，为
    批准的月份）：预警，消息写明应从哪个月起交纳。"""
    from dangjian.people.choices import Status

    by_approval = ctx.setting("dues_probationary_start") == "approval"
    approvals = _approval_months(ctx) if by_approval else {}
    for acc in _accounts(ctx).values():
        if acc.status != Status.PROBATIONARY or not acc.probationary_date or not acc.months:
            continue
        start = approvals.get(acc.person_id) or first_of(acc.probationary_date)
        first = acc.months[0].month
        if first > start:
            what = "上级党委批准" if acc.person_id in approvals else "支部大会通过其为预备党员"
            yield _hit(acc, f"{_ym(start)}{what}，应从该月起交纳党费，党费记录从{_ym(first)}才开始")


def _approval_months(ctx) -> dict[int, object]:
    from dangjian.recruitment.choices import Step
    from dangjian.recruitment.models import RecruitmentEvent

    rows = RecruitmentEvent.objects.filter(step=Step.APPROVAL, voided_at__isnull=True).values_list(
        "file__person_id", "date")
    return {pid: first_of(d) for pid, d in rows}


@rule("FEE-08", reads=READS, title="少交或免交党费须经上一级党委批准",
      citation=f"{GZ}：交纳党费确有困难的，本人申请，经党支部研究、报上一级党委批准，可少交或免交", severity="WARN",
      subject="person")
def exemption_approved(ctx):
    """记为少交或免交、却没有上一级党委批准（批准机关及文号）的月份：预警，一人一条，列出月份。"""
    for acc in _accounts(ctx).values():
        bad = [m.month for m in acc.months if m.exempt and not m.exempt_approved]
        if bad:
            yield _hit(acc, "、".join(_ym(m) for m in bad) + "少交或免交党费，没有上一级党委批准的记录")


@rule("FEE-11", reads=READS, title="自愿一次多交1000元以上的党费全部上缴中央",
      citation=f"{GZ}第十一条：自愿一次多交纳1000元以上的党费，全部上缴中央", severity="INFO", subject="person")
def central_remittance(ctx):
    """一次交纳中自愿多交的部分达到1000元（1000.00 元即是）且尚未登记上缴中央日期：提示上缴。"""
    for acc in _accounts(ctx).values():
        due = [(m, x) for m, x, remitted in acc.extras if x >= Decimal("1000.00") and not remitted]
        if due:
            yield _hit(acc, "；".join(f"{_ym(m)}自愿多交{_yuan(x)}" for m, x in due)
                       + "：应由基层党委代收，经组织部门逐级转交中央组织部")


@rule("FEE-12", reads=READS, title="党员应按月交纳党费，补交一般不超过6个月",
      citation=f"{GZ}第十二条：党员应当增强党员意识，主动按月交纳党费", severity="WARN", subject="person",
      settings=("dues_arrears_warn_months",))
def arrears(ctx):
    """截至判断日（只算已经结束的月份）已连续 N 个月（参数，默认3）以上、不满6个月未交纳党费（免交的月份不算）：
    预警；满6个月的见 FEE-13。"""
    warn = min(5, max(1, int(ctx.setting("dues_arrears_warn_months") or 3)))   # (a file's settings are not checked)
    for acc in _accounts(ctx).values():
        run = acc.current_run()
        if warn <= len(run) < 6 and not any(len(r) >= 6 for r in acc.unpaid_runs()):
            yield _hit(acc, f"自{_ym(run[0].month)}起已连续{len(run)}个月未交纳党费，应及时补交"
                            f"（补交一般不超过6个月）")


@rule("FEE-13", reads=READS, title="无正当理由连续6个月不交纳党费的，按自行脱党处理",
      citation=f"{GZ}第十三条；《中国共产党章程》第九条", severity="BLOCK", subject="person")
def six_months_unpaid(ctx):
    """连续6个月（含）以上未交纳党费（免交的月份不算，经批准少交的按已交纳计）：阻断级预警，提醒党支部核实有无
    正当理由；无正当理由的，支部大会决定除名，报上级党组织批准（可从预警进入组织处置）。"""
    for acc in _accounts(ctx).values():
        runs = [r for r in acc.unpaid_runs() if len(r) >= 6]
        if runs:
            yield _hit(acc, "；".join(f"{_ym(r[0].month)}至{_ym(r[-1].month)}连续{len(r)}个月未交纳党费" for r in runs)
                       + "：无正当理由的，按自行脱党处理")


@rule("FEE-16", reads=READS + ("dues.duespublication", "orgs.org"), title="党支部每年至少公布一次党费收缴情况",
      citation="党费收缴使用管理的有关规定：基层党组织每年至少向党员公布一次党费收缴情况", severity="WARN",
      subject="org", period="year", live_only=True)
def yearly_publication(ctx):
    """有党员党费记录的党支部，某一已经结束的年度没有登记公布党费收缴情况：预警，期间为该年度。DJX 文件不含公布记录，
    `dangjian check` 不执行本规则。"""
    from dangjian.orgs.models import Org

    from .models import DuesPayment, DuesPublication

    last_year = ctx.as_of.year if (ctx.as_of.month, ctx.as_of.day) == (12, 31) else ctx.as_of.year - 1
    years = set(_scoped(ctx, DuesPayment.objects.filter(month__year__lte=last_year)).values_list(
        "org_id", "month__year").distinct())
    if not years:
        return
    done = set(DuesPublication.objects.filter(org_id__in={o for o, _ in years}).values_list("org_id", "year"))
    orgs = {o.pk: o for o in Org.objects.filter(pk__in={o for o, _ in years})}
    for org_id, year in sorted(years - done):
        if org_id in orgs:
            yield Hit(orgs[org_id], f"{orgs[org_id].name}{year}年没有公布党费收缴情况", period=str(year), org_id=org_id)


def arrears_months(acc) -> int:
    """How many months in a row the member owes now (the collector's screens)."""
    return len(acc.current_run())

