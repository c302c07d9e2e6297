"""DJX recruitment cases: one complete, correct recruitment (李明, from application in 2023 to
confirmation and archiving in 2025) in a small tree, and helpers to break one step of it.

The tree: 机关工委 wc › 机关党委 c1 (approves) › 党总支 g1 › 党支部 b1 (receives); another 机关党委 c2 and a
community 党委 v1 under wc.
Members of b1: 书记 s1, 委员 s2 (both 正式党员 since 2010), 正式党员 m1, and 王芳 m9 (正式党员 only from
2024-06-01). The applicant a1 (李明) was born 2000-02-29."""
from __future__ import annotations

import copy
import datetime as dt

AS_OF = "2025-12-31"


def person(pid, name, status="full", org="b1", **kw):
    p = {"id": pid, "name": name, "gender": "male", "birth_date": "1980-01-01", "org": org, "status": status,
         "probationary_date": "2009-07-01", "full_member_date": "2010-07-01"}
    p.update(kw)
    return p


def complete_events() -> list[dict]:
    return [
        {"step": "application", "date": "2023-01-10"},
        {"step": "first_talk", "date": "2023-02-10"},                      # exactly one month
        {"step": "activist", "date": "2023-03-15"},
        {"step": "activist_filed", "date": "2023-03-20"},
        {"step": "mentors", "date": "2023-03-15", "persons": ["s1", "m1"]},
        {"step": "activist_review", "date": "2023-09-15"},                 # exactly six months
        {"step": "activist_review", "date": "2024-03-10"},
        {"step": "candidate", "date": "2024-03-15"},                       # exactly one year
        {"step": "candidate_filed", "date": "2024-03-20"},
        {"step": "sponsors", "date": "2024-03-15", "persons": ["s1", "m1"]},
        {"step": "political_review", "date": "2024-04-20", "conclusion": "pass"},
        {"step": "training", "date": "2024-05-10", "days": 3, "hours": 20},
        {"step": "committee_review", "date": "2024-05-20"},
        {"step": "pre_review", "date": "2024-05-25"},
        {"step": "volunteer_form", "date": "2024-05-28"},
        {"step": "branch_vote", "date": "2024-06-05", "eligible": 10, "present": 6, "yes": 5, "written_yes": 1,
         "candidates_in_vote": 1},
        {"step": "upper_talk", "date": "2024-06-20"},
        {"step": "approval", "date": "2024-09-05", "by": "c1"},             # three months to the day
        {"step": "filed_upward", "date": "2024-09-10"},
        {"step": "oath", "date": "2024-09-30"},
        {"step": "confirm_application", "date": "2025-05-20"},
        {"step": "confirm_vote", "date": "2025-06-10", "eligible": 10, "present": 8, "yes": 8,
         "candidates_in_vote": 1},
        {"step": "confirm_approval", "date": "2025-07-01", "by": "c1"},
        {"step": "archive", "date": "2025-07-08",
         "docs": ["application", "volunteer_form", "political_review", "confirm_application", "cultivation_records"]},
    ]


def complete() -> dict:
    return {
        "format": "djx/1",
        "meta": {"as_of": AS_OF, "title": "发展党员：一份完整、正确的纪实"},
        "units": [{"id": "u1", "name": "市交通运输局"}],
        "orgs": [
            {"id": "wc", "name": "市直机关工委", "type": "work_committee", "parent": None},
            {"id": "c1", "name": "市交通运输局机关党委", "type": "committee", "parent": "wc", "unit": "u1"},
            {"id": "g1", "name": "综合党总支", "type": "general_branch", "parent": "c1", "unit": "u1"},
            {"id": "b1", "name": "办公室党支部", "type": "branch", "parent": "g1", "unit": "u1",
             "founded": "2000-01-01", "committee_elected": "2024-03-01"},
            {"id": "c2", "name": "市财政局机关党委", "type": "committee", "parent": "wc"},
            {"id": "v1", "name": "某社区党委", "type": "committee", "parent": "wc", "village_or_community": True},
        ],
        "people": [
            person("s1", "张书记"), person("s2", "刘委员"), person("m1", "陈党员"),
            person("m9", "王芳", probationary_date="2023-06-01", full_member_date="2024-06-01"),
            person("a1", "李明", birth_date="2000-02-29", probationary_date="2024-06-05",
                   full_member_date="2025-06-05"),
        ],
        "posts": [{"person": "s1", "org": "b1", "role": "secretary", "start": "2024-03-01", "approved": "2024-03-10"},
                  {"person": "s2", "org": "b1", "role": "organization", "start": "2024-03-01"}],
        "recruitment": [{"person": "a1", "events": complete_events()}],
    }


