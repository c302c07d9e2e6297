"""考试 screens. For the member (phone first): 我的考试 (open exams, results with weak topics and material), the exam
page (one question per card, a countdown to the server's deadline, each answer saved as it is chosen) and an
attempt's result. For admins: 题库 (Excel import, template download), 试卷, 考试 and the results page — a branch's
own secretary sees the members of the branch; the levels above see per-branch aggregates only, never a list of
individuals, and nothing anywhere is ranked. Out of scope is 404."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from dangjian.core import engine
from dangjian.core.downloads import XLSX, download
from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.permissions import CHANGE, ORG_ADMIN, VIEW, can_in_org, subtree_q, user_scope
from dangjian.core.views import get_restricted
from dangjian.orgs.models import Org
from dangjian.people.choices import MEMBER_STATUSES
from dangjian.people.models import Person

from . import actions
from .choices import PaperMode
from .forms import BankForm, ExamForm, ImportForm, PaperForm
from .models import Answer, Attempt, Exam, Paper, QuestionBank

NAV = "exams"
NOT_FOUND = "未找到，或不在您的管理范围内。"


def _person(user):
    pid = getattr(user, "person_id", None)
    return Person.objects.select_related("org").filter(pk=pid).first() if pid else None


def _admin_orgs(user):
    return Org.objects.restrict(user, CHANGE).filter(dissolved__isnull=True).exclude(type="group").order_by("path")


def _is_admin(user) -> bool:
    scope = user_scope(user, VIEW)
    return scope.everything or bool(scope.prefixes)


# --- the member --------------------------------------------------------------------------------------------------
@login_required
def mine(request):
    """我的考试: open and coming exams, finished ones with the score, and the weak topics with what to read."""
    person = _person(request.user)
    now = timezone.now()
    rows, weak = [], []
    if person is not None:
        actions.finalize_overdue(Attempt.objects.filter(person=person), now=now)
        attempts = {a.exam_id: a for a in Attempt.objects.filter(person=person)}
        for exam in Exam.objects.for_person(person).select_related("paper", "org").order_by("-closes_at")[:100]:
            a = attempts.get(exam.pk)
            if a is None and (person.status not in MEMBER_STATUSES):
                continue
            state = ("done" if a and a.submitted_at else "doing" if a else
                     "closed" if exam.closes_at <= now else "soon" if exam.opens_at > now else "open")
            rows.append({"exam": exam, "attempt": a, "state": state})
        # (closed exams only: before the close a weak topic would tell which questions were wrong)
        weak = actions.weak_topics(_not_in_play(Answer.objects.filter(
            attempt__person=person, attempt__graded_at__isnull=False, attempt__exam__closes_at__lte=now),
            request.user, now))
    return render(request, "exams/mine.html", {
        "person": person, "todo": [r for r in rows if r["state"] in ("open", "doing", "soon")],
        "done": [r for r in rows if r["state"] == "done"], "missed": [r for r in rows if r["state"] == "closed"],
        "weak": weak, "threshold": actions.weak_threshold(), "is_admin": _is_admin(request.user), "nav_active": NAV})


@login_required
@require_http_methods(["GET", "POST"])
def exam_take(request, pk):
    """The start page of an exam for one who takes it (its rules and time), then 开始答题."""
    exam = get_restricted(request, Exam.objects.select_related("paper", "org", "target"), VIEW, pk=pk)
    person = _person(request.user)
    if not exam.published_at or not actions.eligible(exam, person):
        raise Http404(NOT_FOUND)
    attempt = Attempt.objects.filter(exam=exam, person=person).first()
    if attempt is not None:
        return redirect("exams:attempt_detail", pk=attempt.pk)
    if request.method == "POST":
        try:
            attempt = actions.do_start_attempt(exam, person)
        except ActionError as e:
            messages.error(request, e.message)
        else:
            return redirect("exams:attempt_detail", pk=attempt.pk)
    now = timezone.now()
    return render(request, "exams/take.html", {"exam": exam, "paper": exam.paper, "now": now,
                                               "can_start": exam.opens_at <= now < exam.closes_at, "nav_active": NAV})


@login_required
def attempt_detail(request, pk):
    """The exam page while the person is answering (their own, before the deadline); otherwise the result."""
    user = request.user
    attempt = get_restricted(request, Attempt.objects.select_related("exam__paper", "person", "branch"), VIEW, pk=pk)
    now = timezone.now()
    if actions.finalize_overdue([attempt.pk], now=now):
        attempt.refresh_from_db()
    answers = list(attempt.answers.select_related("question").order_by("order"))
    own = user.person_id == attempt.person_id
    if own and not attempt.submitted_at:
        config = {"deadlineMs": _epoch_ms(attempt.deadline), "nowMs": _epoch_ms(now),
                  "answerUrl": reverse("exams:attempt_answer", kwargs={"pk": attempt.pk}),
                  "count": len(answers)}
        return render(request, "exams/attempt_take.html", {
            "attempt": attempt, "exam": attempt.exam, "answers": answers, "config": config, "nav_active": NAV})
    # Until the exam closes: the total and pass/fail only — no right/wrong, no choices, no weak topics (they would
    # tell which questions were wrong, and travel to those still answering).
    closed = now >= attempt.exam.closes_at
    held = 0
    if closed:
        questions, banks = actions.keys_in_play(user, now)
        for a in answers:
            a.held = a.question_id in questions or a.question.bank_id in banks
            held += a.held
    weak = actions.weak_topics(_not_in_play(attempt.answers.all(), user, now)) if attempt.graded and closed else []
    return render(request, "exams/attempt_result.html", {
        "attempt": attempt, "exam": attempt.exam, "answers": answers, "closed": closed, "held": held, "own": own,
        "weak": weak, "right": sum(1 for a in answers if a.correct), "threshold": actions.weak_threshold(),
        "nav_active": NAV})


def _not_in_play(answers, user, now):
    """Leave out the questions whose key this user must not see yet (`actions.keys_in_play`)."""
    questions, banks = actions.keys_in_play(user, now)
    return answers.exclude(question_id__in=questions).exclude(question__bank_id__in=banks)


def _epoch_ms(when) -> int:
    """For the exam page's clock: epoch milliseconds (a number every browser reads the same way)."""
    return int(when.timestamp() * 1000)


