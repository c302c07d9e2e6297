"""考试 actions. Admin actions (banks, imports, papers, exams) are audited; a member's attempt is not written to the
audit trail (its content is private to the person and their secretary) but its times are on the record itself.

Grading: 单选 and 判断 are right when the chosen letter is the answer; 多选 only when the chosen set is exactly the
answer's set — missing one right option or choosing one wrong option scores nothing (no partial credit). A score at
or above the paper's pass mark passes. The deadline (start + duration, or the window's end if earlier) is the
server's: an answer at the deadline second is kept, one after it is refused; an attempt still open past its
deadline is submitted and graded automatically the next time it is read (`finalize_overdue`)."""
from __future__ import annotations

import datetime as dt
import random

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.errors import ActionError
from dangjian.core.permissions import CHANGE, VIEW, can_in_org

from .choices import LETTERS, PaperMode, QuestionKind
from .models import Answer, Attempt, Exam, Paper, PaperQuestion, Question, QuestionBank


def _may(user, org, what: str) -> None:
    if user is not None and not can_in_org(user, CHANGE, org):
        raise ActionError(f"只有{org.name}（或上级）的管理员可以{what}。")


def _record(verb, text, user, org, obj, **extra):
    audit.record(f"exams.{verb}", f"{org.name}：{text}", actor=user, org=org, obj=obj, **extra)


# --- banks and questions ---------------------------------------------------------------------------------------
@transaction.atomic
def do_create_bank(*, org, name: str, description: str = "", acting_user=None) -> QuestionBank:
    _may(acting_user, org, "建立题库")
    name = (name or "").strip()
    if not name:
        raise ActionError("请填写题库名称。", field="name")
    bank = QuestionBank.objects.create(org=org, name=name, description=description or "",
                                       created_by=audit.user_or_none(acting_user))
    _record("bank_create", f"建立题库“{name}”", acting_user, org, bank)
    return bank


IMPORT_COLUMNS = {"kind": "题型", "options": "选项", "answer": "答案", "topic": "知识点", "explanation": "解析",
                  "material": "推荐学习材料"}
LOCKED_FIELDS = ("kind", "options", "answer")     # never changed on a question already used (see `_used_questions`)


def _existing(bank, hashes) -> dict:
    """The bank's questions with these stems (by hash), locked for the import."""
    return {q.stem_hash: q for q in Question.objects.select_for_update().filter(bank=bank, stem_hash__in=hashes)}


def _used_questions(bank, candidates) -> tuple[set[int], bool]:
    """Which of these questions are in use: answered in some attempt, or on a fixed paper of a published exam; and
    whether a random paper of a published exam that has not closed draws from this bank (then every question of it
    may be drawn any moment, and its topics count too)."""
    ids = [q.pk for q in candidates]
    used = set(Answer.objects.filter(question_id__in=ids).values_list("question_id", flat=True).distinct())
    used |= set(PaperQuestion.objects.filter(question_id__in=ids, paper__exams__published_at__isnull=False)
                .values_list("question_id", flat=True).distinct())
    drawing = Exam.objects.filter(paper__bank=bank, paper__mode=PaperMode.RANDOM, published_at__isnull=False,
                                  closes_at__gt=timezone.now()).exists()
    return used, drawing


def _locked_column(q, r, drawing: bool) -> str | None:
    """The column of the first change a question in use may not take, or None."""
    if q.kind != r["kind"]:
        return "题型"
    if q.options != r["options"]:
        if q.kind == QuestionKind.JUDGE:
            return "选项A"
        n = next((i for i, (a, b) in enumerate(zip(q.options, r["options"])) if a != b),
                 min(len(q.options), len(r["options"])))
        return f"选项{LETTERS[n]}"
    if q.answer != r["answer"]:
        return "答案"
    if drawing and q.topic != r["topic"]:
        return "知识点"
    return None


