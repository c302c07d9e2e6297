#!/usr/bin/env python
"""Benchmarks: `make bench [SCALE=city|province]` → one line per figure, `BENCH <name> <value> <unit>`.

1. Loads the demo at the scale into its own database (var/bench/<scale>/, never `make run`'s),
2. times a full run of the rules engine,
3. times the org tree, a big branch's page and the people list (first page, a filtered page and a
   name search) with the Django test client as the 工委管理员 (`gongwei`), median of N requests,
   and counts their queries,
4. imports a 40,000-row 花名册 (new people across the tree) through `people.roster`, then the same
   sheet again (every row matched by ID number, nothing to change),
5. 组织生活: a full evaluation of every org-life rule (`orglife_full_eval`), one SQL aggregate over the
   same meeting and attendance rows (`orglife_floor_query`, the floor any engine pays) and their
   ratio, and the incremental re-evaluation of one branch after one meeting is recorded.

Options: --reuse keeps an already loaded benchmark database (skips step 1); --requests N;
--skip-roster; --only-orglife (with --reuse: step 5 only); --only-dues, --only-assessment (the same for the
党费 import and the 考责 scoring of every branch under one scheme); --with-orglife loads organisational life at
province scale too (city has it by default). DATABASE_URL, when set, is used instead of the SQLite
file (it must be empty unless
--reuse).
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bench(name: str, value, unit: str) -> None:
    if isinstance(value, float):
        value = f"{value:.3f}" if value < 100 else f"{value:.1f}"
    print(f"BENCH {name} {value} {unit}", flush=True)


def skipped(name: str, reason: str) -> None:
    print(f"BENCH {name} skipped - {reason}", flush=True)


def setup_django(scale: str, reuse: bool) -> None:
    os.environ.setdefault("DANGJIAN_TESTING", "1")  # test client host, fast password hashing
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    # The var directory holds the secret key the demo's ID numbers are encrypted with: a database
    # reused with --reuse must come with the same directory (one per scale and per database kind).
    if not os.environ.get("DANGJIAN_VAR_DIR"):
        var = ROOT / "var" / "bench" / (scale if not os.environ.get("DATABASE_URL") else f"{scale}-pg")
        if var.exists() and not reuse and not os.environ.get("DATABASE_URL"):
            shutil.rmtree(var)
        (var / "staticfiles").mkdir(parents=True, exist_ok=True)  # WhiteNoise warns without it
        os.environ["DANGJIAN_VAR_DIR"] = str(var)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def timed_requests(client, url: str, n: int):
    """Median wall time (ms) of n GETs after one warm-up, and the queries of one request."""
    from django.db import connection

    first = client.get(url)
    if first.status_code != 200:
        return None, None, first.status_code
    # Counted with an execute wrapper: the request_started signal empties connection.queries.
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        client.get(url)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), len(queries), 200


def bench_pages(n: int) -> None:
    from django.db.models import Count
    from django.test import Client

    from dangjian.accounts.models import User
    from dangjian.orgs.models import Org
    from dangjian.people.models import Person

    client = Client()
    client.force_login(User.objects.get(username="gongwei"))
    big = Person.objects.order_by().values("org").annotate(n=Count("id")).order_by("-n", "org").first()
    committee = (Org.objects.filter(type="committee").order_by("path").first())
    pages = [
        ("page_org_tree", "/orgs/"),
        ("page_org_detail_big_branch", f"/orgs/{big['org']}/"),
        ("page_people_list", "/people/"),
        ("page_people_filtered", f"/people/?status=full&gender=female&within={committee.pk}"),
        ("page_people_search", "/people/?q=%E7%8E%8B%E5%BB%BA"),  # 王建
    ]
    for name, url in pages:
        ms, queries, status = timed_requests(client, url, n)
        if ms is None:
            skipped(f"{name}_ms", f"{url} answered HTTP {status}")
            continue
        bench(f"{name}_ms", ms, "ms")
        bench(f"{name}_queries", queries, "queries")
    print(f"# big branch: {big['n']} people; filtered within: {committee.name}", flush=True)


def roster_rows(scale: str, seed: int, count: int):
    """`count` new people for the 花名册, spread over the demo's branches, with fresh ID numbers."""
    import random

    from dangjian.core import crypto
    from dangjian.demo import generator
    from dangjian.orgs.models import Org
    from dangjian.people import roster
    from dangjian.people.choices import DuesCategory, Gender, PersonnelCategory, Status
    from dangjian.people.models import Person
    from dangjian.accounts.models import User

    wanted, count = count, count + count // 50 + 10  # a few spare rows for the filter at the end
    plan = generator.plan(scale, seed)
    factory = generator.PeopleFactory(plan)
    factory.rng = random.Random(f"bench-roster:{seed}")
    branches = [b for b in plan.branches if not b.joint_units and not b.retired]
    per_branch = max(1, -(-count // len(branches)))
    labels = roster.OrgChoices.for_user(User.objects.get(username="gongwei")).labels
    pk_by_path = dict(Org.objects.filter(type="branch").values_list("path", "pk"))
    gender, personnel, dues, status_label = (dict(Gender.choices), dict(PersonnelCategory.choices),
                                             dict(DuesCategory.choices), dict(Status.choices))
    rows, taken = [], set()
    for b in branches:
        for status in factory.statuses(b, per_branch):
            if status not in (Status.APPLICANT, Status.ACTIVIST, Status.CANDIDATE, Status.PROBATIONARY):
                status = Status.FULL
            r = factory.person(b, status, kind="staff")
            if r["status"] == Status.FULL and not r["full_member_date"]:
                continue
            taken.add(crypto.blind_index(r["_id_number"]))
            rows.append({
                "序号": len(rows) + 1, "姓名": r["name"], "性别": gender[r["gender"]], "民族": r["ethnicity"],
                "出生日期": r["birth_date"], "公民身份号码": r["_id_number"], "学历": r["education"],
                "人员类别": personnel.get(r["personnel_category"], ""), "所在党组织": labels[pk_by_path[b.path]],
                "党籍状态": status_label[r["status"]], "申请入党日期": r["application_date"],
                "入党日期": r["probationary_date"], "转正日期": r["full_member_date"],
                "工作单位及职务": f"{b.unit.name} {r['job_title']}", "联系电话": r["phone"],
                "党费类别": dues[r["dues_category"]], "党员领导干部": "否",
                "是否失联": "是" if r["lost_contact_since"] else "否", "失联日期": r["lost_contact_since"],
                "是否流动": "是" if r["away_since"] else "否", "外出日期": r["away_since"],
            })
            if len(rows) == count:
                break
        if len(rows) == count:
            break
    # The demo's people were drawn from the same regions and years: drop the rare number that is
    # already registered, so that every row is a new person.
    existing = set()
    digests = list(taken)
    for i in range(0, len(digests), 900):
        existing.update(Person.objects.filter(id_number_digest__in=digests[i:i + 900])
                        .values_list("id_number_digest", flat=True))
    rows = [r for r in rows if crypto.blind_index(r["公民身份号码"]) not in existing][:wanted]
    for n, r in enumerate(rows, start=1):
        r["序号"] = n
    return rows, sorted(set(labels.values()))


def bench_roster(scale: str, seed: int, count: int = 40_000) -> None:
    try:
        from dangjian.people import roster
    except ImportError as e:
        skipped("roster_import_40k", f"dangjian.people.roster not available ({e})")
        return
    from dangjian.accounts.models import User
    from dangjian.people.models import Person

    user = User.objects.get(username="gongwei")
    t = time.perf_counter()
    rows, org_labels = roster_rows(scale, seed, count)
    data = roster.write_rows(rows, org_labels=org_labels)
    bench("roster_workbook_build_40k", time.perf_counter() - t, "s")
    bench("roster_workbook_rows", len(rows), "rows")
    bench("roster_workbook_size", len(data) / 1e6, "MB")
    before = Person.objects.count()
    for label in ("import", "reimport"):
        t = time.perf_counter()
        preview = roster.parse_workbook(io.BytesIO(data), org_scope_user=user, filename="bench.xlsx")
        parse_s = time.perf_counter() - t
        if preview.has_errors:
            errors = preview.errors
            skipped(f"roster_{label}_40k", f"{len(errors)} row errors, e.g. {errors[:3]}")
            return
        t2 = time.perf_counter()
        result = roster.commit(preview, acting_user=user)
        commit_s = time.perf_counter() - t2
        bench(f"roster_{label}_40k_parse", parse_s, "s")
        bench(f"roster_{label}_40k_commit", commit_s, "s")
        bench(f"roster_{label}_40k", parse_s + commit_s, "s")
        print(f"# {label}: created {result.created}, updated {result.updated}, unchanged {result.unchanged}",
              flush=True)
    bench("roster_people_added", Person.objects.count() - before, "people")


def bench_assessment() -> None:
    """考责: one scheme over every branch of the tree (all computed metrics, manual items waiting), scored on
    publishing, each metric alone, and the re-scoring a scheme change triggers."""
    from django.db.models import Count

    from dangjian.assessment import actions, metrics
    from dangjian.assessment.models import Result
    from dangjian.orgs.models import Org
    from dangjian.orglife.models import Meeting

    root = Org.objects.filter(depth=1).order_by("path").first()
    last = Meeting.objects.order_by("-date").values_list("date", flat=True).first() or dt.date.today()
    year = last.year if last.month == 12 else last.year - 1 if last.month < 3 else last.year
    s = actions.do_create_scheme(issuer=root, year=year, name="基准测试：党支部工作考核", target_type="branch")
    life = actions.do_add_indicator(s, name="组织生活", kind="group")
    first = actions.do_add_indicator(s, parent=life, name="三会一课", method="computed", metric="meetings_held",
                                     points="40")
    for name, metric, pts in (("党费", "dues_paid", "15"), ("整改", "rectification_on_time", "15"),
                              ("任务", "tasks_on_time", "10"), ("发展党员", "recruitment_clean", "10")):
        actions.do_add_indicator(s, name=name, method="computed", metric=metric, points=pts)
    team = actions.do_add_indicator(s, name="班子建设", method="manual", points="10")
    actions.do_add_indicator(s, name="严重预警", kind="deduction", method="computed", metric="open_block_findings",
                             points="5", unit_points="0.5")
    actions.do_add_indicator(s, name="逾期问题", kind="deduction", method="computed", metric="overdue_rectifications",
                             points="5", unit_points="1")
    actions.do_add_indicator(s, name="创新", kind="bonus", method="manual", points="3")
    try:
        t = time.perf_counter()
        actions.do_publish_scheme(s)
        bench("assessment_score_all", time.perf_counter() - t, "s")
        bench("assessment_orgs_scored", Result.objects.filter(scheme=s).count(), "orgs")
        scope = metrics.build_scope(root, "branch", year, min(dt.date.today(), dt.date(year, 12, 31)))
        for key, m in metrics.REGISTRY.items():
            t = time.perf_counter()
            m(scope)
            bench(f"assessment_metric_{key}", time.perf_counter() - t, "s")
        branch = Org.objects.get(pk=next(iter(scope.targets)))
        t = time.perf_counter()
        actions.do_manual_score(team, org=branch, points="8", evidence="基准测试")
        bench("assessment_manual_score_one_org", time.perf_counter() - t, "s")
        t = time.perf_counter()
        actions.do_update_indicator(first, points="50")
        bench("assessment_rescore_after_change", time.perf_counter() - t, "s")
        print(f"# assessment: year {year}, {len(scope.targets)} branches, grades "
              f"{dict(Result.objects.filter(scheme=s).values_list('grade').annotate(n=Count('pk')).order_by())}",
              flush=True)
    finally:
        s.delete()


def bench_dues(members: int = 6_000, months: int = 12) -> None:
    """党费: a year's payment ledger of 6,000 members (72,000 rows, .xlsx) imported through the same
    preview and commit as the page; imported again (nothing new); and the same file with one bad row
    refused whole, naming the row, with nothing written."""
    import datetime as dt

    from openpyxl import Workbook

    from dangjian.accounts.models import User
    from dangjian.dues import imports
    from dangjian.dues.calc import compute
    from dangjian.dues.models import DuesBase, DuesPayment
    from dangjian.orgs.models import Org
    from dangjian.people.models import Person

    user = User.objects.get(username="gongwei")
    people = list(Person.objects.filter(status__in=["full", "probationary"]).order_by("pk")[:members]
                  .values_list("pk", "name"))
    if len(people) < members:   # (city has about 5,300 members: the rest join one big branch)
        branch = Org.objects.filter(type="branch").order_by("path").first()
        extra = [Person(name=f"党员{i:05d}", org=branch, status="full", probationary_date=dt.date(2015, 7, 1),
                        full_member_date=dt.date(2016, 7, 1)) for i in range(members - len(people))]
        Person.objects.bulk_create(extra, batch_size=2000)
        people = list(Person.objects.filter(status__in=["full", "probationary"]).order_by("pk")[:members]
                      .values_list("pk", "name"))
    year = dt.date.today().year - 1
    DuesPayment.objects.filter(person_id__in=[pk for pk, _ in people], month__year=year).delete()
    bases = {pk: f"{2500 + (pk * 37) % 9000}.00" for pk, _ in people}
    DuesBase.objects.filter(person_id__in=list(bases), start=dt.date(year, 1, 1)).delete()
    DuesBase.objects.bulk_create([DuesBase(person_id=pk, start=dt.date(year, 1, 1), base=b, category="in_service",
                                           amount=compute(b, "in_service").amount) for pk, b in bases.items()],
                                 batch_size=2000)
    t = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("党费收缴明细")
    ws.append(["人员编号", "姓名", "月份", "金额", "交纳日期", "交纳方式"])
    for m in range(1, months + 1):
        for pk, name in people:
            ws.append([str(pk), name, f"{year}-{m:02d}", f"{compute(bases[pk], 'in_service').amount:.2f}",
                       f"{year}-{m:02d}-15", "转账"])
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    bench("dues_workbook_build_72k", time.perf_counter() - t, "s")
    bench("dues_workbook_rows", len(people) * months, "rows")
    for label in ("import", "reimport"):
        t = time.perf_counter()
        preview = imports.parse(data, "bench.xlsx", user)
        parse_s = time.perf_counter() - t
        if preview.errors:
            skipped(f"dues_{label}_72k", f"{len(preview.errors)} row errors, e.g. {preview.errors[:3]}")
            return
        t2 = time.perf_counter()
        written, dup = imports.commit(preview, acting_user=user)
        commit_s = time.perf_counter() - t2
        bench(f"dues_{label}_72k_parse", parse_s, "s")
        bench(f"dues_{label}_72k_commit", commit_s, "s")
        bench(f"dues_{label}_72k", parse_s + commit_s, "s")
        print(f"# {label}: written {written}, already there {dup}", flush=True)
    # One bad amount in row 50,001: the file is refused, naming the row; nothing is written.
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("党费收缴明细")
    ws.append(["人员编号", "姓名", "月份", "金额", "交纳日期"])
    n = 1
    for m in range(1, months + 1):
        for pk, name in people:
            n += 1
            ws.append([str(pk), name, f"{year}-{m:02d}", "12.3x" if n == 50_001 else "40.00", None])
    buf = io.BytesIO()
    wb.save(buf)
    before = DuesPayment.objects.count()
    t = time.perf_counter()
    preview = imports.parse(buf.getvalue(), "bad.xlsx", user)
    try:
        imports.commit(preview, acting_user=user)
        refused = False
    except Exception:  # noqa: BLE001 — ActionError: refused whole
        refused = True
    bench("dues_bad_file_refused", time.perf_counter() - t, "s")
    print(f"# bad file: refused={refused}, errors={preview.errors[:2]}, rows written={DuesPayment.objects.count() - before}",
          flush=True)


def _median_seconds(fn, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def bench_orglife(runs: int = 3) -> None:
    """Org-life rules against their floor: the engine must read at least the year's meetings and
    attendance once; everything it does beyond that one aggregate is the engine's own cost."""
    from django.db import connection

    from dangjian.accounts.models import User
    from dangjian.core import engine
    from dangjian.core.models import Finding
    from dangjian.orglife.models import Meeting

    rule_ids = [r.id for r in engine.registry if r.domain == "orglife"]
    if not rule_ids:
        skipped("orglife_full_eval", "no org-life rules registered (dangjian/orglife/rules.py)")
        return
    if not Meeting.objects.exists():
        skipped("orglife_full_eval", "no meetings: the demo was loaded without organisational life "
                                     "(province: --with-orglife)")
        return
    as_of = dt.date.today()
    settings = engine.effective_settings()

    def full():
        return engine.evaluate(engine.Context(as_of=as_of, settings=settings), rule_ids)

    # The same rows the rules read: held meetings from the start of the judged window to the as-of day.
    try:
        from dangjian.orglife.rules import window

        lower = window(engine.Context(as_of=as_of, settings=settings))["lower"]
    except (ImportError, KeyError):
        lower = dt.date(as_of.year - 1, 1, 1)
    sql = ("SELECT m.org_id, m.type, COUNT(*), SUM(CASE WHEN a.status = 'present' THEN 1 ELSE 0 END), "
           "SUM(CASE WHEN a.voting THEN 1 ELSE 0 END) "
           "FROM orglife_meeting m JOIN orglife_attendance a ON a.meeting_id = m.id "
           "WHERE m.state = 'held' AND m.date BETWEEN %s AND %s GROUP BY m.org_id, m.type")

    def floor():
        with connection.cursor() as c:
            c.execute(sql, [lower, as_of])
            return c.fetchall()

    # The evaluation and the floor run alternately, so that a slower minute of a shared machine
    # weighs on both; the ratio is the median of the runs' own ratios.
    full_times, floor_times, ratios = [], [], []
    for _ in range(runs):
        t = time.perf_counter()
        hits = full()
        full_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        groups = floor()
        floor_times.append(time.perf_counter() - t)
        ratios.append(full_times[-1] / floor_times[-1] if floor_times[-1] else float("nan"))
    full_s, floor_s = statistics.median(full_times), statistics.median(floor_times)
    bench("orglife_full_eval", full_s, "s")
    bench("orglife_rules", len(rule_ids), "rules")
    bench("orglife_hits", len(hits), "hits")
    rows = Meeting.objects.filter(state="held", date__gte=lower, date__lte=as_of)
    bench("orglife_floor_query", floor_s, "s")
    bench("orglife_ratio", statistics.median(ratios), "x")
    print("# orglife runs (evaluation / floor = ratio): " + "; ".join(
        f"{a:.2f} s / {b:.2f} s = {r:.2f}×" for a, b, r in zip(full_times, floor_times, ratios)), flush=True)
    print(f"# orglife window {lower}..{as_of}: {rows.count()} meetings, "
          f"{sum(g[2] for g in groups)} attendance rows, {len(groups)} (org, type) groups", flush=True)

    # Incremental: the 支部书记 persona's branch records the 主题党日 it missed (the demo plants that
    # gap in the last complete month); saving re-judges that branch (and its ancestors) only.
    from dangjian.orglife.actions import do_delete_meeting, do_record_meeting, members_on

    user = User.objects.get(username="shuji")
    branch = user.role_assignments.select_related("org").first().org
    last_month_end = as_of.replace(day=1) - dt.timedelta(days=1)
    day = last_month_end - dt.timedelta(days=2)
    label = f"{last_month_end:%Y-%m}"
    open_before = Finding.objects.filter(rule_id="ORGLIFE-03", org=branch, period=label, state="open").count()
    people = list(members_on(branch, day))
    # As in production, the background rules (TXT-01) go to the Huey job after the request (the bench runs Huey in
    # immediate mode, which would run the job inside the timing): the job's request is dropped here and the job's
    # own run is timed below as orglife_background_job_ms.
    from dangjian.core import tasks as core_tasks

    core_tasks_defer = core_tasks.defer
    core_tasks.defer = lambda rule_ids, org_ids, as_of: None
    t = time.perf_counter()
    meeting = do_record_meeting(org=branch, type="theme_day", date=day, topic="基准测试：补开主题党日",
                                present=people, acting_user=user)
    record_ms = (time.perf_counter() - t) * 1000
    open_after = Finding.objects.filter(rule_id="ORGLIFE-03", org=branch, period=label, state="open").count()
    # The run saving that 主题党日 triggers (`engine.schedule(..., changed=meeting_records(["theme_day"]))`):
    # the branch and its ancestors, the rules that read 主题党日; and, for comparison, every rule that
    # reads any meeting (what a change to a meeting of every type would cost).
    from dangjian.orglife.models import meeting_records

    after_meeting = engine.affected_rules(meeting_records(["theme_day"]))
    any_meeting = engine.affected_rules(["orglife.meeting"])
    # As in a request: background rules (TXT-01) are left to the Huey job (`background="defer"`, dropped above).
    job_s, _ = _median_seconds(lambda: engine.run(as_of=as_of, org_ids=[branch.pk],
                                                  rule_ids=[r for r in after_meeting if engine.registry.get(r).background]), 3)
    incr_s, result = _median_seconds(lambda: engine.run(as_of=as_of, org_ids=[branch.pk], rule_ids=after_meeting,
                                                        background="defer"), max(15, runs))
    incr_all_s, _ = _median_seconds(lambda: engine.run(as_of=as_of, org_ids=[branch.pk], rule_ids=any_meeting,
                                                       background="defer"), max(15, runs))
    # The same run without the dashboards' in-run refresh (dashboards.rollups.after_run): what it costs.
    from dangjian.dashboards import rollups as dash_rollups

    with_refresh = dash_rollups.after_run
    dash_rollups.after_run = lambda org_ids, as_of: None
    try:
        bare_s, _ = _median_seconds(lambda: engine.run(as_of=as_of, org_ids=[branch.pk], rule_ids=after_meeting,
                                                       background="defer"), max(15, runs))
    finally:
        dash_rollups.after_run = with_refresh
        core_tasks.defer = core_tasks_defer
    bench("orglife_incremental_ms", incr_s * 1000, "ms")
    bench("orglife_incremental_without_rollups_ms", bare_s * 1000, "ms")
    bench("orglife_incremental_any_meeting_ms", incr_all_s * 1000, "ms")
    bench("orglife_background_job_ms", job_s * 1000, "ms (the Huey job after the request: TXT-01 for the branch)")
    bench("orglife_record_meeting_ms", record_ms, "ms")
    print(f"# incremental: {branch.name} {label} ORGLIFE-03 open {open_before} → {open_after} after recording "
          f"{len(people)} attendees; rerun of {len(after_meeting)} of {len(engine.registry)} rules "
          f"({', '.join(after_meeting)}; any meeting: {len(any_meeting)}): {result}", flush=True)
    do_delete_meeting(meeting, reason="基准测试完毕，删除测试会议", acting_user=user)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "city", "province"], default="city")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--requests", type=int, default=None, help="requests per page (median)")
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded benchmark database")
    parser.add_argument("--skip-roster", action="store_true")
    parser.add_argument("--only-orglife", action="store_true",
                        help="with --reuse: only the organisational-life figures (full, floor, ratio, incremental)")
    parser.add_argument("--only-dues", action="store_true",
                        help="with --reuse: only the 党费 import of a year's ledger of 6,000 members")
    parser.add_argument("--only-assessment", action="store_true",
                        help="with --reuse: only the 考责 scoring of every branch under one scheme")
    parser.add_argument("--with-orglife", action="store_true",
                        help="province: load two years of organisational life too (city: always)")
    args = parser.parse_args(argv)
    n = args.requests or (5 if args.scale == "province" else 15)

    setup_django(args.scale, args.reuse)
    from django.conf import settings
    from django.db import connection

    from dangjian.core import engine
    from dangjian.core.models import Finding
    from dangjian.demo.loader import database_has_orgs, load
    from dangjian.demo.progress import RichReporter
    from dangjian.orgs.models import Org
    from dangjian.people.models import Person

    db = settings.DATABASES["default"]
    print(f"# scale={args.scale} seed={args.seed} database={db['ENGINE'].rsplit('.', 1)[-1]}:{db['NAME']}",
          flush=True)
    if database_has_orgs():
        if not args.reuse:
            sys.exit("基准数据库中已有数据：请使用空数据库，或加 --reuse 复用已加载的数据。")
        skipped(f"demo_load_{args.scale}", "reused an already loaded database (--reuse)")
    else:
        reporter = RichReporter() if sys.stderr.isatty() else None
        try:
            result = load(args.scale, seed=args.seed, reporter=reporter, run_engine=False,
                          orglife=True if args.with_orglife else None)
        finally:
            if reporter:
                reporter.close()
        bench(f"demo_load_{args.scale}", result.seconds, "s")
        if result.orglife is not None:
            bench("demo_orglife_part", result.orglife_seconds, "s")
            bench("demo_meetings", result.orglife.meeting_total, "meetings")
            bench("demo_attendance_rows", result.orglife.attendance, "rows")
    if args.only_orglife:
        bench_orglife()
        return
    if args.only_dues:
        bench_dues()
        return
    if args.only_assessment:
        bench_assessment()
        return
    bench("demo_orgs", Org.objects.count(), "orgs")
    bench("demo_branches", Org.objects.filter(type="branch").count(), "branches")
    bench("demo_people", Person.objects.count(), "people")

    t = time.perf_counter()
    run = engine.run()
    bench("engine_full_run", time.perf_counter() - t, "s")
    bench("engine_open_findings", Finding.objects.filter(state="open").count(), "findings")
    print(f"# engine: {run}", flush=True)
    t = time.perf_counter()
    engine.run()
    bench("engine_rerun", time.perf_counter() - t, "s")
    slow = []
    for rule in engine.registry:
        t = time.perf_counter()
        ctx = engine.Context(as_of=dt.date.today(), settings=engine.effective_settings())
        sum(1 for _ in rule.check(ctx))
        slow.append((time.perf_counter() - t, rule.id))
    for seconds, rule_id in sorted(slow, reverse=True)[:3]:
        bench(f"engine_rule_{rule_id}", seconds, "s")

    bench_orglife()
    bench_pages(n)
    bench_dues()
    bench_assessment()
    if args.skip_roster:
        skipped("roster_import_40k", "--skip-roster")
    else:
        bench_roster(args.scale, args.seed)
    if db["ENGINE"].endswith("sqlite3"):
        with connection.cursor() as c:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        bench("db_size", Path(db["NAME"]).stat().st_size / 1e6, "MB")


if __name__ == "__main__":
    main()