def _question_id(text: str) -> int | None:
    """A question number from a form: digits within the database's bigint, else None."""
    if not (text.isascii() and text.isdecimal()):
        return None
    n = int(text)
    return n if 0 < n <= actions.MAX_ID else None


def _own_attempt(request, pk):
    attempt = get_restricted(request, Attempt, VIEW, pk=pk)
    if request.user.person_id != attempt.person_id:
        raise Http404(NOT_FOUND)
    return attempt


@login_required
@require_POST
def attempt_answer(request, pk):
    """Save one answer (the exam page posts each choice as it is made). JSON: {saved, left} or {detail}."""
    attempt = _own_attempt(request, pk)
    q = _question_id(request.POST.get("question", ""))
    if q is None:
        return JsonResponse({"detail": "缺少题号，或该题不在本答卷中。"}, status=400)
    try:
        actions.do_save_answer(attempt, q, request.POST.getlist("given"), acting_user=request.user)
    except ActionError as e:
        return JsonResponse({"detail": e.message}, status=400)
    left = max(0, int((attempt.deadline - timezone.now()).total_seconds()))
    return JsonResponse({"saved": True, "left": left})


@login_required
@require_POST
def attempt_submit(request, pk):
    """交卷: the answers on the form are saved first (while the time lasts), then graded."""
    attempt = _own_attempt(request, pk)
    now = timezone.now()
    if not attempt.submitted_at and now <= attempt.deadline:
        for key in request.POST:
            q = _question_id(key[2:]) if key.startswith("q_") else None
            if q is not None:
                try:
                    actions.do_save_answer(attempt, q, request.POST.getlist(key), acting_user=request.user, now=now)
                except ActionError:
                    pass    # (an answer the page could not have offered is simply not kept)
    try:
        attempt = actions.do_submit(attempt, acting_user=request.user)
    except ActionError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已交卷，得分 {attempt.score} 分（满分 {attempt.max_score} 分）"
                         + ("，及格。" if attempt.passed else "，未及格。")
                         + ("（答题时间已到，按截止前保存的答案评分）" if attempt.auto_submitted else ""))
    return redirect("exams:attempt_detail", pk=attempt.pk)