@transaction.atomic
def do_import_questions(bank: QuestionBank, fileobj, *, acting_user=None) -> tuple[int, int]:
    """All rows or none: every row is checked before anything is written. A row whose 题干 is already in the bank
    updates that question (re-importing a corrected file does not duplicate it) — except that a question already
    answered in an attempt or on a fixed paper of a published exam keeps its 题型, 选项 and 答案 (and, while a
    published random paper draws from the bank, its 知识点): such a row is refused with its row and column, and
    nothing is imported. The changes are written to the audit trail question by question (bulk_update does not
    reach django-auditlog). Returns (created, updated)."""
    from .importing import parse

    _may(acting_user, bank.org, "导入试题")
    parsed = parse(fileobj)
    if parsed.errors:
        _refuse(parsed.errors)
    existing = _existing(bank, [Question.hash_of(r["stem"]) for r in parsed.rows])
    used, drawing = _used_questions(bank, existing.values())
    new, changed, changes, errors = [], [], [], []
    for n, r in zip(parsed.line_numbers, parsed.rows):
        q = existing.get(Question.hash_of(r["stem"]))
        if q is None:
            new.append(Question(bank=bank, stem_hash=Question.hash_of(r["stem"]), **r))
            continue
        fields = [k for k in IMPORT_COLUMNS if getattr(q, k) != r[k]]
        if not fields:
            continue
        column = _locked_column(q, r, drawing) if (q.pk in used or drawing) else None
        if column:
            errors.append(f"第{n}行“{column}”列：此题已用于已发布的考试或已有人作答，不能修改题型、选项和答案"
                          f"{'（题库正在随机抽题考试中，知识点也不能改）' if drawing else ''}；如需更正请新增一道题。")
            continue
        for k in fields:
            setattr(q, k, r[k])
        changed.append(q)
        changes.append({"stem": q.stem[:60], "fields": [IMPORT_COLUMNS[k] for k in fields]})
    if errors:
        _refuse(errors)
    try:
        with transaction.atomic():
            Question.objects.bulk_create(new)
    except IntegrityError:      # another import of the same bank added one of these stems a moment ago
        raise ActionError("导入失败，未保存任何试题：另一人正在同时导入相同题干的试题，请稍后重新导入。", field="file") from None
    Question.objects.bulk_update(changed, list(IMPORT_COLUMNS))
    listed = "；".join(f"“{c['stem'][:20]}”改{'、'.join(c['fields'])}" for c in changes[:10])
    more = f"等{len(changes)}题" if len(changes) > 10 else ""
    _record("import", f"向题库“{bank.name}”导入试题：新增{len(new)}题，更新{len(changed)}题"
            + (f"（{listed}{more}）" if changes else ""), acting_user, bank.org, bank,
            created=len(new), updated=len(changed), changes=changes)
    return len(new), len(changed)


def _refuse(errors: list[str]):
    shown = errors[:20]
    more = f"；另有{len(errors) - 20}处错误" if len(errors) > 20 else ""
    raise ActionError("导入失败，未保存任何试题。" + "；".join(shown) + more, field="file")


# --- papers ---------------------------------------------------------------------------------------------------
def _usable_bank(user, bank, org) -> None:
    if not org.path.startswith(bank.org.path) and not bank.org.path.startswith(org.path):
        raise ActionError(f"题库“{bank.name}”属于{bank.org.name}，{org.name}不能使用。", field="bank")
    if user is not None and not QuestionBank.objects.filter(pk=bank.pk).restrict(user, VIEW).exists():
        raise ActionError("所选题库不在您的管理范围内。", field="bank")


MAX_POINTS_EACH = 100
MAX_SCORE = 10000


def _check_max_score(size: int, points_each: int, field: str) -> None:
    if size * points_each > MAX_SCORE:
        raise ActionError(f"满分（{size}题×{points_each}分={size * points_each}分）不能超过{MAX_SCORE}分，请减少题数或每题分值。",
                          field=field)


def _check_draw(bank, mode, draw: dict, question_count) -> None:
    if mode != PaperMode.RANDOM:
        return
    have = dict(bank.questions.order_by().values("topic").annotate(n=Count("pk")).values_list("topic", "n"))
    if draw:
        for topic, n in draw.items():
            if int(n) < 1:
                raise ActionError(f"知识点“{topic}”的抽题数量应至少为1。", field="draw")
            if have.get(topic, 0) < int(n):
                raise ActionError(f"知识点“{topic}”只有{have.get(topic, 0)}题，不够抽{n}题。", field="draw")
    else:
        if not question_count:
            raise ActionError("随机抽题请填写抽题总数，或按知识点填写数量。", field="question_count")
        if sum(have.values()) < question_count:
            raise ActionError(f"题库只有{sum(have.values())}题，不够抽{question_count}题。", field="question_count")


