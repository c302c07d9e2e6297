"""The “四强”党支部 tests run on a fixed calendar: today is 2025-12-20 (the 2025 standard is this year's, a branch
named on 2025-12-01 was named in the past). A test that needs a later day moves the clock: `today.move_to(...)`."""
from __future__ import annotations

import datetime as dt

import pytest

from .helpers import TODAY, at


class Clock:
    def __init__(self, machine):
        self.machine = machine

    def move_to(self, day: dt.date) -> None:
        self.machine.move_to(at(day), tick=True)


@pytest.fixture(autouse=True)
def today(time_machine):
    clock = Clock(time_machine)
    clock.move_to(TODAY)
    return clock
