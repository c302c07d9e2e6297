"""党费规定 第二条 (FEE-02), 第五条 (FEE-05), 第六条 (FEE-06) and the rounding (FEE-17): the whole base at one
rate, the upper limit of each bracket belonging to the lower one, amounts to the 分 — and no float."""
import decimal
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from dangjian.dues.calc import (IN_SERVICE_BRACKETS, RETIRED_BRACKETS, MoneyError, base_from_items, compute,
                                money)

cents = st.integers(min_value=0, max_value=10_000_000).map(lambda n: Decimal(n) / 100)
IN_SERVICE_LIMITS = [Decimal("3000.00"), Decimal("5000.00"), Decimal("10000.00")]


def amount(base, category="in_service"):
    return compute(base, category).amount


@pytest.mark.parametrize("base, expected", [
    # the published worked examples (rules.md §11)
    ("2500", "12.50"), ("3500", "35.00"), ("7500", "112.50"), ("12000", "240.00"),
    # the boundaries: the limit itself is the lower bracket
    ("3000.00", "15.00"), ("3000.01", "30.00"), ("5000.00", "50.00"), ("5000.01", "75.00"),
    ("10000.00", "150.00"), ("10000.01", "200.00"), ("0", "0.00"), ("0.99", "0.00"), ("1.00", "0.01"),
])
def test_in_service_brackets(base, expected):
    assert amount(base) == Decimal(expected)


@pytest.mark.parametrize("base, expected", [("5000.00", "25.00"), ("5000.01", "50.00"), ("3000", "15.00")])
def test_retirees(base, expected):
    """FEE-05: 离退休 5000元（含）以下0.5%，以上1%."""
    assert amount(base, "retired") == Decimal(expected)


def test_fixed_amounts_and_rounding():
    assert [amount("9999", c) for c in ("student", "unemployed", "relief", "low_income", "farmer")] == [Decimal("0.20")] * 5
    assert compute("0", "farmer", farmer_amount="1.00").amount == Decimal("1.00")
    with pytest.raises(MoneyError, match="0.2元至1元"):
        compute("0", "farmer", farmer_amount="1.50")
    # 1234.50 × 0.5% = 6.1725: half-up 6.17; 1233.00 × 0.5% = 6.165 → 6.17 half-up, 6.16 half-even, 6.16 down
    assert compute("1233.00", "in_service").amount == Decimal("6.17")
    assert compute("1233.00", "in_service", rounding="half_even").amount == Decimal("6.16")
    assert compute("1233.00", "in_service", rounding="down").amount == Decimal("6.16")


@given(cents, cents)
def test_monotone_within_a_bracket(a, b):
    a, b = min(a, b), max(a, b)
    for brackets, category in ((IN_SERVICE_BRACKETS, "in_service"), (RETIRED_BRACKETS, "retired")):
        if compute(a, category).rate == compute(b, category).rate:
            assert amount(a, category) <= amount(b, category)


@given(cents)
def test_never_negative_and_to_the_fen(base):
    for category in ("in_service", "annual_salary", "self_employed", "retired"):
        d = compute(base, category)
        assert d.amount >= 0 and d.amount == d.amount.quantize(Decimal("0.01"))
        assert isinstance(d.amount, Decimal) and isinstance(d.rate, Decimal)


@pytest.mark.parametrize("category, limits", [("in_service", IN_SERVICE_LIMITS), ("retired", [Decimal("5000.00")])])
def test_the_amount_jumps_exactly_above_each_limit(category, limits):
    for limit in limits:
        below, at, above = limit - Decimal("0.01"), limit, limit + Decimal("0.01")
        assert compute(below, category).rate == compute(at, category).rate       # the limit is the lower bracket
        assert compute(above, category).rate > compute(at, category).rate         # one 分 more: the next rate
        assert amount(above, category) - amount(at, category) >= limit * (compute(above, category).rate
                                                                          - compute(at, category).rate) - Decimal("0.01")


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_float_is_refused_never_converted(x):
    with pytest.raises(MoneyError, match="浮点数"):
        money(x)
    with pytest.raises(MoneyError):
        compute(x, "in_service")


def test_the_float_trap_is_on_for_every_dues_test():
    with pytest.raises(decimal.FloatOperation):
        Decimal(0.1)
    with pytest.raises(decimal.FloatOperation):
        Decimal("1.00") < 2.5


@pytest.mark.parametrize("bad", ["-1", "1.001", "abc", "NaN", "Infinity", True])
def test_what_is_not_money(bad):
    with pytest.raises(MoneyError):
        money(bad)


def test_the_base_from_payroll_items():
    """FEE-15: 住房公积金、交通补贴 do not change the base; 个人所得税 is deducted; an unknown item is refused."""
    from dangjian.dues.calc import DEFAULT_PAYROLL_ITEMS

    table = dict(DEFAULT_PAYROLL_ITEMS)
    slip = {"职务工资": "3200.00", "级别工资": "2100.00", "工作性津贴": "900.00", "个人所得税": "120.00"}
    base = base_from_items(slip, table)
    assert base == Decimal("6080.00")
    assert base_from_items({**slip, "住房公积金": "1500.00", "交通补贴": "500.00"}, table) == base
    with pytest.raises(MoneyError, match="奖金"):
        base_from_items({**slip, "奖金": "100"}, table)


@pytest.mark.django_db
def test_the_command_prints_exactly_the_contract(capsys):
    call_command("dues", "calc", "--base", "3000.01", "--category", "in_service", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out == {"base": "3000.01", "category": "in_service", "rate": "0.01", "amount": "30.00", "rule": "FEE-02"}
    call_command("dues", "calc", "--base", "5000", "--category", "离退休")
    assert "25.00" in capsys.readouterr().out
    call_command("dues", "calc", "--base", "100", "--category", "student", "--json")
    assert json.loads(capsys.readouterr().out) == {"base": "100.00", "category": "student", "rate": "fixed",
                                                    "amount": "0.20", "rule": "FEE-06"}
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match="负数"):
        call_command("dues", "calc", "--base", "-5")