@transaction.atomic
def do_create_paper(*, org, bank, title: str, mode: str = PaperMode.FIXED, points_each: int = 5, pass_mark: int = 60,
                    duration_minutes: int = 30, question_count: int | None = None, draw: dict | None = None,
                    acting_user=None) -> Paper:
    _may(acting_user, org, "组卷")
    _usable_bank(acting_user, bank, org)
    if mode not in PaperMode.values:
        raise ActionError("请选择组卷方式。", field="mode")
    if not (title or "").strip():
        raise ActionError("请填写试卷名称。", field="title")
    if not points_each or points_each < 1:
        raise ActionError("每题分值至少为1分。", field="points_each")
    if points_each > MAX_POINTS_EACH:
        raise ActionError(f"每题分值不能超过{MAX_POINTS_EACH}分。", field="points_each")
    if not duration_minutes or duration_minutes < 1:
        raise ActionError("答题时长至少为1分钟。", field="duration_minutes")
    draw = {str(k).strip(): int(v) for k, v in (draw or {}).items()} if mode == PaperMode.RANDOM else {}
    if mode == PaperMode.RANDOM:
        _check_max_score(sum(draw.values()) if draw else int(question_count or 0), points_each,
                         "draw" if draw else "question_count")
    _check_draw(bank, mode, draw, question_count)
    paper = Paper.objects.create(org=org, bank=bank, title=title.strip(), mode=mode, points_each=points_each,
                                 pass_mark=pass_mark, duration_minutes=duration_minutes, draw=draw,
                                 question_count=question_count if mode == PaperMode.RANDOM and not draw else None,
                                 created_by=audit.user_or_none(acting_user))
    if mode == PaperMode.RANDOM and pass_mark > paper.max_score:
        raise ActionError(f"及格分不能高于满分（{paper.max_score}分）。", field="pass_mark")
    _record("paper_create", f"组卷“{paper.title}”（{paper.get_mode_display()}）", acting_user, org, paper)
    return paper


def _paper_locked(paper) -> None:
    if paper.exams.filter(published_at__isnull=False).exists():
        raise ActionError("已有使用该试卷的考试发布，试卷不能再修改。")


@transaction.atomic
def do_set_paper_questions(paper: Paper, questions, *, acting_user=None) -> Paper:
    """固定组卷: the questions in the order given."""
    paper = Paper.objects.select_for_update().select_related("org", "bank").get(pk=paper.pk)
    _may(acting_user, paper.org, "修改试卷")
    _paper_locked(paper)
    if paper.mode != PaperMode.FIXED:
        raise ActionError("随机抽题的试卷不需要选题。")
    questions = list({q.pk: q for q in questions}.values())
    if any(q.bank_id != paper.bank_id for q in questions):
        raise ActionError(f"只能选用题库“{paper.bank.name}”中的试题。", field="questions")
    if not questions:
        raise ActionError("请至少选择一题。", field="questions")
    _check_max_score(len(questions), paper.points_each, "questions")
    if paper.pass_mark > len(questions) * paper.points_each:
        raise ActionError(f"及格分（{paper.pass_mark}分）高于满分（{len(questions) * paper.points_each}分），请多选几题或先修改及格分。",
                          field="questions")
    paper.items.all().delete()
    PaperQuestion.objects.bulk_create([PaperQuestion(paper=paper, question=q, order=n) for n, q in enumerate(questions, 1)])
    _record("paper_questions", f"试卷“{paper.title}”选题{len(questions)}道", acting_user, paper.org, paper)
    return paper


