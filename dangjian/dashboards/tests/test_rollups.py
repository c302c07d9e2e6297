"""The rollups equal what one counts by hand on the conftest tree (wc → committee → a (→ a1), b), and the
engine keeps them current: a finding opened or resolved under branch A changes A's row and its ancestors'."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from dangjian.core import engine
from dangjian.core.models import Finding, FindingState
from dangjian.dashboards import rollups
from dangjian.dashboards.models import MonthRollup, Snapshot

AS_OF = dt.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def on_the_day_of_as_of():
    """The findings are "found" when they are created: the clock stands on AS_OF (26 November 2026, Beijing time),
    so that the month they count in does not depend on the day the suite runs."""
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def snap(org, field):
    s = Snapshot.objects.filter(org=org).first()
    return getattr(s, field) if s else 0


def month(org, m, field):
    r = MonthRollup.objects.filter(org=org, month=m).first()
    return getattr(r, field) if r else 0


def all_rows():
    months = {(r.org_id, r.month): tuple(getattr(r, f) for f in rollups.MONTH_FIELDS)
              for r in MonthRollup.objects.all()}
    snaps = {s.org_id: (tuple(getattr(s, f) for f in rollups.SNAPSHOT_FIELDS), s.by_rule)
             for s in Snapshot.objects.all()}
    return months, snaps


def open_finding(org, rule_id="TEST-01", severity="WARN", period="2026-10"):
    # A rule the registry does not know: the engine's runs neither resolve nor re-judge it.
    return Finding.objects.create(rule_id=rule_id, severity=severity, subject_kind="org", subject_id=org.pk,
                                  period=period, org=org, message="测试", citation="测试")


def test_members_are_counted_in_the_branch_and_every_level_above(tree, people):
    rollups.rebuild(AS_OF)
    assert snap(tree.a, "members") == 2 and snap(tree.b, "members") == 2
    assert snap(tree.committee, "members") == 4 and snap(tree.wc, "members") == 4
    assert snap(tree.a1, "members") == 0


def test_finding_opened_and_resolved_through_the_engine_updates_a_and_its_ancestors(tree, people):
    rollups.rebuild(AS_OF)
    before = {o: snap(o, "findings_warn") for o in (tree.a, tree.b, tree.committee, tree.wc)}
    f = open_finding(tree.a)
    engine.run(as_of=AS_OF, org_ids=[tree.a.pk], rule_ids=[])
    for o in (tree.a, tree.committee, tree.wc):
        assert snap(o, "findings_warn") == before[o] + 1, o.name
        assert Snapshot.objects.get(org=o).by_rule.get("TEST-01") == 1
    assert snap(tree.b, "findings_warn") == before[tree.b]
    assert month(tree.committee, dt.date(2026, 10, 1), "findings_warn") >= 1
    assert month(tree.a, dt.date(2026, 10, 1), "opened") == 0   # found in November, not October
    assert month(tree.a, dt.date(2026, 11, 1), "opened") >= 1

    Finding.objects.filter(pk=f.pk).update(state=FindingState.RESOLVED, resolved_at=timezone.now())
    engine.run(as_of=AS_OF, org_ids=[tree.a.pk], rule_ids=[])
    for o in (tree.a, tree.committee, tree.wc):
        assert snap(o, "findings_warn") == before[o], o.name
        assert "TEST-01" not in Snapshot.objects.get(org=o).by_rule
    assert month(tree.wc, dt.date(2026, 11, 1), "resolved") >= 1


def test_the_rollups_equal_the_findings_counted_over_each_subtree(tree, people):
    engine.run(as_of=AS_OF)
    rollups.rebuild(AS_OF)          # (what the background job does once a full run has committed)
    open_finding(tree.b, severity="BLOCK", period="2026Q3")
    engine.run(as_of=AS_OF, org_ids=[tree.b.pk], rule_ids=[])
    for o in (tree.wc, tree.committee, tree.a, tree.b, tree.a1):
        for sev, field in (("BLOCK", "findings_block"), ("WARN", "findings_warn"), ("INFO", "findings_info")):
            n = Finding.objects.filter(org__path__startswith=o.path, state=FindingState.OPEN, severity=sev).count()
            assert snap(o, field) == n, (o.name, sev)
    # A quarter's finding sits in the quarter's last month on the heat map.
    assert month(tree.b, dt.date(2026, 9, 1), "findings_block") == 1


def test_meetings_held_against_due_by_month(tree, people):
    from dangjian.orglife.models import Meeting

    Meeting.objects.create(org=tree.a, type="theme_day", state="held", date=dt.date(2026, 10, 20), topic="主题党日")
    Meeting.objects.create(org=tree.a, type="committee", state="held", date=dt.date(2026, 10, 8), topic="支委会")
    Meeting.objects.create(org=tree.a, type="member_assembly", state="held", date=dt.date(2026, 8, 8), topic="党员大会")
    rollups.rebuild(AS_OF)
    oct_, sep, nov = dt.date(2026, 10, 1), dt.date(2026, 9, 1), dt.date(2026, 11, 1)
    # October: 支委会 + 主题党日 due in each branch, both held in A.
    assert (month(tree.a, oct_, "meetings_due"), month(tree.a, oct_, "meetings_held")) == (2, 2)
    assert (month(tree.b, oct_, "meetings_due"), month(tree.b, oct_, "meetings_held")) == (2, 0)
    assert (month(tree.committee, oct_, "meetings_due"), month(tree.committee, oct_, "meetings_held")) == (4, 2)
    # September closes Q3: 党员大会 and 党课 are due too; A held its 党员大会 in August.
    assert (month(tree.a, sep, "meetings_due"), month(tree.a, sep, "meetings_held")) == (4, 1)
    # November has not ended: nothing is due yet.
    assert month(tree.a, nov, "meetings_due") == 0


def test_open_rectifications_by_age_and_overdue(tree, people):
    from dangjian.supervision.models import Rectification

    Rectification.objects.create(org=tree.a, found=AS_OF - dt.timedelta(days=100), problem="台账不全",
                                 deadline=AS_OF - dt.timedelta(days=10))
    Rectification.objects.create(org=tree.b, found=AS_OF - dt.timedelta(days=5), problem="记录不规范",
                                 deadline=AS_OF + dt.timedelta(days=25))
    Rectification.objects.create(org=tree.b, found=AS_OF - dt.timedelta(days=50), problem="已整改",
                                 closed=AS_OF - dt.timedelta(days=1), state="closed")
    rollups.rebuild(AS_OF)
    assert (snap(tree.a, "rect_age_180"), snap(tree.a, "rect_overdue")) == (1, 1)
    assert (snap(tree.b, "rect_age_30"), snap(tree.b, "rect_overdue"), snap(tree.b, "rect_open")) == (1, 0, 1)
    assert (snap(tree.wc, "rect_open"), snap(tree.wc, "rect_overdue")) == (2, 1)


def test_incremental_refresh_gives_the_same_rows_as_a_rebuild(tree, people):
    from dangjian.orglife.models import Meeting
    from dangjian.supervision.models import Rectification

    rollups.rebuild(AS_OF)
    Meeting.objects.create(org=tree.b, type="theme_day", state="held", date=dt.date(2026, 7, 3), topic="主题党日")
    Rectification.objects.create(org=tree.a1, found=AS_OF - dt.timedelta(days=200), problem="问题")
    open_finding(tree.committee, severity="INFO", period="")
    rollups.refresh(engine.expand_with_ancestors([tree.b.pk, tree.a1.pk, tree.committee.pk]), AS_OF)
    incremental = all_rows()
    rollups.rebuild(AS_OF)
    assert all_rows() == incremental


def test_a_new_month_rebuilds_instead_of_shifting_deltas(tree, people, django_capture_on_commit_callbacks):
    rollups.rebuild(dt.date(2026, 10, 31))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rollups.refresh([tree.a.pk], AS_OF)
    # Not inside the refresh (a user's request): the background job rebuilds once the run has committed.
    assert MonthRollup.objects.filter(month__lt=dt.date(2025, 12, 1)).exists()
    for callback in callbacks:
        callback()
    assert MonthRollup.objects.filter(month__lt=dt.date(2025, 12, 1)).count() == 0


@pytest.mark.parametrize("period,expected", [("2026-03", dt.date(2026, 3, 1)), ("2026Q2", dt.date(2026, 6, 1)),
                                             ("2026H1", dt.date(2026, 6, 1)), ("2025", dt.date(2025, 12, 1))])
def test_period_month(period, expected):
    assert rollups.period_month(period, None) == expected


def test_rebuild_command(tree, people):
    from django.core.management import call_command
    from io import StringIO

    out = StringIO()
    call_command("rollups", "--rebuild", "--as-of", "2026-11-26", stdout=out)
    assert "已重建" in out.getvalue()
    out = StringIO()
    call_command("rollups", stdout=out)
    assert "汇总日期 2026-11-26" in out.getvalue()


def test_a_full_run_has_the_rollups_rebuilt_after_it_commits_not_inside_it(tree, people,
                                                                             django_capture_on_commit_callbacks):
    """A full run (nightly, a changed 规则参数, a large import) leaves the rebuild to a background job once its findings
    are committed — at province scale it takes minutes, which no request should wait for."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        engine.run(as_of=AS_OF)
    assert not Snapshot.objects.exists()            # nothing rebuilt inside the run
    assert callbacks
    for callback in callbacks:                      # the commit: Huey (immediate in tests) rebuilds
        callback()
    assert snap(tree.wc, "members") == snap(tree.committee, "members") == 4


def test_a_failing_rollup_update_does_not_undo_the_runs_findings(tree, people, monkeypatch):
    """The findings are what matters: if the dashboards' update fails, the run's findings are kept (and logged)."""
    rollups.rebuild(AS_OF)

    def broken(*args, **kwargs):
        raise RuntimeError("汇总表故障")

    monkeypatch.setattr(rollups, "refresh", broken)
    Finding.objects.all().delete()
    from dangjian.orglife.models import Meeting

    Meeting.objects.create(org=tree.a, type="theme_day", state="held", date=dt.date(2026, 10, 20), topic="主题党日")
    result = engine.run(as_of=AS_OF, org_ids=[tree.a.pk])
    assert result.opened and Finding.objects.filter(org=tree.a).exists()