# --- banks --------------------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def bank_list(request):
    user = request.user
    if not _is_admin(user):          # (a member's page is 我的考试)
        return redirect("exams:mine")
    orgs = _admin_orgs(user)
    form = BankForm(request.POST or None, orgs=orgs) if orgs.exists() else None
    if request.method == "POST":
        if form is None:
            raise Http404(NOT_FOUND)
        if form.is_valid():
            try:
                bank = actions.do_create_bank(acting_user=user, **form.cleaned_data)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, f"已建立题库“{bank.name}”，请下载导入模板填写试题后导入。")
                return redirect("exams:questionbank_detail", pk=bank.pk)
    banks = (QuestionBank.objects.restrict(user, VIEW).select_related("org")
             .annotate(n=Count("questions"), n_topics=Count("questions__topic", distinct=True))[:300])
    return render(request, "exams/bank_list.html", {"banks": banks, "form": form, "nav_active": NAV})


@login_required
def bank_template(request):
    from .importing import template_xlsx

    return download(template_xlsx(), XLSX, "试题导入模板.xlsx", "question-template.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def bank_detail(request, pk):
    user = request.user
    bank = get_restricted(request, QuestionBank.objects.select_related("org"), VIEW, pk=pk)
    may_change = can_in_org(user, CHANGE, bank.org)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not may_change:
            raise Http404(NOT_FOUND)
        if form.is_valid():
            try:
                created, updated = actions.do_import_questions(bank, form.cleaned_data["file"], acting_user=user)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, f"导入完成：新增{created}题，更新{updated}题（题干相同的题已更新，未重复）。")
                return redirect(request.path)
    topic = request.GET.get("topic", "").replace("\x00", "")     # (PostgreSQL refuses NUL in text)
    qs = bank.questions.all()
    topics = list(qs.order_by().values("topic").annotate(n=Count("pk")).order_by("topic"))
    page = Paginator(qs.filter(topic=topic) if topic else qs, 30).get_page(request.GET.get("page"))
    return render(request, "exams/bank_detail.html", {"bank": bank, "may_change": may_change, "form": form,
                                                      "topics": topics, "topic": topic, "page": page,
                                                      "nav_active": NAV})


# --- papers -------------------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def paper_list(request):
    user = request.user
    if not _is_admin(user):          # (a member's page is 我的考试)
        return redirect("exams:mine")
    orgs = _admin_orgs(user)
    banks = QuestionBank.objects.restrict(user, VIEW).select_related("org")
    form = PaperForm(request.POST or None, orgs=orgs, banks=banks) if orgs.exists() else None
    if request.method == "POST":
        if form is None:
            raise Http404(NOT_FOUND)
        if form.is_valid():
            try:
                paper = actions.do_create_paper(acting_user=user, **form.cleaned_data)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, f"已建立试卷“{paper.title}”。" + (
                    "请选择试题。" if paper.mode == PaperMode.FIXED else "每名考生开考时按设定随机抽题。"))
                return redirect("exams:paper_detail", pk=paper.pk)
    papers = Paper.objects.restrict(user, VIEW).select_related("org", "bank").annotate(n_items=Count("items"))[:300]
    return render(request, "exams/paper_list.html", {"papers": papers, "form": form, "nav_active": NAV})


