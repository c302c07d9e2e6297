"""党费 (FEE-02 … FEE-06, FEE-15, FEE-17): one calculator for the screens, the importer, the CLI and the
rules. Money is `Decimal` end to end — a float is refused, never converted — and amounts are kept to the
分 (0.01 元), rounded half-up unless the jurisdiction's setting says otherwise.

The whole base is charged at one rate (not progressively), so the amount jumps at each bracket's upper
limit, which itself belongs to the lower bracket (3000.00 → 0.5%, 3000.01 → 1%)."""
from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

from dangjian.people.choices import DuesCategory

CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")      # (the database keeps 12 digits)
ROUNDING = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}

# (inclusive upper limit or None, rate) — 党费规定 第二条 (FEE-02) and 第五条 (FEE-05, 离退休).
IN_SERVICE_BRACKETS = ((Decimal("3000.00"), Decimal("0.005")), (Decimal("5000.00"), Decimal("0.01")),
                       (Decimal("10000.00"), Decimal("0.015")), (None, Decimal("0.02")))
RETIRED_BRACKETS = ((Decimal("5000.00"), Decimal("0.005")), (None, Decimal("0.01")))
# The rule that fixes the amount of each category (the base of 年薪制 and 个体经营 is defined by
# FEE-03 / FEE-04, their rates are FEE-02's).
RULE = {DuesCategory.IN_SERVICE: "FEE-02", DuesCategory.ANNUAL_SALARY: "FEE-03", DuesCategory.SELF_EMPLOYED: "FEE-04",
        DuesCategory.RETIRED: "FEE-05", DuesCategory.FARMER: "FEE-06", DuesCategory.STUDENT: "FEE-06",
        DuesCategory.UNEMPLOYED: "FEE-06", DuesCategory.RELIEF: "FEE-06", DuesCategory.LOW_INCOME: "FEE-06"}
# 第六条: 农民党员每月0.2元至1元 (the jurisdiction's setting); the others 0.2元.
FIXED = {DuesCategory.STUDENT: Decimal("0.20"), DuesCategory.UNEMPLOYED: Decimal("0.20"),
         DuesCategory.RELIEF: Decimal("0.20"), DuesCategory.LOW_INCOME: Decimal("0.20")}
FARMER_AMOUNTS = (Decimal("0.20"), Decimal("0.50"), Decimal("1.00"))


class MoneyError(ValueError):
    """A value that is not an amount of money (the message is Chinese)."""


