"""Writes a demo plan into the database and creates the persona accounts.

Bulk inserts on purpose: the province scale is a million people, which `add_child`/`do_create_person`
one at a time (a few queries each, plus an audit event and an engine run per change) would take
hours to load. The tree's paths are computed by the planner exactly as treebeard would (units and
orgs go in with `bulk_create`); people and posts with `executemany` (see `core.bulk.RawInserter`), the ID
numbers encrypted and indexed like `Person.id_number =` does. Organisational life (`orglife.py`) is planned
from each branch's rows as they get their keys and written the same way. The whole load is one transaction
and one AuditEvent records it; the accounts go through the account actions; the rules engine then
judges everything once. Loads on SQLite and PostgreSQL alike.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import transaction

from dangjian.core import audit, bulk, crypto
from dangjian.orgs.models import Org, Post, Unit
from dangjian.people.models import Person

from .generator import DEMO_PASSWORD, PeopleFactory, Plan, plan as make_plan
from .progress import Reporter

PEOPLE_FLUSH = 5000
BATCH = 2000
PERSON_FIELDS = ("name", "gender", "ethnicity", "birth_date", "education", "status", "application_date",
                 "probationary_date", "full_member_date", "dues_category", "job_title",
                 "personnel_category", "phone", "leading_cadre", "lost_contact_since", "away_since",
                 "away_fixed_location", "status_since")


@dataclass
class LoadResult:
    plan: Plan
    units: int = 0
    orgs: int = 0
    people: int = 0
    posts: int = 0
    seconds: float = 0.0
    personas: dict[str, int] = field(default_factory=dict)   # username → Person pk
    accounts: list[str] = field(default_factory=list)
    engine_seconds: float | None = None
    engine_result: object = None
    orglife: object = None            # orglife.OrgLifeStats when organisational life was loaded
    orglife_seconds: float = 0.0
    recruitment: object = None        # recruitment.RecruitmentStats
    dues: object = None               # dues.DuesStats (not at province scale)
    membership: object = None         # membership.MembershipStats (not at province scale)
    supervision: object = None        # supervision.SupervisionStats (not at province scale)
    assessment: object = None         # assessment.AssessmentStats (not at province scale)
    duty: object = None               # duty.DutyStats (not at province scale)
    elections: object = None          # elections.ElectionStats (not at province scale)
    study: object = None              # study.StudyStats: plans, training classes, lecture schedules
    fourstrong: object = None         # fourstrong.FourStrongStats: the “四强”党支部 standard and ratings
    exams: object = None              # exams.ExamStats: the question bank, papers and attempts


def database_has_orgs() -> bool:
    return Org.objects.exists()


def load(scale: str = "small", *, seed: int = 2026, as_of: dt.date | None = None,
         reporter: Reporter | None = None, accounts: bool = True, run_engine: bool = True,
         orglife: bool | None = None) -> LoadResult:
    """Plan and load one demo data set; returns counts and the personas' people. `orglife`: two
    years of meetings, talks and appraisals (default: yes except at province scale)."""
    from . import orglife as orglife_demo

    reporter = reporter or Reporter()
    started = time.perf_counter()
    plan = make_plan(scale, seed, as_of)
    result = LoadResult(plan=plan)
    with_orglife = orglife_demo.default_for(scale) if orglife is None else orglife
    with transaction.atomic():
        _load_units(plan, result)
        _load_orgs(plan, result, reporter)
        _load_people(plan, result, reporter, with_orglife)
        from . import recruitment as recruitment_demo

        result.recruitment = recruitment_demo.load(plan.as_of, seed)
        from . import dues as dues_demo

        if dues_demo.default_for(scale):
            result.dues = dues_demo.load(plan.as_of, seed)
        from . import membership as membership_demo

        if membership_demo.default_for(scale):
            result.membership = membership_demo.load(plan.as_of, seed)
        from . import supervision as supervision_demo

        if supervision_demo.default_for(scale):
            result.supervision = supervision_demo.load(plan.as_of, seed)
        from . import elections as elections_demo

        if elections_demo.default_for(scale):
            result.elections = elections_demo.load(plan.as_of, seed)
        from . import duty as duty_demo

        if duty_demo.default_for(scale):
            result.duty = duty_demo.load(plan.as_of, seed)
        from . import assessment as assessment_demo

        if assessment_demo.default_for(scale):
            result.assessment = assessment_demo.load(plan.as_of, seed)
        from . import exams as exams_demo, fourstrong as fourstrong_demo, study as study_demo

        for name, module in (("study", study_demo), ("exams", exams_demo), ("fourstrong", fourstrong_demo)):
            # (study plans and lecture schedules are read off the meetings: none without organisational life)
            if module.default_for(scale) and (with_orglife or name != "study"):
                setattr(result, name, module.load(plan.as_of, seed))
        root = Org.objects.get(pk=plan.root.pk)
        text = (f"加载示例数据（{scale}，种子 {seed}）：单位 {result.units} 个，党组织 {result.orgs} 个，"
                f"人员 {result.people} 名")
        if result.orglife is not None:
            text += f"，组织生活会议 {result.orglife.meeting_total} 次"
        audit.record("demo.load", text, org=root, obj=root, scale=scale, seed=seed, people=result.people,
                     orgs=result.orgs, meetings=result.orglife.meeting_total if result.orglife else 0)
        if accounts:
            result.accounts = create_accounts(plan, result)
    result.seconds = time.perf_counter() - started
    from dangjian.core.db import refresh_planner_statistics

    refresh_planner_statistics()
    if run_engine:
        from dangjian.core import engine

        reporter.note("正在运行规则引擎，生成预警……")
        t = time.perf_counter()
        result.engine_result = engine.run(as_of=plan.as_of)
        result.engine_seconds = time.perf_counter() - t
    if run_engine:
        from . import exams as exams_demo, fourstrong as fourstrong_demo, study as study_demo

        for name, module in (("study", study_demo), ("exams", exams_demo), ("fourstrong", fourstrong_demo)):
            if getattr(result, name) is not None:
                module.after_engine(getattr(result, name), plan.as_of)
    if result.assessment is not None:      # (last: the 考核 reads the findings as the steps above left them)
        from . import assessment as assessment_demo

        assessment_demo.score(result.assessment, plan.as_of)
    if run_engine:
        # The dashboards' rollups here and now, not by a background worker that may not be running:
        # `make run` opens on dashboards with figures. Once: the engine run's request (noted on its commit),
        # drained here unless the job (immediate mode) has already rebuilt as of the demo's date.
        from dangjian.dashboards import tasks as rollup_tasks
        from dangjian.dashboards.models import RollupState

        reporter.note("正在生成数据看板汇总……")
        from django.utils import timezone

        since = timezone.now() - dt.timedelta(seconds=time.perf_counter() - started)     # (this load's start)
        if not rollup_tasks.drain() and not RollupState.objects.filter(as_of=plan.as_of, rebuilt_at__gte=since).exists():
            rollup_tasks.rebuild_now(plan.as_of)
    return result


def _load_units(plan: Plan, result: LoadResult) -> None:
    # Parents first: a 直属单位 points at its department.
    for level in (False, True):
        todo = [u for u in plan.units if (u.parent is not None) == level]
        objs = [Unit(name=u.name, parent_id=u.parent.pk if u.parent else None) for u in todo]
        Unit.objects.bulk_create(objs, batch_size=BATCH)
        for u, obj in zip(todo, objs):
            u.pk = obj.pk
    result.units = len(plan.units)


def _load_orgs(plan: Plan, result: LoadResult, reporter: Reporter) -> None:
    reporter.start("orgs", "党组织", len(plan.orgs))
    for i in range(0, len(plan.orgs), BATCH):
        chunk = plan.orgs[i:i + BATCH]
        objs = [Org(name=o.name, short_name=o.short, type=o.type, unit_id=o.unit.pk if o.unit else None,
                    path=o.path, depth=o.depth, numchild=o.numchild, founded=o.founded,
                    committee_elected=o.committee_elected, term_extension_until=o.term_extension_until,
                    term_extension_approved=o.term_extension_approved) for o in chunk]
        Org.objects.bulk_create(objs, batch_size=BATCH)
        for o, obj in zip(chunk, objs):
            o.pk = obj.pk
        reporter.advance("orgs", len(chunk))
    through = Org.joint_units.through
    through.objects.bulk_create([through(org_id=o.pk, unit_id=u.pk) for o in plan.orgs for u in o.joint_units])
    result.orgs = len(plan.orgs)


def _load_people(plan: Plan, result: LoadResult, reporter: Reporter, with_orglife: bool = False) -> None:
    from django.db import connection
    from django.db.models import Max

    from dangjian.orglife.models import Appraisal, Meeting

    from . import orglife as orglife_demo

    reporter.start("people", "人员", plan.people_planned)
    factory = PeopleFactory(plan)
    encrypt, blind_index = crypto.encrypt, crypto.blind_index
    people_sql = bulk.RawInserter(Person, ["id", "org_id", "group_id", "unit_id", "id_number_encrypted",
                                       "id_number_digest", *PERSON_FIELDS])
    posts_sql = bulk.RawInserter(Post, ["person_id", "org_id", "role", "start", "approved"])
    # Keys are assigned here (the rows of the posts need them); the sequence is reset afterwards.
    next_pk = (Person.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    people: list[tuple] = []
    posts: list[tuple] = []
    life = sink_reset = None
    if with_orglife:
        # Organisational life is planned from each branch's rows as they get their keys, so the
        # people never have to be read back; meetings and appraisals are numbered here too.
        sink, sink_reset = orglife_demo.database_sink()
        life = orglife_demo.OrgLifePlanner(
            plan, sink=sink, next_meeting_id=(Meeting.objects.aggregate(m=Max("pk"))["m"] or 0) + 1,
            next_appraisal_id=(Appraisal.objects.aggregate(m=Max("pk"))["m"] or 0) + 1)

    def flush():
        people_sql.insert(people)
        posts_sql.insert(posts)
        result.people += len(people)
        result.posts += len(posts)
        reporter.advance("people", len(people))
        people.clear()
        posts.clear()
        if life is not None:
            t = time.perf_counter()
            life.flush()
            result.orglife_seconds += time.perf_counter() - t

    for b in plan.branches:
        rows = factory.branch_rows(b)
        for row in rows:
            pk = row["_pk"] = next_pk
            next_pk += 1
            if row["_persona"]:
                result.personas[row["_persona"]] = pk
            number = row["_id_number"]
            people.append((pk, b.pk, row["_group"].pk if row["_group"] is not None else None,
                           row["_unit"].pk if row["_unit"] is not None else None,
                           encrypt(number), blind_index(number), *[row[f] for f in PERSON_FIELDS]))
            for org, role, start, approved in row["_posts"]:
                posts.append((pk, org.pk, str(role), start, approved))
        if life is not None:
            t = time.perf_counter()
            life.branch(b, rows)
            result.orglife_seconds += time.perf_counter() - t
        if len(people) >= PEOPLE_FLUSH or (life is not None and life.pending() >= orglife_demo.FLUSH_ROWS):
            flush()
    if people:
        flush()
    if life is not None:
        t = time.perf_counter()
        result.orglife = life.finish()
        sink_reset()
        result.orglife_seconds += time.perf_counter() - t
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Person]):
            cursor.execute(sql)
    # 主要负责人 of each unit, now that the people have keys.
    heads = [Unit(pk=u.pk, head_id=u.head_row["_pk"]) for u in plan.units if u.head_row]
    Unit.objects.bulk_update(heads, ["head"], batch_size=BATCH)


def create_accounts(plan: Plan, result: LoadResult) -> list[str]:
    """One login per persona, through the account actions (password policy enforced)."""
    from dangjian.accounts.actions import do_assign_role, do_create_user
    from dangjian.accounts.models import Role

    root = Org.objects.get(pk=plan.root.pk)
    committee = Org.objects.get(pk=plan.persona_committee.pk)
    branch = Org.objects.get(pk=plan.persona_branch.pk)
    people = Person.objects.in_bulk([result.personas[k] for k in ("jiguan", "shuji", "dangyuan")
                                     if k in result.personas])

    def person(key):
        pk = result.personas.get(key)
        return people.get(pk) if pk else None

    spec = [
        ("gongwei", None, "工委管理员", Role.WORK_COMMITTEE_ADMIN, root),
        ("jiguan", person("jiguan"), "", Role.ORG_ADMIN, committee),
        ("shuji", person("shuji"), "", Role.ORG_ADMIN, branch),
        ("dangyuan", person("dangyuan"), "", Role.MEMBER, branch),
        ("shenji", None, "审计员", Role.AUDITOR, root),
    ]
    created = []
    for username, who, display, role, org in spec:
        user = do_create_user(username=username, password=DEMO_PASSWORD, person=who, display_name=display)
        do_assign_role(user, role, org)
        created.append(username)
    return created