def draw(paper: Paper, seed: int) -> list[int]:
    """The questions of one attempt. Fixed: the paper's, in order. Random: drawn with `random.Random(seed)` from
    the bank's questions in key order (per 知识点 when the paper names counts per 知识点), so the same seed
    gives the same questions for as long as the bank is unchanged (the drawn ones are kept on the attempt too)."""
    if paper.mode == PaperMode.FIXED:
        return list(paper.items.order_by("order", "pk").values_list("question_id", flat=True))
    rng = random.Random(seed)
    rows = list(paper.bank.questions.order_by("pk").values_list("pk", "topic"))
    if paper.draw:
        chosen = []
        for topic in sorted(paper.draw):
            pool = [pk for pk, t in rows if t == topic]
            if len(pool) < int(paper.draw[topic]):
                raise ActionError(f"试卷“{paper.title}”：知识点“{topic}”只有{len(pool)}题，不够抽{paper.draw[topic]}题，"
                                  "请联系组卷的党组织。")
            chosen += rng.sample(pool, int(paper.draw[topic]))
    else:
        if len(rows) < int(paper.question_count or 0):
            raise ActionError(f"试卷“{paper.title}”：题库只有{len(rows)}题，不够抽{paper.question_count}题，请联系组卷的党组织。")
        chosen = rng.sample([pk for pk, _ in rows], int(paper.question_count or 0))
    rng.shuffle(chosen)
    return chosen


# --- exams ----------------------------------------------------------------------------------------------------
@transaction.atomic
def do_create_exam(*, org, paper: Paper, target, title: str, opens_at: dt.datetime, closes_at: dt.datetime,
                   acting_user=None) -> Exam:
    _may(acting_user, org, "组织考试")
    if not target.path.startswith(org.path):
        raise ActionError(f"参考范围应是{org.name}或其下级组织。", field="target")
    if acting_user is not None and not Paper.objects.filter(pk=paper.pk).restrict(acting_user, VIEW).exists():
        raise ActionError("所选试卷不在您的管理范围内。", field="paper")
    if not org.path.startswith(paper.org.path):
        raise ActionError(f"试卷“{paper.title}”属于{paper.org.name}，{org.name}不能使用。", field="paper")
    if paper.size < 1:
        raise ActionError(f"试卷“{paper.title}”还没有试题。", field="paper")
    if not (title or "").strip():
        raise ActionError("请填写考试名称。", field="title")
    if closes_at <= opens_at:
        raise ActionError("截止时间应晚于开始时间。", field="closes_at")
    exam = Exam.objects.create(org=org, paper=paper, target=target, title=title.strip(), opens_at=opens_at,
                               closes_at=closes_at, created_by=audit.user_or_none(acting_user))
    _record("exam_create", f"拟定考试“{exam.title}”（{target.name}，{timezone.localtime(opens_at):%Y-%m-%d %H:%M}至"
            f"{timezone.localtime(closes_at):%Y-%m-%d %H:%M}）", acting_user, org, exam)
    return exam


@transaction.atomic
def do_publish_exam(exam: Exam, *, acting_user=None) -> Exam:
    exam = Exam.objects.select_for_update(of=("self",)).select_related("org", "paper__bank").get(pk=exam.pk)
    _may(acting_user, exam.org, "发布考试")
    if exam.published_at:
        raise ActionError("考试已发布。")
    if exam.closes_at <= timezone.now():
        raise ActionError("截止时间已过，不能发布。请修改时间后重新拟定考试。")
    paper = exam.paper
    if paper.size < 1:
        raise ActionError(f"试卷“{paper.title}”还没有试题。")
    if paper.mode == PaperMode.RANDOM:      # the bank may have changed since the paper was made
        try:
            _check_draw(paper.bank, paper.mode, paper.draw, paper.question_count)
        except ActionError as e:
            raise ActionError(f"试卷“{paper.title}”：{e.message}不能发布。") from None
    exam.published_at = timezone.now()
    exam.save(update_fields=["published_at"])
    _record("exam_publish", f"发布考试“{exam.title}”", acting_user, exam.org, exam)
    return exam


# --- attempts -------------------------------------------------------------------------------------------------
def eligible(exam: Exam, person) -> bool:
    from dangjian.people.choices import MEMBER_STATUSES

    return (person is not None and person.org_id is not None and person.status in MEMBER_STATUSES
            and person.org.path.startswith(exam.target.path))


