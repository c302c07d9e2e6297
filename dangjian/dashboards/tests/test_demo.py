"""`make run`'s demo shows the dashboards at once: the loader builds the rollups itself at the end of the load,
without waiting for a background worker (here: none — the job is never run)."""
import datetime as dt

import pytest

from dangjian.dashboards.models import MonthRollup, RollupState, Snapshot
from dangjian.demo import loader
from dangjian.orgs.models import Org


@pytest.mark.django_db
def test_the_demo_has_rollups_for_the_root_and_a_branch_without_a_worker(monkeypatch):
    from dangjian.dashboards import tasks

    queued = []
    monkeypatch.setattr(tasks, "rebuild_rollups", lambda: queued.append(1))   # no worker running
    as_of = dt.date(2025, 11, 20)
    loader.load("small", seed=7, as_of=as_of)
    assert RollupState.objects.get().as_of == as_of
    root = Org.objects.order_by("depth", "path").first()
    branch = Org.objects.filter(type="branch", people__isnull=False).order_by("path").first()
    for org in (root, branch):
        s = Snapshot.objects.get(org=org)
        assert s.members > 0, org.name
        assert MonthRollup.objects.filter(org=org).exists(), org.name
    assert Snapshot.objects.get(org=root).members >= Snapshot.objects.get(org=branch).members