def with_events(change, as_of: str = AS_OF, people=None, file=None) -> dict:
    """The complete file with its events changed by `change(events) -> events` (and the recruitment
    file's own keys set from `file`)."""
    doc = complete()
    doc["recruitment"][0]["events"] = change(copy.deepcopy(doc["recruitment"][0]["events"]))
    doc["recruitment"][0].update(file or {})
    doc["meta"]["as_of"] = as_of
    if people:
        for p in doc["people"]:
            p.update(people.get(p["id"], {}))
    return doc


def upto(step: str):
    """Keep the events up to and including the first `step` (a file still in progress)."""
    def change(events):
        out = []
        for e in events:
            out.append(e)
            if e["step"] == step:
                break
        return out
    return change


def edit(step: str, nth: int = 0, **fields):
    """Change the fields of the nth event of `step` (None removes a field)."""
    def change(events):
        matches = [e for e in events if e["step"] == step]
        e = matches[nth]
        for k, v in fields.items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        return events
    return change


def drop(*steps: str):
    return lambda events: [e for e in events if e["step"] not in steps]


def add(event: dict):
    return lambda events: events + [event]


def then(*changes):
    def change(events):
        for c in changes:
            events = c(events)
        return events
    return change


def publicity(short: str | None = None):
    """公示 before each of the four decisions (DEV-27), five working days each, ending the day before; with
    `short` (activist | candidate | admission | confirmation) that one has only four."""
    shown = {"activist": ("2023-03-08", "2023-03-14"),       # Wed … Tue: 5 working days
             "candidate": ("2024-03-08", "2024-03-14"),      # Fri … Thu: 5
             "admission": ("2024-05-29", "2024-06-04"),      # Wed … Tue: 5
             "confirmation": ("2025-06-03", "2025-06-09")}   # Tue … Mon: 5
    if short:
        start, end = shown[short]
        shown[short] = (start, day(end, -1))                 # one working day less
    return lambda events: events + [{"step": "publicity", "date": a, "end": b, "for": what}
                                    for what, (a, b) in shown.items()]


def day(s: str, days: int = 0, months: int = 0) -> str:
    from dangjian.core.periods import add_months
    return (add_months(dt.date.fromisoformat(s), months) + dt.timedelta(days=days)).isoformat()


def case_file(rule_id: str, change, as_of: str | None, people: dict | None, clean=None,
              file=None) -> tuple[dict, dict]:
    """A DJX file for one rule, with its expectation in the shared example's format: 李明 (a1) with the
    broken step must be found; 赵华 (a2), the same file on the right side of the boundary, must not."""
    doc = with_events(change, as_of=as_of or AS_OF, people=people, file=file)
    doc["meta"]["title"] = f"发展党员 {rule_id}：李明的纪实违反该规则，赵华的纪实在界限的另一侧"
    a2 = dict(next(p for p in complete()["people"] if p["id"] == "a1"), id="a2", name="赵华")
    if clean is not None:             # (change, person fields) of the right side of the boundary
        events, fields = clean[0](copy.deepcopy(complete_events())), clean[1]
        a2.update(fields)
    else:
        events = complete_events() if people is None else change(copy.deepcopy(complete_events()))
    doc["people"].append(a2)
    doc["recruitment"].append({"person": "a2", "events": events})
    expected = {"must": [[rule_id, "person", "a1", None]], "must_not": [[rule_id, "person", "a2"]]}
    return doc, expected
