"""The shared example (two branches, 2025) recorded through the actions — independent of the DJX
importer — gives exactly the organisational-life findings its expectation file asks for."""
import datetime as dt
import json
from pathlib import Path

import pytest

from dangjian.core import engine
from dangjian.orglife.actions import do_record_meeting, do_record_talk
from dangjian.orgs.actions import do_appoint, do_create_org
from dangjian.people.actions import do_create_person

EXAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "examples"
ORGLIFE_PREFIXES = ("BR-05", "BR-06", "BR-07", "BR-08", "ORGLIFE-", "DLH-", "REL-", "EVAL-", "TALK-")


def load(doc):
    """Record the example's orgs, people, posts, meetings and talks with the domain actions."""
    day = lambda s: dt.date.fromisoformat(s) if s else None  # noqa: E731
    orgs, people = {}, {}
    for o in doc["orgs"]:
        orgs[o["id"]] = do_create_org(name=o["name"], type=o["type"], parent=orgs.get(o["parent"]),
                                      committee_elected=day(o.get("committee_elected")), external_id=o["id"])
    for p in doc["people"]:
        people[p["id"]] = do_create_person(name=p["name"], org=orgs[p["org"]], status=p["status"],
                                           probationary_date=day(p.get("probationary_date")),
                                           full_member_date=day(p.get("full_member_date")), external_id=p["id"])
    for p in doc["posts"]:
        do_appoint(person=people[p["person"]], org=orgs[p["org"]], role=p["role"], start=day(p.get("start")),
                   approved=day(p.get("approved")))
    for m in doc["meetings"]:
        expected = [people[i] for i in m["expected"]] if m.get("expected") else None
        do_record_meeting(org=orgs[m["org"]], type=m["type"], date=day(m["date"]), topic=m["topic"],
                          present=[people[i] for i in m.get("present", ())], expected=expected,
                          lecturer=people.get(m.get("lecturer")), external_id=m["id"])
    for t in doc["talks"]:
        do_record_talk(a=people[t["a"]], b=people[t["b"]], date=day(t["date"]))
    return orgs, people


@pytest.mark.skipif(not EXAMPLES.exists(), reason="shared examples not present")
def test_the_example_gives_its_must_findings_and_none_of_its_must_not(db):
    doc = json.loads((EXAMPLES / "two-branches-2025.djx.json").read_text(encoding="utf-8"))
    expected = json.loads((EXAMPLES / "two-branches-2025.expected.json").read_text(encoding="utf-8"))
    orgs, people = load(doc)
    ids = {("org", o.pk): k for k, o in orgs.items()} | {("person", p.pk): k for k, p in people.items()}
    ctx = engine.Context(as_of=dt.date.fromisoformat(doc["meta"]["as_of"]), settings=engine.effective_settings())
    found = set()
    for r, h in engine.evaluate(ctx):
        if r.id.startswith(ORGLIFE_PREFIXES):
            kind = engine.subject_kind(r, h)
            found.add((r.id, kind, ids.get((kind, h.subject.pk), getattr(h.subject, "external_id", "")), h.period))
    for rule_id, kind, sid, period in expected["must"]:
        if rule_id.startswith(ORGLIFE_PREFIXES):
            assert (rule_id, kind, sid, period) in found
    for rule_id, kind, sid in expected["must_not"]:
        assert not any(f[:3] == (rule_id, kind, sid) for f in found), (rule_id, kind, sid)
    # The good branch b1 has nothing at all; b2 only what the example names.
    assert {f for f in found if f[2] in ("b1", "b2")} == {tuple(m) for m in expected["must"]}
    assert not [f for f in found if f[1] != "org"]