@login_required
@require_http_methods(["GET", "POST"])
def paper_detail(request, pk):
    """A paper: its questions (chosen here for a fixed paper), and 组织考试 with it."""
    user = request.user
    paper = get_restricted(request, Paper.objects.select_related("org", "bank"), VIEW, pk=pk)
    may_change = can_in_org(user, CHANGE, paper.org)
    locked = paper.exams.filter(published_at__isnull=False).exists()
    posted = request.POST.get("form") if request.method == "POST" else None
    orgs = _admin_orgs(user).filter(path__startswith=paper.org.path)
    exam_form = ExamForm(request.POST if posted == "exam" else None, orgs=orgs, targets=_admin_orgs(user),
                         initial={"title": paper.title}) if orgs.exists() else None
    try:
        if posted == "questions":
            if not may_change:
                raise Http404(NOT_FOUND)
            ids = [i for i in map(_question_id, request.POST.getlist("questions")) if i is not None]
            chosen = {q.pk: q for q in paper.bank.questions.filter(pk__in=ids)}
            actions.do_set_paper_questions(paper, [chosen[i] for i in ids if i in chosen], acting_user=user)
            messages.success(request, "已保存试题。")
            return redirect(request.path)
        if posted == "exam":
            if exam_form is None:
                raise Http404(NOT_FOUND)
            if exam_form.is_valid():
                exam = actions.do_create_exam(paper=paper, acting_user=user, **exam_form.cleaned_data)
                messages.success(request, "已拟定考试（草稿），核对后发布，参考党员即可在“我的考试”中看到。")
                return redirect("exams:exam_results", pk=exam.pk)
    except ActionError as e:
        if posted == "exam" and exam_form is not None:
            apply_action_error(exam_form, e)
        else:
            messages.error(request, e.message)
    items = list(paper.items.select_related("question"))
    chosen = {i.question_id for i in items}
    bank_questions = list(paper.bank.questions.all()[:500]) if (may_change and not locked
                                                                  and paper.mode == PaperMode.FIXED) else []
    return render(request, "exams/paper_detail.html", {
        "paper": paper, "items": items, "may_change": may_change and not locked, "locked": locked,
        "bank_questions": [(q, q.pk in chosen) for q in bank_questions], "exam_form": exam_form,
        "exams": paper.exams.restrict(user, VIEW).select_related("target"), "nav_active": NAV})


# --- exams and results -------------------------------------------------------------------------------------------
@login_required
def exam_list(request):
    user = request.user
    if not _is_admin(user):
        return redirect("exams:mine")
    exams = Exam.objects.restrict(user, VIEW).select_related("org", "target", "paper")[:300]
    return render(request, "exams/exam_list.html", {"exams": exams, "now": timezone.now(), "nav_active": NAV})


def own_branch_ids(user) -> set[int] | None:
    """Orgs whose members' individual attempts this user may read (None: all, a superuser)."""
    from dangjian.accounts.models import RoleAssignment

    if user_scope(user, VIEW).everything:
        return None
    return set(RoleAssignment.objects.active().filter(user=user, role=ORG_ADMIN).values_list("org_id", flat=True))