@transaction.atomic
def do_start_attempt(exam: Exam, person, *, now: dt.datetime | None = None, seed: int | None = None) -> Attempt:
    """开始答题 (once: a second start returns the same attempt while it is open)."""
    now = now or timezone.now()
    exam = Exam.objects.select_related("paper", "target").get(pk=exam.pk)
    if not exam.published_at:
        raise ActionError("考试尚未发布。")
    if not eligible(exam, person):
        raise ActionError("您不在本次考试的参考范围内。")
    found = Attempt.objects.filter(exam=exam, person=person).first()
    if found is not None:
        return found
    if now < exam.opens_at:
        raise ActionError(f"考试将于{timezone.localtime(exam.opens_at):%Y-%m-%d %H:%M}开始。")
    if now >= exam.closes_at:
        raise ActionError("考试已截止。")
    paper = exam.paper
    seed = random.SystemRandom().randrange(1, 2**62) if seed is None else seed
    ids = draw(paper, seed)
    deadline = min(now + dt.timedelta(minutes=paper.duration_minutes), exam.closes_at)
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(exam=exam, person=person, branch_id=person.org_id, seed=seed, started_at=now,
                                             deadline=deadline, max_score=len(ids) * paper.points_each)
    except IntegrityError:      # the same person started it a moment ago (two taps): one attempt per person
        return Attempt.objects.get(exam=exam, person=person)
    questions = Question.objects.in_bulk(ids)
    Answer.objects.bulk_create([Answer.of(questions[q], attempt=attempt, order=n) for n, q in enumerate(ids, 1)])
    return attempt


def normalize(given, letters: str = LETTERS) -> str:
    """The chosen letters, sorted. Blank elements are ignored; anything that is not one of `letters` (the
    question's options) is refused — never silently dropped, which would erase the saved answer."""
    if isinstance(given, str):
        given = list(given)
    chosen = [str(g).strip().upper() for g in given if str(g).strip()]
    if any(len(c) != 1 or c not in letters for c in chosen) or len(set(chosen)) != len(chosen):
        raise ActionError("所选选项不存在。", field="given")
    return "".join(sorted(chosen))


def is_correct(kind: str, key: str, given: str) -> bool:
    """多选: the exact set of right options (missing one or adding one is wrong; no partial credit)."""
    if not given:
        return False
    if kind == QuestionKind.MULTIPLE:
        return set(given) == set(key)
    return given == key


MAX_ID = 2**63 - 1      # ids above this do not fit the database's bigint (SQLite raises OverflowError)


def _owner(attempt, user) -> None:
    if user is not None and getattr(user, "person_id", None) != attempt.person_id:
        raise ActionError("只能作答本人的答卷。")


@transaction.atomic
def do_save_answer(attempt: Attempt, question_id: int, given, *, acting_user=None, now: dt.datetime | None = None) -> Answer:
    """Saved as soon as it is chosen (a dropped connection loses nothing). Refused after the deadline."""
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
    _owner(attempt, acting_user)
    if attempt.submitted_at:
        raise ActionError("已交卷，不能再修改答案。")
    if now > attempt.deadline:
        raise ActionError(f"答题时间已于{timezone.localtime(attempt.deadline):%H:%M:%S}截止，此答案未保存。")
    answer = attempt.answers.filter(question_id=question_id).first() if 0 < question_id <= MAX_ID else None
    if answer is None:
        raise ActionError("该题不在本答卷中。", field="question")
    value = normalize(given, LETTERS[:len(answer.options)])
    if answer.kind != QuestionKind.MULTIPLE and len(value) > 1:
        raise ActionError("单选题和判断题只能选一项。", field="given")
    answer.given = value
    answer.saved_at = now
    answer.save(update_fields=["given", "saved_at"])
    return answer


def _grade(attempt: Attempt, now: dt.datetime, *, auto: bool) -> Attempt:
    """From the copy of each question kept on the attempt (never the bank's current key)."""
    answers = list(attempt.answers.all())
    for a in answers:
        a.correct = is_correct(a.kind, a.key, a.given)
    Answer.objects.bulk_update(answers, ["correct"])
    paper = attempt.exam.paper
    attempt.score = sum(1 for a in answers if a.correct) * paper.points_each
    attempt.passed = attempt.score >= paper.pass_mark
    attempt.submitted_at = min(now, attempt.deadline) if auto else now
    attempt.auto_submitted = auto
    attempt.graded_at = now
    attempt.save(update_fields=["score", "passed", "submitted_at", "auto_submitted", "graded_at"])
    return attempt


