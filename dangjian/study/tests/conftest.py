"""The 学习教育 tests run on a fixed calendar: today is 2026-11-20 (clock.TODAY), whatever the real date is. A plan
for this year has its April and second-quarter items past and its December item ahead; the 2026 lecture windows
fall within the 12 months the 补课 list looks back on."""
from __future__ import annotations

import pytest

from .clock import TODAY, at


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(at(TODAY), tick=True)
    return TODAY
