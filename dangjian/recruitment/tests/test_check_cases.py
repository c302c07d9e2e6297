"""`dangjian check` on recruitment files (DEV rules, subject {"person": id}): the complete, correct
file (cases.complete) produces no DEV finding; each deliberately broken variant produces the finding of
its rule, at the boundaries the 细则 sets (one month, six months, one year from a 29 February, half
present, three and six months, 6- and 13-month extensions)."""
import pytest

from dangjian.djx.check import check_document

from . import cases as c


def dev(doc, as_of=None):
    return [(f["rule"], f["severity"], f["subject"]) for f in check_document(doc, as_of) if f["rule"].startswith("DEV-")]


def rules_of(doc, as_of=None):
    return {r for r, _, _ in dev(doc, as_of)}


@pytest.mark.django_db
def test_the_complete_file_is_clean():
    assert dev(c.complete()) == []


BROKEN = {
    # rule: (change to the complete file's events, severity, as_of or None, people changes or None)
    "DEV-01": (c.then(c.edit("application", date="2018-02-27"), c.edit("first_talk", date="2018-03-20")),
               "BLOCK", None, None),                                               # 18 on 2018-02-28
    "DEV-02": (c.upto("candidate"), "WARN", "2024-04-01", {"a1": {"org": "wc"}}),  # received by the 工委
    "DEV-03": (c.edit("first_talk", date="2023-02-11"), "WARN", None, None),       # a month and a day
    "DEV-04": (c.drop("activist_filed"), "WARN", None, None),
    "DEV-05": (c.edit("mentors", persons=["s1", "m9"]), "WARN", None, None),      # m9 full only from 2024
    "DEV-06": (c.edit("activist_review", date="2023-09-16"), "WARN", None, None),  # six months and a day
    # moved to the 财政局's 机关党委 while still a 发展对象; the file stayed with 办公室党支部 (FILE_KEYS)
    "DEV-07": (c.upto("candidate"), "WARN", "2024-04-01", {"a1": {"org": "c2"}}),
    "DEV-08": (c.edit("candidate", date="2024-03-14"), "BLOCK", None, None),       # a day short of a year
    "DEV-09": (c.edit("sponsors", persons=["s1"]), "BLOCK", None, None),
    "DEV-10": (c.edit("political_review", conclusion="fail"), "BLOCK", None, None),
    "DEV-11": (c.edit("training", days=2.5, hours=23.5), "BLOCK", None, None),
    "DEV-12": (c.drop("committee_review"), "BLOCK", None, None),
    "DEV-13": (c.drop("pre_review"), "BLOCK", None, None),
    "DEV-14": (c.edit("branch_vote", present=5), "BLOCK", None, None),             # exactly half present
    "DEV-15": (c.edit("branch_vote", candidates_in_vote=2), "BLOCK", None, None),
    "DEV-16": (c.edit("approval", by="c2"), "WARN", None, None),        # not above the branch
    "DEV-17": (c.drop("upper_talk"), "BLOCK", None, None),
    "DEV-18": (c.edit("approval", date="2024-09-06"), "WARN", None, None),          # three months and a day
    "DEV-19": (c.then(c.edit("approval", by="g1")), "BLOCK", None, None),
    "DEV-20": (c.upto("oath"), "WARN", "2024-12-01", {"a1": {"org": "g1"}}),  # kept by the 总支, not a branch
    "DEV-21": (c.drop("oath"), "INFO", None, None),
    "DEV-22": (c.add({"step": "extension", "date": "2025-06-10", "months": 13}), "BLOCK", None,
               {"a1": {"full_member_date": "2026-07-05"}}),
    "DEV-23": (c.edit("confirm_vote", yes=4, present=5), "BLOCK", None, None),
    "DEV-24": (c.then(c.edit("confirm_approval", date="2025-09-11"), c.edit("archive", date="2025-09-15")), "WARN",
               None, None),
    "DEV-25": (lambda e: e, "WARN", None, {"a1": {"full_member_date": "2025-07-01"}}),
    "DEV-26": (c.edit("archive", docs=["application", "volunteer_form"]), "WARN", None, None),
    # 发展对象's 公示 Fri 2024-03-08 … Wed 03-13: four working days, the weekend does not count
    "DEV-27": (c.publicity(short="candidate"), "WARN", None, None),
}
# The recruitment file's own keys (DJX: the platform's extension) for the cases that need them.
FILE_KEYS = {"DEV-07": {"org": "b1"}}


@pytest.mark.django_db
@pytest.mark.parametrize("rule_id", sorted(BROKEN))
def test_each_broken_file_produces_its_rule(rule_id):
    change, severity, as_of, people = BROKEN[rule_id]
    found = dev(c.with_events(change, people=people, file=FILE_KEYS.get(rule_id)), as_of)
    assert (rule_id, severity, {"person": "a1"}) in found, found
    # One broken step, one rule (the dates of the complete file sit on the boundaries of the others).
    assert {r for r, _, _ in found} == {rule_id}, found


