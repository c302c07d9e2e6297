"""学习教育's part of the permission matrix: a study plan, a training class and a lecture schedule of branch A
(UI `study:studyplan_…`, `trainingclass_…`, `lectureschedule_…`; API `studyplan-…`, `trainingclass-…`,
`lectureschedule-…`). The `studyrecord` prefix is in the main matrix."""
import datetime as dt

OBJECTS = {"studyplan": "study_plan", "trainingclass": "training_class", "lectureschedule": "lecture_schedule"}


def objects(tree, people, users) -> dict:
    from dangjian.study import actions

    plan = actions.do_create_plan(org=tree.a, year=2026, acting_user=users.secretary_a)
    c = actions.do_create_class(org=tree.a, kind="reading", title="支部读书班", start=dt.date(2026, 3, 2),
                                end=dt.date(2026, 3, 2), acting_user=users.secretary_a)
    actions.do_change_participants(c, add=[people.member_a])
    s = actions.do_create_schedule(org=tree.a, person=people.secretary_a, year=2026)
    actions.do_add_planned_lecture(s, topic="党课", start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 30))
    return {"study_plan": plan, "training_class": c, "lecture_schedule": s}
