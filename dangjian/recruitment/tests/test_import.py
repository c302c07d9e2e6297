"""DJX `recruitment` into the database: one file per person under the person's branch, its events
with the people they name and the approving org. Importing the same file again changes nothing; a
changed step voids the old event (kept, with the reason) and adds the new one — history, not edits."""
import datetime as dt

import pytest

from dangjian.djx.actions import do_import_djx
from dangjian.recruitment.models import RecruitmentEvent, RecruitmentFile

from . import cases as c


@pytest.mark.django_db
def test_a_recruitment_file_is_imported_once_and_corrections_keep_the_history():
    report = do_import_djx(c.complete(), run_rules=False)
    assert (report.counts["recruitment"].created, report.counts["recruitment"].updated) == (1, 0)
    f = RecruitmentFile.objects.get()
    assert (f.person.name, f.org.name) == ("李明", "办公室党支部")
    events = f.events.filter(voided_at__isnull=True)
    assert events.count() == 24
    sponsors = events.get(step="sponsors")
    assert sorted(p.name for p in sponsors.persons.all()) == ["张书记", "陈党员"]
    assert events.get(step="approval").approver.name == "市交通运输局机关党委"

    again = do_import_djx(c.complete(), run_rules=False)
    assert (again.counts["recruitment"].created, again.counts["recruitment"].unchanged) == (0, 1)
    assert RecruitmentEvent.objects.count() == 24

    corrected = do_import_djx(c.with_events(c.edit("oath", date="2024-10-08")), run_rules=False)
    assert corrected.counts["recruitment"].updated == 1
    old = RecruitmentEvent.objects.get(step="oath", date=dt.date(2024, 9, 30))
    assert old.voided_at and old.void_reason
    assert RecruitmentEvent.objects.get(step="oath", voided_at__isnull=True).date == dt.date(2024, 10, 8)


@pytest.mark.django_db
def test_an_activist_moved_to_another_branch_without_the_file_is_a_finding():
    """DEV-07 (细则第十二条): the file stays with the branch that cultivates; when the activist's
    组织关系 moves and the file does not, the move is reported (in DJX: the file's `org` differs from the
    person's, see test_check_cases)."""
    from dangjian.core import engine
    from dangjian.orgs.models import Org
    from dangjian.people.actions import do_move_person
    from dangjian.people.models import Person

    do_import_djx(c.with_events(c.upto("candidate")), run_rules=False)
    ctx = lambda: engine.Context(as_of=dt.date(2024, 4, 1), settings=engine.effective_settings())  # noqa: E731
    assert [h for _, h in engine.evaluate(ctx(), ["DEV-07"])] == []
    do_move_person(Person.objects.get(name="李明"), Org.objects.get(external_id="c2"))
    (hit,) = [h for _, h in engine.evaluate(ctx(), ["DEV-07"])]
    assert "市财政局机关党委" in hit.message and "办公室党支部" in hit.message


@pytest.mark.django_db
def test_an_exported_file_checks_the_same_as_the_original():
    """DJX round trip: the complete file and a broken one, imported and exported again, give the same
    DEV findings as the files themselves."""
    from dangjian.djx.check import check_document
    from dangjian.djx.exporter import export_document

    moved = c.with_events(c.upto("candidate"), as_of="2024-04-01", people={"a1": {"org": "c2"}}, file={"org": "b1"})
    leaving = c.with_events(c.upto("approval"), file={"planned_leave": "2024-09-04"})
    for doc in (c.complete(), c.with_events(c.edit("branch_vote", candidates_in_vote=2)),
                c.with_events(c.publicity(short="admission")), moved, leaving):
        RecruitmentEvent.objects.all().delete()
        RecruitmentFile.objects.all().delete()
        do_import_djx(doc, run_rules=False)
        out = export_document(log=False)
        assert len(out["recruitment"]) == 1 and len(out["recruitment"][0]["events"]) == len(doc["recruitment"][0]["events"])
        out["meta"]["as_of"] = doc["meta"]["as_of"]
        mine = sorted((f["rule"], f["severity"]) for f in check_document(doc) if f["rule"].startswith("DEV-"))
        theirs = sorted((f["rule"], f["severity"]) for f in check_document(out) if f["rule"].startswith("DEV-"))
        assert mine == theirs and (mine or doc["meta"]["title"].endswith("正确的纪实")), doc["recruitment"][0]


@pytest.mark.django_db
def test_the_platforms_own_keys_are_written_only_where_they_say_something():
    """A plain file stays plain DJX v1: `org` only when the file is not with the person's org, `closed`
    only for an ended file, `end`/`for` only on a 公示."""
    from dangjian.djx.exporter import export_document

    do_import_djx(c.with_events(c.upto("oath")), run_rules=False)
    (rec,) = export_document(log=False)["recruitment"]
    assert set(rec) == {"person", "events"}
    assert all(set(e) <= {"step", "date", "persons", "conclusion", "days", "hours", "eligible", "present", "yes",
                          "written_yes", "candidates_in_vote", "by", "months", "docs"} for e in rec["events"])