def money(value, what: str = "金额") -> Decimal:
    """An amount to the 分 from a Decimal, an int or a string ("3000", "3000.5", "3,000.00"); a float
    is refused (it cannot hold 0.01 exactly), as is a negative amount or one with more than two decimals."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(f"{what}不能是浮点数，请写成字符串（如 \"3000.00\"）")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "").removesuffix("元")
        try:
            d = Decimal(text)
        except decimal.InvalidOperation:
            raise MoneyError(f"{what}“{value}”不是数字") from None
    else:
        raise MoneyError(f"{what}应为数字")
    if not d.is_finite():
        raise MoneyError(f"{what}“{value}”不是有限的数")
    if d < 0:
        raise MoneyError(f"{what}不能为负数")
    if d > MAX_MONEY:
        raise MoneyError(f"{what}“{value}”过大（不超过 {MAX_MONEY:,.2f} 元）")
    if d != d.quantize(CENT):
        raise MoneyError(f"{what}“{value}”超过两位小数（精确到分）")
    return d.quantize(CENT)


@dataclass(frozen=True)
class Dues:
    base: Decimal
    category: str
    rate: Decimal | None          # None: a fixed amount (FEE-06)
    amount: Decimal
    rule: str

    def as_json(self) -> dict[str, str]:
        """`dangjian dues calc --json`: amounts as two-decimal strings; the rate as a decimal fraction
        ("0.005"), or "fixed" for the fixed amounts of FEE-06."""
        return {"base": f"{self.base:.2f}", "category": self.category,
                "rate": "fixed" if self.rate is None else _plain(self.rate), "amount": f"{self.amount:.2f}",
                "rule": self.rule}

    @property
    def rate_label(self) -> str:
        return "定额" if self.rate is None else f"{_plain(self.rate * 100)}%"


def _plain(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text


def rate_for(base: Decimal, brackets) -> Decimal:
    for limit, rate in brackets:
        if limit is None or base <= limit:
            return rate
    raise AssertionError("unreachable")


def compute(base, category: str, *, rounding: str = "half_up", farmer_amount="0.20") -> Dues:
    """The monthly dues of a member with `base` (after-tax monthly income, FEE-01) in `category`."""
    base = money(base, "基数")
    try:
        category = DuesCategory(category)
    except ValueError:
        raise MoneyError(f"未知的党费类别“{category}”（可用：{'、'.join(DuesCategory.values)}）") from None
    if rounding not in ROUNDING:
        raise MoneyError(f"未知的舍入方式“{rounding}”")
    if category == DuesCategory.FARMER:
        amount = money(farmer_amount, "农民党员党费")
        if not Decimal("0.20") <= amount <= Decimal("1.00"):
            raise MoneyError("农民党员每月交纳0.2元至1元（党费规定第六条）")
        return Dues(base, category.value, None, amount, RULE[category])
    if category in FIXED:
        return Dues(base, category.value, None, FIXED[category], RULE[category])
    brackets = RETIRED_BRACKETS if category == DuesCategory.RETIRED else IN_SERVICE_BRACKETS
    rate = rate_for(base, brackets)
    return Dues(base, category.value, rate, (base * rate).quantize(CENT, rounding=ROUNDING[rounding]),
                RULE[category])


def compute_with_settings(base, category: str, settings: dict) -> Dues:
    return compute(base, category, rounding=settings.get("dues_rounding") or "half_up",
                   farmer_amount=settings.get("dues_farmer_amount") or "0.20")


# FEE-15: what counts in the base. Treatments: "include" adds, "deduct" subtracts (个人所得税),
# "exclude" is ignored. Items a jurisdiction has not listed are refused rather than guessed.
INCLUDE, EXCLUDE, DEDUCT = "include", "exclude", "deduct"
DEFAULT_PAYROLL_ITEMS = (
    ("职务工资", INCLUDE), ("级别工资", INCLUDE), ("岗位工资", INCLUDE), ("薪级工资", INCLUDE),
    ("技术等级工资", INCLUDE), ("工作性津贴", INCLUDE), ("生活性补贴", INCLUDE), ("规范津贴补贴", INCLUDE),
    ("基础性绩效工资", INCLUDE), ("岗位津贴", INCLUDE), ("综合补贴", INCLUDE), ("地方差", INCLUDE),
    ("退休费", INCLUDE), ("退休人员生活补贴", INCLUDE), ("养老金", INCLUDE),
    ("个人所得税", DEDUCT),
    ("养老保险", EXCLUDE), ("医疗保险", EXCLUDE), ("失业保险", EXCLUDE), ("工伤保险", EXCLUDE),
    ("生育保险", EXCLUDE), ("住房公积金", EXCLUDE), ("职业年金", EXCLUDE), ("企业年金", EXCLUDE),
    ("住房补贴", EXCLUDE), ("交通补贴", EXCLUDE), ("公务用车补贴", EXCLUDE), ("通讯补贴", EXCLUDE),
    ("加班补贴", EXCLUDE), ("误餐补贴", EXCLUDE), ("取暖费", EXCLUDE), ("防暑降温费", EXCLUDE),
    ("物业费", EXCLUDE), ("艰苦边远地区津贴", EXCLUDE), ("办案津贴", EXCLUDE), ("政府特殊津贴", EXCLUDE),
)


def base_from_items(items: dict[str, object], treatments: dict[str, str]) -> Decimal:
    """The base from a payroll slip (FEE-01, FEE-15): included items less the deducted ones (个人所得税);
    excluded items do not change it. An item the table does not list is refused, naming it."""
    unknown = [name for name in items if name not in treatments]
    if unknown:
        raise MoneyError(f"工资项目“{'、'.join(unknown)}”不在计算基数项目表中，请先由基层党委确定是否计入（FEE-15）")
    total = Decimal("0.00")
    for name, value in items.items():
        amount = money(value, name)
        if treatments[name] == INCLUDE:
            total += amount
        elif treatments[name] == DEDUCT:
            total -= amount
    if total < 0:
        raise MoneyError("扣除个人所得税后基数为负数，请核对工资项目")
    return total
