"""Cases a review found: a branch cannot close its own problem by importing a file; an exported problem
comes back as the same record; a branch cannot organise an inspection of itself; a file judged at an
earlier date sees a problem closed later as still open."""
import datetime as dt

import pytest

from dangjian.core.errors import ActionError
from dangjian.djx.actions import do_import_djx
from dangjian.djx.exporter import export_document
from dangjian.supervision import actions
from dangjian.supervision.models import Rectification

from .test_check import doc, rect, sup
from .test_supervision import _problem

pytestmark = pytest.mark.django_db


def test_a_branch_cannot_close_its_own_problem_by_import(tree, users):
    r = _problem(tree, users)
    out = export_document(user=users.secretary_a, org=tree.a, log=False)
    (row,) = out["rectifications"]
    row.update(closed="2025-06-01", evidence="已整改")
    report = do_import_djx(out, acting_user=users.secretary_a, run_rules=False)
    assert report.ok, report.errors
    r.refresh_from_db()
    assert (r.state, r.closed, r.approved) == ("open", None, False)
    assert Rectification.objects.count() == 1 and r.evidence == "已整改"


def test_an_exported_problem_comes_back_as_the_same_record(tree, users):
    r = _problem(tree, users)
    actions.do_add_evidence(r, evidence="补记表决情况", acting_user=users.secretary_a)
    actions.do_request_closure(r, acting_user=users.secretary_a)
    out = export_document(log=False)
    assert out["rectifications"][0]["id"] == f"r-{r.pk}"
    do_import_djx(out, run_rules=False)
    assert Rectification.objects.count() == 1
    assert Rectification.objects.get().state == "requested"


def test_no_inspection_of_oneself(tree, users):
    with pytest.raises(ActionError, match="上级党组织"):
        actions.do_create_plan(issuing_org=tree.a, scope=tree.a, kind="random", title="自己抽自己",
                               start=dt.date(2025, 5, 1), sample_size=1, acting_user=users.secretary_a)
    plan = actions.do_create_plan(issuing_org=tree.committee, scope=tree.committee, kind="concentrated", title="督查",
                                  start=dt.date(2025, 5, 1), acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="不能把自己"):
        actions.do_record_problem(plan=plan, org=tree.committee, problem="x", found=dt.date(2025, 5, 2),
                                  deadline=dt.date(2025, 6, 2))


def test_judged_at_an_earlier_date_a_later_closure_is_not_seen():
    d = doc(rect(closed="2025-09-01", evidence=""))
    assert sup(d, "2025-08-15") == [("SUP-01", "BLOCK", "r1")]      # 46 days late on 15 August, not closed yet
    assert sup(d, "2025-09-01") == [("SUP-02", "WARN", "r1"), ("SUP-03", "WARN", "r1")]