@transaction.atomic
def do_submit(attempt: Attempt, *, acting_user=None, now: dt.datetime | None = None) -> Attempt:
    """交卷 and grade. Past the deadline it is graded with the answers saved until then."""
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update(of=("self",)).select_related("exam__paper").get(pk=attempt.pk)
    _owner(attempt, acting_user)
    if attempt.submitted_at:
        return attempt
    return _grade(attempt, now, auto=now > attempt.deadline)


def finalize_overdue(attempts=None, *, now: dt.datetime | None = None) -> int:
    """Grade every unsubmitted attempt past its deadline (called whenever attempts are read)."""
    now = now or timezone.now()
    qs = Attempt.objects.filter(submitted_at__isnull=True, deadline__lt=now)
    if attempts is not None:
        qs = qs.filter(pk__in=attempts.values("pk")) if hasattr(attempts, "values") else qs.filter(pk__in=attempts)
    n = 0
    for pk in qs.values_list("pk", flat=True):
        with transaction.atomic():
            a = Attempt.objects.select_for_update(of=("self",)).select_related("exam__paper").get(pk=pk)
            if a.submitted_at is None:
                _grade(a, now, auto=True)
                n += 1
    return n


# --- weak topics ----------------------------------------------------------------------------------------------
def topic_rates(answers) -> list[dict]:
    """Correct rate per 知识点 over graded answers: [{topic, total, right, rate}] ordered by topic."""
    rows = (answers.filter(correct__isnull=False).order_by().values("topic")
            .annotate(total=Count("pk"), right=Count("pk", filter=Q(correct=True))).order_by("topic"))
    return [{"topic": r["topic"], "total": r["total"], "right": r["right"],
             "rate": round(100 * r["right"] / r["total"]) if r["total"] else 0} for r in rows]


def weak_threshold() -> int:
    from dangjian.core import engine

    return int(engine.effective_settings()["exam_weak_rate"])


def weak_topics(answers, *, with_material: bool = True) -> list[dict]:
    """The 知识点 whose correct rate is below the setting `exam_weak_rate` (default 60%), with the suggested material
    of the questions missed there (each named once). Callers pass answers of closed exams only: before the close a
    weak topic would tell which questions were wrong."""
    limit = weak_threshold()
    weak = [r for r in topic_rates(answers) if r["rate"] < limit]
    if with_material and weak:
        missed = (answers.filter(correct=False, topic__in=[w["topic"] for w in weak])
                  .exclude(material="").order_by("topic", "material")
                  .values_list("topic", "material").distinct())
        by_topic: dict[str, list[str]] = {}
        for topic, material in missed:
            by_topic.setdefault(topic, []).append(material)
        for w in weak:
            w["materials"] = by_topic.get(w["topic"], [])
    return weak


# --- answer keys still in play ----------------------------------------------------------------------------------
def keys_in_play(user, now: dt.datetime) -> tuple[set[int], set[int]]:
    """(question ids, bank ids) whose answer key must not be shown to this user now: the questions of the fixed
    papers, and the banks of the random papers, of every published exam not yet closed that the user's person is
    issued. A closed exam (another branch's, or a short one the user's own secretary set up with the same questions)
    therefore does not reveal a key the user still needs in an exam that is running."""
    pid = getattr(user, "person_id", None)
    if not pid:
        return set(), set()
    from dangjian.people.models import Person

    person = Person.objects.select_related("org").filter(pk=pid).first()
    papers = list(Exam.objects.open_for(person, now).values_list("paper_id", "paper__mode", "paper__bank_id"))
    banks = {b for _, mode, b in papers if mode == PaperMode.RANDOM}
    fixed = [p for p, mode, _ in papers if mode == PaperMode.FIXED]
    questions = set(PaperQuestion.objects.filter(paper_id__in=fixed).values_list("question_id", flat=True)) if fixed else set()
    return questions, banks
