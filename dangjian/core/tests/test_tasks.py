"""The nightly run: findings that depend only on the date appear without any record changing."""
import datetime as dt

import time_machine

from dangjian.core.models import Finding
from dangjian.core.tasks import nightly_evaluation


def test_nightly_run_raises_the_term_reminder_when_the_day_comes(tree, people):
    # Branch A was elected 2024-03-15 for 3 years: the six-month reminder (TERM-02) is due 2026-09-15.
    with time_machine.travel(dt.datetime(2026, 9, 14, 12, tzinfo=dt.timezone.utc), tick=False):
        nightly_evaluation.call_local()
        assert not Finding.objects.filter(rule_id="TERM-02", org=tree.a, state="open").exists()
    with time_machine.travel(dt.datetime(2026, 9, 15, 12, tzinfo=dt.timezone.utc), tick=False):
        nightly_evaluation.call_local()
        assert Finding.objects.filter(rule_id="TERM-02", org=tree.a, state="open").exists()


def test_planner_statistics_are_refreshed(tree, people):
    from django.db import connection

    from dangjian.core.db import refresh_planner_statistics

    refresh_planner_statistics()
    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'people_person'")
            assert c.fetchone()[0] > 0
