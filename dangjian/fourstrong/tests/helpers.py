"""Shared steps for the “四强”党支部 tests: a published 工委 standard and a branch taken through the procedure."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dangjian.core.models import Finding

# The tests' today (see conftest.py): the 2025 standard is this year's, 2025-12-01 is a past naming day.
TODAY = dt.date(2025, 12, 20)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def published_standard(tree, users, year=2025, jurisdiction=None, who=None):
    from dangjian.fourstrong import actions
    from dangjian.fourstrong.models import Criterion, Standard

    jurisdiction = jurisdiction or tree.wc
    s = Standard.objects.filter(jurisdiction=jurisdiction, year=year).first()
    if s is None:
        s = actions.do_create_standard(jurisdiction=jurisdiction, year=year, acting_user=who or users.wc_admin)
        # The tests' small branches hold few records: no minimums, so only findings stand in the way.
        Criterion.objects.filter(dimension__standard=s).update(minimum=None)
        actions.do_publish_standard(s, acting_user=who or users.wc_admin)
    return s


def full_marks(app) -> dict:
    return {s.criterion_id: (str(s.criterion.points), "按记录") for s in app.scores.select_related("criterion")}


def submitted(tree, users, org, standard=None, secretary=None):
    from dangjian.fourstrong import actions

    standard = standard or published_standard(tree, users)
    secretary = secretary or users.secretary_a
    app = actions.do_open_application(standard=standard, org=org, acting_user=secretary)
    actions.do_save_self_assessment(app, scores=full_marks(app), summary="创建情况", acting_user=secretary)
    return actions.do_submit(app, as_of=dt.date(2025, 11, 30), acting_user=secretary)


def name_branch(tree, users, org, on=dt.date(2025, 12, 1), secretary=None):
    from dangjian.fourstrong import actions

    app = submitted(tree, users, org, secretary=secretary)
    actions.do_review(app, passed=True, scores=full_marks(app), comment="同意", acting_user=users.committee_admin)
    app = actions.do_decide(app, named=True, on=on, acting_user=users.wc_admin)
    return app, app.title


def finding(org, rule_id="ORGLIFE-03", severity="WARN", state="open", person=None, message=None):
    return Finding.objects.create(rule_id=rule_id, severity=severity, subject_kind="org", subject_id=org.pk,
                                  period="2025-10", org=org, person=person, state=state,
                                  message=message or f"{org.name}：2025年10月没有开展主题党日", citation="支部条例第十六条")