STILL_CLEAN = {
    # the other side of each boundary above
    "applied on the 18th birthday (born 29 February: 28 February)": (
        c.then(c.edit("application", date="2018-02-28"), c.edit("first_talk", date="2018-03-20")), None),
    "a six-month extension": (c.add({"step": "extension", "date": "2025-06-10", "months": 6}),
                              {"a1": {"full_member_date": "2025-12-05"}}),
    "a twelve-month extension": (c.add({"step": "extension", "date": "2025-06-10", "months": 12}),
                                 {"a1": {"full_member_date": "2026-06-05"}}),
    "just over half present": (c.edit("branch_vote", present=6, yes=6, written_yes=0), None),
    "written opinions make the majority": (c.edit("branch_vote", yes=4, written_yes=2), None),
    "five working days of publicity before each decision": (c.publicity(), None),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(STILL_CLEAN))
def test_the_other_side_of_each_boundary_is_clean(name):
    change, people = STILL_CLEAN[name]
    assert dev(c.with_events(change, people=people)) == []


@pytest.mark.django_db
def test_a_year_from_29_february_ends_on_28_february():
    """DEV-08: 经过一年以上培养 — an activist from 2024-02-29 may become a candidate on 2025-02-28."""
    def chain(candidate_day):
        return c.then(c.upto("candidate"), c.edit("activist", date="2024-02-29"), c.edit("mentors", date="2024-02-29"),
                      c.edit("activist_filed", date="2024-03-05"), c.edit("activist_review", 0, date="2024-08-29"),
                      c.edit("activist_review", 1, date="2025-02-20"), c.edit("candidate", date=candidate_day))
    assert rules_of(c.with_events(chain("2025-02-28"), as_of="2025-03-01")) == set()
    assert rules_of(c.with_events(chain("2025-02-27"), as_of="2025-03-01")) == {"DEV-08"}


@pytest.mark.django_db
@pytest.mark.parametrize("as_of, expected", [
    ("2024-09-05", set()),                 # three months to the day after the vote: still in time
    ("2024-09-06", {"DEV-18"}),            # not approved yet, three months and a day
    ("2024-12-05", {"DEV-18"}),
    ("2024-12-06", {"DEV-18"}),            # six months and a day: BLOCK (below)
])
def test_an_approval_still_pending(as_of, expected):
    doc = c.with_events(c.upto("upper_talk"), as_of=as_of)
    found = dev(doc)
    assert {r for r, _, _ in found} == expected
    if as_of == "2024-12-06":
        assert found[0][1] == "BLOCK"
    elif expected:
        assert found[0][1] == "WARN"


@pytest.mark.django_db
@pytest.mark.parametrize("as_of, expected", [
    ("2023-02-03", set()), ("2023-02-04", {("DEV-03", "INFO")}),   # day 25 after receipt: a reminder
    ("2023-02-10", {("DEV-03", "INFO")}), ("2023-02-11", {("DEV-03", "WARN")}),
])
def test_the_first_talk_is_due_within_a_month(as_of, expected):
    found = dev(c.with_events(c.upto("application"), as_of=as_of))
    assert {(r, s) for r, s, _ in found} == expected


def test_every_dev_rule_that_check_runs_has_a_broken_case():
    """Derived from the registry: a new DEV rule without a case here fails this test."""
    from dangjian.core import engine

    checked = {r.id for r in engine.registry if r.id.startswith("DEV-") and not r.live_only}
    assert checked == set(BROKEN), checked ^ set(BROKEN)
    # …and every DEV rule is one `check` runs (27 of them: DEV-01 … DEV-27).
    assert {r.id for r in engine.registry if r.id.startswith("DEV-")} == checked == {f"DEV-{i:02}" for i in range(1, 28)}


@pytest.mark.django_db
@pytest.mark.parametrize("leave, expected", [
    ("2024-09-04", {("DEV-13", "WARN")}),    # leaving a day before three months after the vote (2024-06-05)
    ("2024-09-05", set()),                   # three months to the day: not "within three months"
    ("2024-06-04", set()),                   # gone before the vote: not this rule's question
])
def test_a_candidate_leaving_within_three_months_is_not_received(leave, expected):
    """DEV-13 (细则第十九条): 发展对象未来三个月内将离开工作、学习单位的，一般不办理接收手续."""
    found = dev(c.with_events(c.upto("approval"), as_of="2024-09-10", file={"planned_leave": leave}))
    assert {(r, s) for r, s, _ in found} == expected


