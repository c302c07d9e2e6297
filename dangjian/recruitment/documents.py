"""Documents generated from a recruitment file (docx): 谈话记录, 公示, 备案报告, 预审请示, the extract of the
branch meeting's resolution, 审批意见 and the 转正 notice — never typed twice: every value comes from
the recorded steps.

Each document is a docxtpl template. The defaults are built here from `KINDS` (so that they are
readable in review); a jurisdiction replaces one by putting its own `<kind>.docx` in
`<DANGJIAN_VAR_DIR>/doc_templates/recruitment/` (the same placeholders; `dangjian
recruitment_templates --out DIR` writes the defaults there to start from)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from dangjian.orgs.models import Org

from .choices import PublicityFor, Step
from .models import RecruitmentEvent, RecruitmentFile
from .rules import load_facts, probation_end

XZ = "《中国共产党发展党员工作细则》"


@dataclass(frozen=True)
class Kind:
    label: str
    steps: tuple[str, ...]            # the document can be made once one of these is recorded
    paragraphs: tuple[str, ...]       # docxtpl text; {{ … }} are filled from `context`


KINDS: dict[str, Kind] = {
    "talk": Kind("谈话记录", (Step.FIRST_TALK, Step.UPPER_TALK), (
        "谈话对象：{{ name }}（{{ gender }}，{{ birth }}出生）",
        "所在党组织：{{ branch }}",
        "谈话日期：{{ talk_date }}",
        "谈话事由：{{ talk_reason }}",
        "谈话情况：（谈话人填写）",
        "谈话人（签名）：            日期：",
        "依据：{{ talk_article }}",
    )),
    "publicity": Kind("公示", (Step.PUBLICITY,), (
        "经{{ branch }}研究，拟将{{ name }}同志列为{{ publicity_what }}人选，现予以公示。",
        "{{ name }}，{{ gender }}，{{ birth }}出生，{{ application_date }}递交入党申请书"
        "{% if activist_date %}，{{ activist_date }}被确定为入党积极分子{% endif %}"
        "{% if candidate_date %}，{{ candidate_date }}被列为发展对象{% endif %}。",
        "公示期：{{ publicity_start }}至{{ publicity_end }}。",
        "公示期间，党员和群众可通过来信、来电、来访等方式向党支部反映情况。",
        "{{ branch }}",
        "{{ publicity_start }}",
    )),
    "filing": Kind("备案报告", (Step.ACTIVIST_FILED, Step.CANDIDATE_FILED), (
        "{{ upper }}：",
        "经{{ branch }}支部委员会研究，确定{{ name }}同志为{{ filing_what }}（{{ filing_date }}），现报上级党委备案。",
        "{% if mentors %}培养联系人：{{ mentors }}。{% endif %}{% if sponsors %}入党介绍人：{{ sponsors }}。{% endif %}",
        "依据：{{ filing_article }}",
        "{{ branch }}",
    )),
    "pre_review": Kind("关于发展对象的预审请示", (Step.COMMITTEE_REVIEW,), (
        "{{ upper }}：",
        "{{ name }}同志于{{ application_date }}递交入党申请书，{{ activist_date }}被确定为入党积极分子，"
        "{{ candidate_date }}被列为发展对象。入党介绍人：{{ sponsors }}。",
        "政治审查：{{ political_review }}；短期集中培训：{{ training }}。",
        "{{ committee_review_date }}支部委员会审查认为该同志基本具备党员条件，现报请预审。",
        "依据：" + XZ + "第十九条",
        "{{ branch }}",
    )),
    "resolution": Kind("支部大会决议（摘要）", (Step.BRANCH_VOTE,), (
        "{{ vote_date }}，{{ branch }}召开支部大会，讨论{{ name }}同志的入党问题。",
        "应到会有表决权的党员{{ eligible }}名，实到{{ present }}名；本次表决仅讨论{{ name }}一人。",
        "经无记名投票，赞成{{ yes }}票（含因故不能到会党员的书面意见{{ written_yes }}票），"
        "{% if passed %}超过应到会有表决权党员的半数，同意接收{{ name }}同志为中共预备党员。{% else %}未超过应到会有表决权党员的半数，未通过。{% endif %}",
        "依据：" + XZ + "第二十、二十一条",
        "{{ branch }}",
    )),
    "approval": Kind("审批意见", (Step.APPROVAL,), (
        "{{ approver }}于{{ approval_date }}经集体讨论，同意接收{{ name }}同志为中共预备党员，"
        "预备期自{{ vote_date }}至{{ probation_end }}。",
        "依据：" + XZ + "第二十四条",
        "{{ approver }}",
    )),
    "confirmation": Kind("预备党员转正通知", (Step.CONFIRM_APPROVAL,), (
        "{{ branch }}：",
        "{{ confirm_approver }}于{{ confirm_approval_date }}批准{{ name }}同志按期转为中共正式党员，"
        "党龄自{{ probation_end }}算起。",
        "请党支部书记同本人谈话，并在党员大会上宣布。",
        "依据：" + XZ + "第三十四条；《中国共产党章程》第七条",
        "{{ confirm_approver }}",
    )),
}


def available(f: RecruitmentFile) -> list[tuple[str, str]]:
    """(kind, label) of the documents the file's recorded steps can fill."""
    steps = set(f.events.filter(voided_at__isnull=True).values_list("step", flat=True))
    return [(k, kind.label) for k, kind in KINDS.items() if steps & set(kind.steps)]