def exam_aggregates(exam: Exam, user) -> dict:
    """Per org (the members' own branches) within the user's scope: members expected, taken, graded, average,
    pass rate and weak topics (with the suggested material of that topic's questions). A branch with fewer graded
    attempts than `exam_aggregate_min` shows counts only to the levels above (an average of one is a person's
    score). The totals' average, pass rate and topic rates are over the branches shown only — with the small ones
    in, a hidden branch's score would follow by subtraction — and say so (`total.partial`). Topic statistics wait
    for the exam to close: before it they would tell takers which questions were wrong."""
    scope = user_scope(user, VIEW)
    closed = timezone.now() >= exam.closes_at
    in_scope = Q() if scope.everything else subtree_q("org__path", scope.prefixes)
    expected = dict(Person.objects.filter(in_scope, org__path__subtree=exam.target.path, status__in=list(MEMBER_STATUSES))
                    .order_by().values("org").annotate(n=Count("pk")).values_list("org", "n"))
    branch_scope = Q() if scope.everything else subtree_q("branch__path", scope.prefixes)
    attempts = Attempt.objects.filter(branch_scope, exam=exam)
    per = {r["branch"]: r for r in attempts.order_by().values("branch").annotate(
        taken=Count("pk"), graded=Count("pk", filter=Q(graded_at__isnull=False)),
        avg=Avg("score", filter=Q(graded_at__isnull=False)), passed=Count("pk", filter=Q(passed=True)))}
    answers = Answer.objects.filter(attempt__in=attempts.values("pk"), correct__isnull=False)
    topics: dict[int, list] = {}
    materials: dict[str, list[str]] = {}
    if closed:
        for r in (answers.order_by().values("attempt__branch", "topic")
                  .annotate(total=Count("pk"), right=Count("pk", filter=Q(correct=True))).order_by("topic")):
            topics.setdefault(r["attempt__branch"], []).append(r)
        for topic, material in (answers.exclude(material="").order_by("topic", "material")
                                .values_list("topic", "material").distinct()):
            materials.setdefault(topic, []).append(material)
    limit = actions.weak_threshold()
    min_n = int(engine.effective_settings()["exam_aggregate_min"])
    own = own_branch_ids(user)
    orgs = Org.objects.in_bulk(set(expected) | set(per))
    rows, shown_ids, partial = [], [], False
    for org_id in sorted(orgs, key=lambda i: orgs[i].path):
        r = per.get(org_id, {})
        graded = r.get("graded", 0)
        shown = graded > 0 and (graded >= min_n or own is None or org_id in own)
        if shown:
            shown_ids.append(org_id)
        elif graded:
            partial = True
        weak = [{"topic": t["topic"], "rate": round(100 * t["right"] / t["total"]), "materials": materials.get(t["topic"], [])}
                for t in topics.get(org_id, []) if t["total"] and 100 * t["right"] / t["total"] < limit]
        rows.append({"org": orgs[org_id], "expected": expected.get(org_id, 0), "taken": r.get("taken", 0),
                     "graded": graded, "shown": shown,
                     "avg": r.get("avg") if shown else None,
                     "pass_rate": round(100 * r.get("passed", 0) / graded) if shown else None,
                     "weak": weak if shown else []})
    shown_graded = sum(per[i]["graded"] for i in shown_ids)
    total = {"expected": sum(expected.values()), "taken": sum(r.get("taken", 0) for r in per.values()),
             "graded": sum(r.get("graded", 0) for r in per.values()), "shown": shown_graded > 0,
             "shown_graded": shown_graded, "partial": partial, "topics": []}
    if total["shown"]:
        agg = attempts.filter(graded_at__isnull=False, branch_id__in=shown_ids).aggregate(
            avg=Avg("score"), passed=Count("pk", filter=Q(passed=True)))
        total["avg"] = agg["avg"]
        total["pass_rate"] = round(100 * agg["passed"] / shown_graded)
        if closed:
            total["topics"] = actions.topic_rates(answers.filter(attempt__branch_id__in=shown_ids))
            for t in total["topics"]:
                t["weak"] = t["rate"] < limit
    return {"rows": rows, "total": total, "min_n": min_n, "threshold": limit, "closed": closed}


@login_required
@require_http_methods(["GET", "POST"])
def exam_results(request, pk):
    """成绩: per-branch aggregates for every admin who can see the exam; the members of their own branch (name
    order, never by score) for a branch's secretary. Publishing a draft happens here too."""
    user = request.user
    if not _is_admin(user):
        raise Http404(NOT_FOUND)
    exam = get_restricted(request, Exam.objects.select_related("org", "target", "paper"), VIEW, pk=pk)
    may_change = can_in_org(user, CHANGE, exam.org)
    if request.method == "POST":
        if not may_change or request.POST.get("form") != "publish":
            raise Http404(NOT_FOUND)
        try:
            actions.do_publish_exam(exam, acting_user=user)
        except ActionError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "已发布。参考范围内的党员可以在“我的考试”中参加。")
        return redirect(request.path)
    now = timezone.now()
    actions.finalize_overdue(Attempt.objects.filter(exam=exam), now=now)
    visible = Attempt.objects.filter(exam=exam).restrict(user, VIEW)
    attempts = {a.person_id: a for a in visible.select_related("person")}
    own = own_branch_ids(user)
    people = []
    if own is None or own:
        members = Person.objects.filter(org__path__subtree=exam.target.path, status__in=list(MEMBER_STATUSES))
        if own is not None:
            members = members.filter(org_id__in=own)
        for p in members.select_related("org").order_by("org__path", "name", "pk")[:1000]:
            people.append({"person": p, "attempt": attempts.pop(p.pk, None)})
    # (attempts of people who have left the branch since, still theirs to read)
    people += [{"person": a.person, "attempt": a} for a in attempts.values()]
    return render(request, "exams/exam_results.html", {
        "exam": exam, "may_change": may_change, "agg": exam_aggregates(exam, user), "people": people,
        "now": now, "nav_active": NAV})