@pytest.mark.django_db
@pytest.mark.parametrize("as_of, expected", [
    ("2024-03-31", set()),                           # leaving on 2024-06-30: three months to the day
    ("2024-04-01", {("DEV-13", "WARN", "预计")}),     # within three months
    ("2024-07-15", {("DEV-13", "WARN", "已于")}),     # already gone, the file still waiting
])
def test_a_candidate_about_to_leave_is_flagged_before_the_vote(as_of, expected):
    found = check_document(c.with_events(c.upto("candidate"), file={"planned_leave": "2024-06-30"}), as_of)
    assert {(f["rule"], f["severity"], "已于" if "已于" in f["message"] else "预计") for f in found
            if f["rule"] == "DEV-13"} == expected


@pytest.mark.django_db
def test_publicity_is_judged_in_check_when_the_file_records_it_or_its_settings_require_it():
    """DEV-27 is a local rule ([P]): a plain DJX v1 file has no 公示, so `check` judges it only when the
    file records 公示 or `meta.settings.publicity_working_days` says the jurisdiction requires it."""
    assert rules_of(c.complete()) == set()
    doc = c.complete()
    doc["meta"]["settings"] = {"publicity_working_days": 5}
    (found,) = [f for f in check_document(doc) if f["rule"] == "DEV-27"]
    for decision in ("确定入党积极分子", "确定发展对象", "支部大会讨论接收预备党员", "支部大会讨论转正"):
        assert decision in found["message"]
    doc = c.with_events(c.publicity(short="confirmation"))
    doc["meta"]["settings"] = {"publicity_working_days": 4}        # the jurisdiction asks four
    assert rules_of(doc) == set()
    doc["meta"]["settings"] = {"publicity_working_days": 0}        # or none at all
    assert rules_of(doc) == set()
    doc["meta"]["settings"] = {}                                    # the default: five
    assert rules_of(doc) == {"DEV-27"}


@pytest.mark.django_db
def test_a_publicity_ending_on_the_decision_day_counts_and_one_ending_after_does_not():
    on_the_day = c.with_events(c.then(c.publicity(), c.edit("publicity", 1, date="2024-03-11", end="2024-03-15")))
    assert rules_of(on_the_day) == set()                             # Mon … Fri, the 发展对象 decided on Fri
    after = c.with_events(c.then(c.publicity(), c.edit("publicity", 1, date="2024-03-11", end="2024-03-18")))
    assert rules_of(after) == {"DEV-27"}


@pytest.mark.parametrize("file, path, words", [
    ({"closed_reason": "本人撤回"}, "closed_reason", "没有结束日期"),
    ({"closed": "2025-06-30", "closed_reason": "转正"}, "closed", "早于最后一个环节"),  # approved on 2025-07-01
    ({"org": "wc"}, "org", "党支部、党总支或基层党委"),
])
def test_the_files_own_keys_are_checked(file, path, words):
    from dangjian.djx.validation import validate

    errors = validate(c.with_events(c.drop("archive"), file=file))
    assert [(e.path, words in e.message) for e in errors] == [(f"recruitment[0].{path}", True)]


@pytest.mark.parametrize("event, path, words", [
    ({"step": "publicity", "date": "2024-03-08", "for": "candidate"}, "end", "截止日期"),
    ({"step": "publicity", "date": "2024-03-08", "end": "2024-03-14"}, "for", "公示事项"),
    ({"step": "publicity", "date": "2024-03-08", "end": "2024-03-07", "for": "candidate"}, "end", "早于"),
    ({"step": "oath", "date": "2024-09-30", "for": "candidate"}, "for", "只有公示环节"),
])
def test_a_publicity_record_says_what_and_until_when(event, path, words):
    from dangjian.djx.validation import validate

    errors = validate(c.with_events(c.add(event)))
    assert [(e.path, words in e.message) for e in errors] == [(f"recruitment[0].events[24].{path}", True)]


@pytest.mark.django_db
def test_several_problems_of_one_rule_are_one_finding_at_the_gravest_severity():
    """One finding per person and rule (as the live system stores it): DEV-22's WARN for a confirmation
    not discussed and its BLOCK for a 13-month extension become one BLOCK finding naming both; DEV-13's
    BLOCK for no pre-review stays BLOCK beside its WARN for leaving within three months."""
    doc = c.with_events(c.then(c.upto("oath"), c.add({"step": "extension", "date": "2025-06-10", "months": 13})),
                        people={"a1": {"full_member_date": None}})
    (f,) = [f for f in check_document(doc, "2026-12-31") if f["rule"] == "DEV-22"]
    assert f["severity"] == "BLOCK" and "13个月" in f["message"] and "仍未讨论其转正" in f["message"]
    doc = c.with_events(c.then(c.upto("approval"), c.drop("pre_review")), file={"planned_leave": "2024-08-01"})
    (f,) = [f for f in check_document(doc, "2024-09-10") if f["rule"] == "DEV-13"]
    assert f["severity"] == "BLOCK" and "预审" in f["message"] and "不足三个月" in f["message"]