@pytest.mark.django_db
def test_an_ended_file_is_matched_again_not_duplicated():
    """Re-importing a file that says it ended (停止培养) finds the same file, even though it is closed."""
    doc = c.with_events(c.upto("activist_review"), file={"closed": "2023-12-01", "closed_reason": "本人撤回入党申请"})
    do_import_djx(doc, run_rules=False)
    again = do_import_djx(doc, run_rules=False)
    assert again.counts["recruitment"].unchanged == 1
    f = RecruitmentFile.objects.get()
    assert (f.closed, f.closed_reason) == (dt.date(2023, 12, 1), "本人撤回入党申请")
    # A plain v1 file (no `closed`) does not reopen it.
    do_import_djx(c.with_events(c.upto("activist_review")), run_rules=False)
    assert RecruitmentFile.objects.get().closed == dt.date(2023, 12, 1)


def _files():
    return list(RecruitmentFile.objects.order_by("pk").values_list("closed", "closed_reason"))


@pytest.mark.django_db
def test_a_person_with_a_stopped_file_and_a_new_one_keeps_both_through_imports():
    """Which stored file a record is: the same application date decides. A plain v1 file with a new
    application opens a new file beside the stopped one; an old export of the stopped file does not
    touch the open one; `closed: null` reopens nothing; a file without `org` is not moved."""
    stopped = c.with_events(c.upto("activist_review"), file={"closed": "2023-12-01", "closed_reason": "本人撤回入党申请"})
    do_import_djx(stopped, run_rules=False)
    again = c.with_events(c.then(c.upto("first_talk"), c.edit("application", date="2024-05-06"),
                                 c.edit("first_talk", date="2024-05-20")))
    assert do_import_djx(again, run_rules=False).counts["recruitment"].created == 1
    assert _files() == [(dt.date(2023, 12, 1), "本人撤回入党申请"), (None, "")]
    assert do_import_djx(stopped, run_rules=False).counts["recruitment"].unchanged == 1
    assert _files() == [(dt.date(2023, 12, 1), "本人撤回入党申请"), (None, "")]
    old, new = RecruitmentFile.objects.order_by("pk")
    assert old.events.filter(voided_at__isnull=True).count() == 6 and new.events.filter(voided_at__isnull=True).count() == 2
    reopened = c.with_events(c.upto("activist_review"), file={"closed": None, "closed_reason": None})
    do_import_djx(reopened, run_rules=False)
    assert _files()[0] == (dt.date(2023, 12, 1), "本人撤回入党申请")


@pytest.mark.django_db
def test_two_ended_files_export_the_latest_and_come_back_unchanged():
    from dangjian.djx.exporter import export_document

    do_import_djx(c.with_events(c.upto("activist_review"), file={"closed": "2023-12-01", "closed_reason": "撤回"}),
                  run_rules=False)
    do_import_djx(c.with_events(c.then(c.upto("activist_review"), c.edit("application", date="2024-01-10"),
                                       c.edit("first_talk", date="2024-02-01"), c.edit("activist", date="2024-03-01"),
                                       c.edit("activist_filed", date="2024-03-05"), c.edit("mentors", date="2024-03-01"),
                                       c.edit("activist_review", date="2024-08-30")),
                                file={"closed": "2025-03-01", "closed_reason": "不具备条件"}), run_rules=False)
    (rec,) = export_document(log=False)["recruitment"]
    assert (rec["closed"], rec["closed_reason"]) == ("2025-03-01", "不具备条件")
    before = list(RecruitmentEvent.objects.order_by("pk").values_list("pk", "voided_at"))
    out = export_document(log=False)
    report = do_import_djx(out, run_rules=False)
    assert report.counts["recruitment"].unchanged == 1
    assert list(RecruitmentEvent.objects.order_by("pk").values_list("pk", "voided_at")) == before


@pytest.mark.django_db
def test_a_file_kept_elsewhere_is_not_moved_by_a_file_without_org():
    from dangjian.orgs.models import Org

    moved = c.with_events(c.upto("candidate"), people={"a1": {"org": "c2"}}, file={"org": "b1"})
    do_import_djx(moved, run_rules=False)
    assert RecruitmentFile.objects.get().org.external_id == "b1"
    do_import_djx(c.with_events(c.upto("candidate"), people={"a1": {"org": "c2"}}), run_rules=False)
    assert RecruitmentFile.objects.get().org == Org.objects.get(external_id="b1")
