"""The complete record set of a counted election, generated — never typed twice: every value comes from the
recorded steps (请示, 批复, candidates and their consent, exclusions, the meeting's numbers, the count, the
follow-ups, the posts taken, the filing).

* `report` — 选举结果报告 to the upper level: the meeting's numbers, each candidate's votes, who was elected,
  the committee as installed, the request, approval and filing dates.
* `record` — 选举大会记录: the procedure step by step with its dates, the quorum check with its numbers and the
  rule that applied, the exclusions with both approvals, the counting, the result and what followed.

Each document is a docxtpl template. The defaults are built here from `KINDS` (readable in review); a
jurisdiction replaces one by putting its own `<kind>.docx` in `<DANGJIAN_VAR_DIR>/doc_templates/elections/`
(the same placeholders; `dangjian election_templates --out DIR` writes the defaults there to start from).
The same context renders a PDF (WeasyPrint, `templates/elections/document_pdf.html`)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from dangjian.core import engine
from dangjian.core.errors import ActionError
from dangjian.orgs.choices import COMMITTEE_ROLES, PostRole
from dangjian.orgs.models import Org, Post

from .choices import Kind
from .models import Election

XJTL = "《中国共产党基层组织选举工作条例》"
QUORUM = {"strict": "超过应到会人数的4/5", "inclusive": "达到应到会人数的4/5"}
ROLE_ORDER = {r.value: i for i, r in enumerate(PostRole)}


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    items: str                      # the context list the rows come from
    cells: tuple[str, ...]          # docxtpl text per cell; the row's item is `r`
    empty: str = ""                 # a paragraph shown instead when the list is empty (docxtpl text)


@dataclass(frozen=True)
class Loop:
    over: str                       # "x in items"
    text: str                       # one paragraph per item (docxtpl text)
    empty: str = ""                 # the paragraph when there are none


@dataclass(frozen=True)
class If:
    cond: str                       # a docxtpl condition; the paragraph is left out when it is false
    text: str


@dataclass(frozen=True)
class DocKind:
    label: str
    blocks: tuple                   # str (a paragraph, docxtpl text) or Table


CANDIDATES = Table(("候选人", "赞成票", "结果"), "candidates", ("{{ r.name }}", "{{ r.votes }}", "{{ r.result }}"))
COMMITTEE = Table(("姓名", "职务", "任职日期"), "committee", ("{{ r.name }}", "{{ r.role }}", "{{ r.start }}"),
                  empty="（尚未按选举结果任职）")

KINDS: dict[str, DocKind] = {
    "report": DocKind("选举结果报告", (
        "{{ upper }}：",
        "{{ org }}{{ request_what }}于{{ request_date }}请示，经{{ upper }}{{ approved_date }}批复同意"
        "{% if candidates_approved %}，候选人预备人选于{{ candidates_approved }}经审查同意{% endif %}。"
        "{{ date }}召开{{ assembly }}，{{ elect_what }}，应选{{ seats }}名，现将选举结果报告如下。",
        "应到会有选举权的党员{{ expected_voters }}名{% if excluded %}（经上级党组织同意并经党员大会通过不计入应到会人数的"
        "{{ excluded }}名，实际应到会{{ expected_net }}名）{% endif %}，实到会{{ present_voters }}名，{{ quorum_result }}。",
        "发出选票{{ ballots_issued }}张，收回{{ ballots_returned }}张，其中有效票{{ valid_ballots }}张、废票{{ invalid_ballots }}张；"
        "{{ ballots_result }}。",
        "候选人{{ candidates|length }}名，得票如下（得票超过实到会有选举权人数的一半，即{{ majority }}票以上，始得当选）：",
        CANDIDATES,
        "当选：{{ elected_names }}。{{ outcome_note }}",
        Loop("f in followups", "{{ f.text }}"),
        "{{ committee_title }}：",
        COMMITTEE,
        "{% if filed_date %}{{ filed_date }}报{{ upper }}备案，书记、副书记经批准。{% else %}特此报告，请予备案；书记、副书记请予批准。{% endif %}",
        "{{ org }}",
        "{{ today }}",
    )),
    "record": DocKind("选举大会记录", (
        "会议名称：{{ org }}{{ assembly }}（{{ elect_what }}）",
        "会议日期：{{ date }}",
        "一、选举前的程序",
        Loop("s in steps", "{{ s }}"),
        "二、不计入应到会人数的党员",
        Loop("x in exclusions", "{{ x.name }}：{{ x.reason }}；上级党组织{{ x.upper_consent }}同意，"
             "{% if x.assembly_passed %}经党员大会通过{% else %}未经党员大会通过{% endif %}。", empty="无。"),
        "三、清点到会人数",
        "应到会有选举权的党员{{ expected_voters }}名，减去经批准不计入的{{ excluded }}名，应到会{{ expected_net }}名；"
        "实到会{{ present_voters }}名，占应到会人数的{{ present_share }}。按本次选举适用的有效人数规则（{{ quorum_rule }}"
        "{% if quorum_unrecorded %}；计票时未记录，按现行参数{% endif %}）：{{ quorum_numbers }}，{{ quorum_verdict }}。",
        "四、投票和计票",
        "发出选票{{ ballots_issued }}张，收回{{ ballots_returned }}张，{{ ballots_result }}。"
        "有效票{{ valid_ballots }}张，废票{{ invalid_ballots }}张（所选人数多于应选人数{{ seats }}名的选票为废票）。",
        "应选{{ seats }}名，候选人{{ candidates|length }}名；得票超过实到会有选举权人数（{{ present_voters }}名）的一半，"
        "即{{ majority }}票以上，始得当选（恰好一半不能当选）。",
        CANDIDATES,
        "五、选举结果",
        "当选：{{ elected_names }}。{{ outcome_note }}",
        If("follows", "{{ follows }}"),
        Loop("f in followups", "{{ f.text }}"),
        "六、任职和报备",
        COMMITTEE,
        "{% if filed_date %}选举结果于{{ filed_date }}报{{ upper }}备案，书记、副书记经批准。{% else %}选举结果尚未报上级党组织备案、批准。{% endif %}",
        "依据：" + XJTL,
        "记录人（签名）：            主持人（签名）：",
    )),
}


def _ymd(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _out(e: Election):
    from .actions import outcome

    return outcome(e)


def _chain_after(e: Election) -> list[Election]:
    """The revotes and 另行选举 following `e`, in order."""
    out, todo = [], list(e.followups.all().order_by("pk"))
    while todo:
        f = todo.pop(0)
        out.append(f)
        todo.extend(f.followups.all().order_by("pk"))
    return out


def _followup_text(f: Election) -> str:
    what = "再投票" if f.candidates.exists() and f.follows and _out(f.follows).tied else "另行选举"
    if not f.date:
        return f"已发起{what}（应选{f.seats}名），尚未计票。"
    o = _out(f)
    return (f"{_ymd(f.date)}{what}：应选{f.seats}名，" +
            "，".join(f"{c.person.name}{c.votes}票" for c in f.candidates.select_related("person")) +
            f"；当选{'、'.join(p.name for p in o.elected) or '无'}。")


def context(e: Election) -> dict:
    """Everything both documents say, as text. Refused (ActionError) before the count."""
    from .actions import chain_root, is_by_election

    if not e.date:
        raise ActionError("本次选举尚未计票，计票后才能生成选举结果报告和选举大会记录。")
    org = e.org
    upper = Org.objects.get_parent(org)
    by = is_by_election(e)
    out = _out(e)
    cands = list(e.candidates.select_related("person"))
    excl = list(e.exclusions.select_related("person"))
    excluded = sum(1 for x in excl if x.upper_consent and x.assembly_passed)
    expected = e.expected_voters or 0
    expected_net = expected - excluded
    present = e.present_voters or 0
    rule = e.quorum_rule or engine.effective_settings().get("elec_quorum") or "strict"
    met = 5 * present >= 4 * expected_net if rule == "inclusive" else 5 * present > 4 * expected_net
    valid = (e.ballots_returned or 0) - e.invalid_ballots
    if out.void:
        ballots_result = "收回选票多于发出选票，选举无效，应重新选举"
    else:
        ballots_result = "收回选票不多于发出选票，选举有效"
    results = []
    for c in sorted(cands, key=lambda c: (-(c.votes or 0), c.order)):
        p = c.person
        results.append({"name": p.name, "votes": c.votes if c.votes is not None else 0,
                        "result": "当选" if p in out.elected else "票数相等，再投票" if p in out.tied else "未当选"})
    note = ""
    if out.tied:
        note = f"{'、'.join(p.name for p in out.tied)}票数相等，就票数相等者再投票。"
    elif out.short:
        note = f"当选人数不足应选名额，不足的{out.short}名另行选举（接近应选名额的经半数以上选举人同意可不再选）。"
    root = chain_root(e)
    chain = [root] + _chain_after(root)
    won = {p.pk for x in chain if x.date for p in _out(x).elected}
    dates = {x.date for x in chain if x.date}
    posts = sorted(Post.objects.filter(org=org, role__in=list(COMMITTEE_ROLES), start__in=dates, person_id__in=won)
                   .select_related("person"), key=lambda p: (ROLE_ORDER.get(p.role, 99), p.start, p.person.name))
    committee = [{"name": p.person.name, "role": p.get_role_display(), "start": _ymd(p.start)} for p in posts]
    if by and posts:
        # A 增补: the committee as it stands after the by-election, those added marked.
        added = {p.pk for p in posts}
        day = max(dates)
        now = sorted(Post.objects.filter(org=org, role__in=list(COMMITTEE_ROLES)).current(day).select_related("person"),
                     key=lambda p: (ROLE_ORDER.get(p.role, 99), p.start or day, p.person.name))
        committee = [{"name": p.person.name + ("（增补）" if p.pk in added else ""), "role": p.get_role_display(),
                      "start": _ymd(p.start)} for p in now]
    kind_what = "代表" if e.kind == Kind.DELEGATES else "委员"
    elect_what = ("增补委员会委员" if by else "选举党员代表大会代表" if e.kind == Kind.DELEGATES else "选举新一届委员会")
    if e.follows_id:
        elect_what += "（再投票或另行选举）"
    steps = [f"{_ymd(e.request_date)}，向{upper.name if upper else '上级党组织'}报送{'增补委员' if by else '换届'}请示。"]
    if e.approved_date:
        steps.append(f"{_ymd(e.approved_date)}，上级党组织批复同意。")
    if cands:
        steps.append(f"按多数党员意见确定候选人预备人选{len(cands)}名：{'、'.join(c.person.name for c in cands)}"
                     f"（应选{e.seats}名）。")
    if e.candidates_approved:
        steps.append(f"{_ymd(e.candidates_approved)}，候选人预备人选经上级党组织审查同意。")
    elif e.kind == Kind.COMMITTEE:
        steps.append("候选人预备人选没有上级党组织审查同意的记录。")
    steps.append(f"{_ymd(e.date)}，召开{'党员大会' if org.type == 'branch' else '党员大会（党员代表大会）'}进行选举。")
    follows = ""
    if e.follows_id:
        follows = f"本次选举是{_ymd(e.follows.date)}选举的再投票或另行选举。"
    return {
        "org": org.name, "upper": upper.name if upper else "上级党组织", "by_election": by,
        "request_what": "增补委员" if by else "换届", "assembly": "党员大会" if org.type == "branch" else "党员大会（党员代表大会）",
        "elect_what": elect_what, "kind_what": kind_what, "seats": e.seats,
        "request_date": _ymd(e.request_date), "approved_date": _ymd(e.approved_date),
        "candidates_approved": _ymd(e.candidates_approved), "date": _ymd(e.date),
        "expected_voters": expected, "excluded": excluded, "expected_net": expected_net, "present_voters": present,
        "present_share": f"{present}/{expected_net}" + (f"（{100 * present / expected_net:.1f}%）" if expected_net else ""),
        "quorum_rule": QUORUM.get(rule, rule), "quorum_unrecorded": not e.quorum_rule,
        "quorum_numbers": (f"实到{present} × 5 = {5 * present}，应到{expected_net} × 4 = {4 * expected_net}，"
                           f"{'前者大于后者' if 5 * present > 4 * expected_net else '二者相等' if 5 * present == 4 * expected_net else '前者小于后者'}"),
        "quorum_verdict": "会议有效" if met else "会议无效",
        "quorum_result": (f"{QUORUM.get(rule, rule)}，会议有效" if met else f"未{QUORUM.get(rule, rule)}，会议无效"),
        "ballots_issued": e.ballots_issued or 0, "ballots_returned": e.ballots_returned or 0, "valid_ballots": valid,
        "invalid_ballots": e.invalid_ballots, "ballots_result": ballots_result,
        "majority": present // 2 + 1, "candidates": results,
        "elected_names": "、".join(p.name for p in out.elected) or "无", "outcome_note": note,
        "followups": [{"text": _followup_text(f)} for f in _chain_after(e)], "follows": follows,
        "committee": committee, "committee_title": ("增补后的委员会" if by else "新一届委员会") if e.kind == Kind.COMMITTEE
        else "代表选举不产生委员会",
        "exclusions": [{"name": x.person.name, "reason": x.get_reason_display(), "upper_consent": _ymd(x.upper_consent) or "（未记录）",
                        "assembly_passed": x.assembly_passed} for x in excl],
        "steps": steps, "filed_date": _ymd(e.filed_date), "secretary_approved": _ymd(e.secretary_approved),
        "today": _ymd(e.filed_date or e.date),
    }


def default_template(kind: str) -> bytes:
    """The default template of `kind` as a docx: the title, then one paragraph per line and the tables."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    k = KINDS[kind]
    doc = Document()
    title = doc.add_heading(k.label, level=1)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for block in k.blocks:
        if isinstance(block, str):
            doc.add_paragraph(block)
            continue
        if isinstance(block, If):
            _when(doc, block.cond, block.text)
            continue
        if isinstance(block, Loop):
            name = block.over.split(" in ", 1)[1].strip()
            doc.add_paragraph(f"{{%p for {block.over} %}}")
            doc.add_paragraph(block.text)
            doc.add_paragraph("{%p endfor %}")
            if block.empty:
                _when(doc, f"not {name}", block.empty)
            continue
        table = doc.add_table(rows=4, cols=len(block.headers))
        table.style = "Table Grid"
        for i, h in enumerate(block.headers):
            table.cell(0, i).text = h
        table.cell(1, 0).text = f"{{%tr for r in {block.items} %}}"
        for i, text in enumerate(block.cells):
            table.cell(2, i).text = text
        table.cell(3, 0).text = "{%tr endfor %}"
        if block.empty:
            _when(doc, f"not {block.items}", block.empty)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _when(doc, cond: str, text: str) -> None:
    doc.add_paragraph(f"{{%p if {cond} %}}")
    doc.add_paragraph(text)
    doc.add_paragraph("{%p endif %}")