def _ymd(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _names(ids) -> str:
    from dangjian.people.models import Person

    names = dict(Person.objects.filter(pk__in=list(ids)).values_list("pk", "name"))
    return "、".join(names[i] for i in ids if i in names)


def context(f: RecruitmentFile) -> dict:
    facts = load_facts(RecruitmentFile.objects.filter(pk=f.pk))
    case = facts.cases[0]
    p = f.person
    first = case.first
    upper = Org.objects.filter(path__in=[f.org.path[:i] for i in range(Org.steplen, len(f.org.path), Org.steplen)],
                               type__in=("committee", "work_committee")).order_by("-depth").first()
    vote, appr, capr = first(Step.BRANCH_VOTE), first(Step.APPROVAL), first(Step.CONFIRM_APPROVAL)
    pub = case.last(Step.PUBLICITY)
    talk = case.last(Step.UPPER_TALK) or first(Step.FIRST_TALK)
    filed = case.last(Step.CANDIDATE_FILED) or first(Step.ACTIVIST_FILED)
    pr, tr = case.last(Step.POLITICAL_REVIEW), case.last(Step.TRAINING)
    orgs = {o.pk: o.name for o in Org.objects.filter(pk__in=[e.approver_id for e in (appr, capr) if e and e.approver_id])}
    return {
        "name": p.name, "gender": p.get_gender_display() or "", "birth": _ymd(p.birth_date), "branch": f.org.name,
        "upper": upper.name if upper else "上级党委",
        "application_date": _ymd(first(Step.APPLICATION).date if first(Step.APPLICATION) else None),
        "activist_date": _ymd(first(Step.ACTIVIST).date if first(Step.ACTIVIST) else None),
        "candidate_date": _ymd(first(Step.CANDIDATE).date if first(Step.CANDIDATE) else None),
        "talk_date": _ymd(talk.date if talk else None),
        "talk_reason": ("上级党委审批前谈话" if talk and talk.step == Step.UPPER_TALK else "收到入党申请书后谈话"),
        "talk_article": (XZ + "第二十三条" if talk and talk.step == Step.UPPER_TALK else XZ + "第七条"),
        "publicity_what": PublicityFor(pub.publicity_for).label.removeprefix("确定") if pub else "",
        "publicity_start": _ymd(pub.date if pub else None), "publicity_end": _ymd(pub.end_date if pub else None),
        "filing_what": "发展对象" if filed and filed.step == Step.CANDIDATE_FILED else "入党积极分子",
        "filing_date": _ymd((first(Step.CANDIDATE) if filed and filed.step == Step.CANDIDATE_FILED
                             else first(Step.ACTIVIST)).date if filed else None),
        "filing_article": XZ + ("第十三条" if filed and filed.step == Step.CANDIDATE_FILED else "第八条"),
        "mentors": _names(case.last(Step.MENTORS).persons) if case.last(Step.MENTORS) else "",
        "sponsors": _names(case.last(Step.SPONSORS).persons) if case.last(Step.SPONSORS) else "",
        "political_review": ({"pass": "合格", "fail": "不合格"}.get(pr.conclusion, "") + f"（{_ymd(pr.date)}）") if pr else "未进行",
        "training": (f"{tr.days or 0:g}天、{tr.hours or 0:g}学时（{_ymd(tr.date)}）") if tr else "未参加",
        "committee_review_date": _ymd(first(Step.COMMITTEE_REVIEW).date if first(Step.COMMITTEE_REVIEW) else None),
        "vote_date": _ymd(vote.date if vote else None), "eligible": vote.eligible if vote else "",
        "present": vote.present if vote else "", "yes": vote.yes if vote else "",
        "written_yes": (vote.written_yes or 0) if vote else 0,
        "passed": bool(vote and vote.eligible is not None and 2 * ((vote.yes or 0) + (vote.written_yes or 0)) > vote.eligible),
        "approver": orgs.get(appr.approver_id, "上级党委") if appr else "", "approval_date": _ymd(appr.date if appr else None),
        "probation_end": _ymd(probation_end(case)),
        "confirm_approver": orgs.get(capr.approver_id, "上级党委") if capr else "",
        "confirm_approval_date": _ymd(capr.date if capr else None),
    }


def default_template(kind: str) -> bytes:
    """The default template of `kind` as a docx (title, then one paragraph per line)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    k = KINDS[kind]
    doc = Document()
    title = doc.add_heading(k.label, level=1)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in k.paragraphs:
        doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def override_path(kind: str) -> Path:
    return Path(settings.VAR_DIR) / "doc_templates" / "recruitment" / f"{kind}.docx"


def render(f: RecruitmentFile, kind: str) -> bytes:
    from docxtpl import DocxTemplate

    path = override_path(kind)
    source = io.BytesIO(path.read_bytes() if path.exists() else default_template(kind))
    doc = DocxTemplate(source)
    doc.render(context(f))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


__all__ = ["KINDS", "available", "context", "render", "default_template", "RecruitmentEvent"]
