import datetime as dt

from dangjian.core import engine
from dangjian.dispositions import actions

D = dt.date


def hits(as_of, *rule_ids, **settings):
    ctx = engine.Context(as_of=as_of, settings=engine.effective_settings(settings))
    return {(r.id, h.subject.pk): (h.severity or r.severity, h.message) for r, h in engine.evaluate(ctx, rule_ids)}


def open_for(person, user=None, measure="correction", grounds="org_life", day=D(2025, 1, 6), **kw):
    return actions.do_open_disposition(person=person, measure=measure, grounds=grounds, committee_date=day,
                                       acting_user=user, **kw)


def through_vote(d, user=None, start=D(2025, 1, 6), eligible=4, present=3, yes=3):
    d = actions.do_file_disposition(d, date=start + dt.timedelta(days=1), acting_user=user)
    d = actions.do_record_investigation(d, date=start + dt.timedelta(days=2), note="经核实，情况属实；已听取本人意见。",
                                        acting_user=user)
    return actions.do_record_vote(d, date=start + dt.timedelta(days=3), eligible=eligible, present=present, yes=yes,
                                  acting_user=user)


def effective(person, user=None, measure="correction", approved=D(2025, 1, 10), **kw):
    d = through_vote(open_for(person, user, measure=measure), user)
    return actions.do_approve_disposition(d, date=approved, acting_user=user, **kw)