def override_path(kind: str) -> Path:
    return Path(settings.VAR_DIR) / "doc_templates" / "elections" / f"{kind}.docx"


def render(e: Election, kind: str) -> bytes:
    from docxtpl import DocxTemplate

    ctx = context(e)
    path = override_path(kind)
    doc = DocxTemplate(io.BytesIO(path.read_bytes() if path.exists() else default_template(kind)))
    doc.render(ctx, autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def html_blocks(kind: str, ctx: dict) -> list:
    """The default template's text rendered with the same context (jinja2, as docxtpl does): paragraphs as
    strings, tables as (headers, rows) — what the PDF shows."""
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(autoescape=False)
    t = lambda text, **extra: env.from_string(text).render({**ctx, **extra}).strip()   # noqa: E731
    out: list = []
    for block in KINDS[kind].blocks:
        if isinstance(block, str):
            out.append(t(block))
        elif isinstance(block, If):
            out.append(t(block.text) if t(f"{{% if {block.cond} %}}1{{% endif %}}") else "")
        elif isinstance(block, Loop):
            var, name = (x.strip() for x in block.over.split(" in ", 1))
            out += [t(block.text, **{var: item}) for item in ctx[name]] or ([block.empty] if block.empty else [])
        else:
            rows = [[t(c, r=r) for c in block.cells] for r in ctx[block.items]]
            out.append((block.headers, rows) if rows else block.empty)
    return [b for b in out if b]


def render_pdf(e: Election, kind: str) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import HTML

    ctx = context(e)
    return HTML(string=render_to_string("elections/document_pdf.html", {
        "label": KINDS[kind].label, "org": ctx["org"],
        "blocks": [b if isinstance(b, str) else {"headers": b[0], "rows": b[1]} for b in html_blocks(kind, ctx)]})).write_pdf()


def filename(e: Election, kind: str, ext: str) -> tuple[str, str]:
    """(the Chinese name, an ASCII fallback)."""
    return (f"{e.org.name}-{e.date or ''}-{KINDS[kind].label}.{ext}", f"election-{e.pk}-{kind}.{ext}")
