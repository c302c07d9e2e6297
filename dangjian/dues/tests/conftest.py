"""No float touches money: every dues test runs with decimal's FloatOperation trapped, so building a
Decimal from a float, or comparing one with a float, anywhere on the way (calculator, ledger, importer,
rules, screens) raises and fails the test."""
import decimal

import pytest


@pytest.fixture(autouse=True)
def no_float_money():
    ctx = decimal.getcontext()
    before = ctx.traps[decimal.FloatOperation]
    ctx.traps[decimal.FloatOperation] = True
    yield
    ctx.traps[decimal.FloatOperation] = before
