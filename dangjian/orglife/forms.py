"""Forms of the 组织生活 screens. They only collect input; `orglife.actions` decides.

The meeting form is one page a secretary fills on a phone: the plain fields are a Django form; the
attendance checklist, the vote rows and the critique rows are repeated inputs parsed by
`parse_attendance`, `parse_votes` and `parse_critiques`, so that a refused save re-renders every
row exactly as it was typed."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from dangjian.core.forms import DateInput, Form
from dangjian.core.params import INT_MAX, ascii_int, id_param
from dangjian.core.permissions import VIEW
from dangjian.orgs.forms import PersonPickerField
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from .choices import MEETING_ORG_TYPES, AttendanceStatus, MeetingState, MeetingType

# Meetings that carry 批评和自我批评 (a critique per person).
# Meetings whose lecturer matters (党课); the others have a chair.
LECTURE_TYPES = {MeetingType.LECTURE}


def default_topic(meeting_type: str, day: dt.date) -> str:
    """A sensible default the secretary can overwrite: "2025年11月主题党日", "2025年第4季度支部党员大会"."""
    label = MeetingType(meeting_type).label if meeting_type in MeetingType.values else "会议"
    if meeting_type in (MeetingType.THEME_DAY, MeetingType.COMMITTEE, MeetingType.GROUP, MeetingType.STUDY_CENTER,
                        MeetingType.LEADING_GROUP_MEETING):
        return f"{day.year}年{day.month}月{label}"
    if meeting_type in (MeetingType.MEMBER_ASSEMBLY, MeetingType.LECTURE):
        return f"{day.year}年第{(day.month - 1) // 3 + 1}季度{label}"
    return f"{day.year}年度{label}"


def types_for(org: Org) -> list[tuple[str, str]]:
    """The meeting types this org may record (mirrors `_check_meeting` in the actions)."""
    from dangjian.orgs.choices import OrgType

    out = []
    for t in MeetingType:
        if t == MeetingType.GROUP and org.type != OrgType.GROUP:
            continue
        if org.type == OrgType.GROUP and t != MeetingType.GROUP:
            continue
        if t in MEETING_ORG_TYPES and org.type != MEETING_ORG_TYPES[t][0]:
            continue          # (a 党小组会 only in a 党小组; 民主生活会 and 党组会议 only in a 党组)
        out.append((t.value, t.label))
    return out


def people_home(org: Org) -> Org:
    """Where an org's people are registered: a 党小组's members belong to its branch (and name
    the group in `group`), so the pickers search the branch."""
    from dangjian.orgs.choices import OrgType

    if org.type == OrgType.GROUP:
        return Org.objects.get_parent(org) or org
    return org


def org_people(user, org: Org):
    """The people a picker on this org's forms accepts: visible to the user and in the org's subtree."""
    home = people_home(org)
    return Person.objects.restrict(user, VIEW).filter(org__path__startswith=home.path)


class MeetingForm(Form):
    state = forms.ChoiceField(label="登记内容", widget=forms.RadioSelect, initial=MeetingState.HELD,
                              choices=[(MeetingState.HELD, "会议已召开，登记情况"),
                                       (MeetingState.ANNOUNCED, "发布会议通知（尚未召开）")])
    type = forms.ChoiceField(label="会议类型")
    date = forms.DateField(label="会议日期", widget=DateInput(), initial=timezone.localdate)
    topic = forms.CharField(label="主题", max_length=300)
    place = forms.CharField(label="地点", max_length=200, required=False)
    agenda = forms.CharField(label="议程", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="发布通知时填写，参会人员据此准备。")
    minutes = forms.CharField(label="会议记录", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="主要内容、发言要点；可以只写要点。")
    first_item_study = forms.TypedChoiceField(
        label="第一议题", required=False, empty_value=None, coerce=lambda v: v == "1",
        choices=[("", "未记录"), ("1", "是：学习习近平总书记最新重要讲话、重要指示批示精神"), ("0", "否")],
        help_text="支委会、党组会议、理论学习中心组学习的第一项议题。")

    def __init__(self, *args, org: Org, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org
        self.fields["type"].choices = types_for(org)
        within = people_home(org)
        people = org_people(user, org)
        self.fields["chair"] = PersonPickerField(people, label="主持人", required=False, within=within)
        self.fields["lecturer"] = PersonPickerField(people, label="授课人", required=False, within=within,
                                                    help_text="党课填写授课人。")
        self.order_fields(["state", "type", "date", "topic", "place", "chair", "lecturer", "first_item_study", "agenda",
                           "minutes"])
        self.fields["state"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if data.get("state") == MeetingState.HELD and data.get("date") and data["date"] > timezone.localdate():
            self.add_error("date", "会议日期在今天之后：尚未召开的会议请选择“发布会议通知”，召开后再登记情况。")
        return data


def parse_attendance(data, people) -> tuple[dict[int, str], dict[int, str]]:
    """From `att_<id>` (present / excused / absent) and `reason_<id>`: each row's status and reason.
    A row left unchosen counts as absent — the honest default; "全部出席" fills them in one tap."""
    status, reasons = {}, {}
    for p in people:
        s = data.get(f"att_{p.pk}", AttendanceStatus.ABSENT)
        status[p.pk] = s if s in AttendanceStatus.values else AttendanceStatus.ABSENT
        reasons[p.pk] = (data.get(f"reason_{p.pk}") or "").strip()[:200]
    return status, reasons


VOTE_FIELDS = ("eligible", "present", "yes", "no", "abstain", "written_yes")


def parse_votes(data) -> tuple[list[dict], list[dict], str | None]:
    """Rows of `vote_motion`, `vote_eligible`…: (rows as typed, votes for the action, error)."""
    motions = data.getlist("vote_motion")
    cols = {f: data.getlist(f"vote_{f}") for f in VOTE_FIELDS}
    rows, votes, error = [], [], None
    for i, motion in enumerate(motions):
        row = {"motion": motion.strip(), **{f: (cols[f][i] if i < len(cols[f]) else "").strip() for f in VOTE_FIELDS}}
        if not row["motion"] and not any(row[f] for f in VOTE_FIELDS):
            continue  # an empty row the user added and left
        rows.append(row)
        if not row["motion"]:
            error = error or f"第{len(rows)}项表决：请填写表决事项。"
            continue
        try:
            nums = {f: int(row[f] or 0) for f in VOTE_FIELDS}
        except ValueError:
            error = error or f"第{len(rows)}项表决（{row['motion']}）：人数须填写整数。"
            continue
        if any(row[f] == "" for f in ("eligible", "present", "yes")):
            error = error or f"第{len(rows)}项表决（{row['motion']}）：请填写应到、实到和赞成人数。"
            continue
        votes.append({"motion": row["motion"], **nums})
    return rows, votes, error


def parse_critiques(data, allowed_ids: set[int]) -> tuple[list[dict], list[dict], str | None]:
    """Rows of `crit_from`, `crit_to` (empty: 自我批评), `crit_text`."""
    froms, tos, texts = data.getlist("crit_from"), data.getlist("crit_to"), data.getlist("crit_text")
    rows, critiques, error = [], [], None
    for i, author in enumerate(froms):
        target = tos[i] if i < len(tos) else ""
        text = (texts[i] if i < len(texts) else "").strip()
        if not author and not text:
            continue
        rows.append({"from": author, "to": target, "text": text})
        n = len(rows)
        if id_param(author) not in allowed_ids:
            error = error or f"第{n}条批评意见：请选择提出人。"
            continue
        if target and id_param(target) not in allowed_ids:
            error = error or f"第{n}条批评意见：对象须是参会人员。"
            continue
        if not text:
            error = error or f"第{n}条批评意见：请填写内容（具体问题，而不是“加强学习”之类的套话）。"
            continue
        critiques.append({"from": id_param(author), "to": id_param(target) if target else None, "text": text})
    return rows, critiques, error


class DeleteForm(Form):
    reason = forms.CharField(label="删除理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="例如：重复录入、录错了组织。理由将记入操作记录。")


class TalkForm(Form):
    date = forms.DateField(label="谈话日期", widget=DateInput(), initial=timezone.localdate)
    topic = forms.CharField(label="主题", max_length=300, required=False)

    def __init__(self, *args, org: Org, user, **kwargs):
        super().__init__(*args, **kwargs)
        within = people_home(org)
        people = org_people(user, org)
        self.fields["a"] = PersonPickerField(people, label="谈话人", within=within)
        self.fields["b"] = PersonPickerField(people, label="谈话对象", within=within)
        self.order_fields(["a", "b", "date", "topic"])

    def clean(self):
        data = super().clean()
        if data.get("a") and data.get("b") and data["a"].pk == data["b"].pk:
            self.add_error("b", "谈心谈话须在两人之间进行，请选择另一人。")
        if data.get("date") and data["date"] > timezone.localdate():
            self.add_error("date", "谈话日期不能晚于今天。")
        return data


# --- 民主评议党员: one row per member (等次, and folded away 自评、互评、测评票数) ----------------------
APPRAISAL_VOTE_INPUTS = (("excellent", "votes_excellent", "优秀"), ("qualified", "votes_qualified", "合格"),
                         ("basically_qualified", "votes_basic", "基本合格"),
                         ("unqualified", "votes_unqualified", "不合格"))


def _count(text: str):
    """'' → None; a whole number ≥ 0 → int; anything else → False (refused, the text is kept)."""
    text = (text or "").strip()
    if not text:
        return None
    n = ascii_int(text, max=INT_MAX)
    return False if n is None else n


def appraisal_row(person, *, probationary: bool, grade: str = "", self_assessment: str = "",
                  peer_opinion: str = "", votes: dict | None = None) -> dict:
    """One member's row as the page shows it (values as text, so a refused save shows what was typed)."""
    votes = votes or {}
    return {"person": person, "probationary": probationary, "grade": grade or "",
            "self_assessment": self_assessment or "", "peer_opinion": peer_opinion or "",
            "votes": [{"grade": g, "field": f, "label": label,
                       "value": "" if votes.get(f) is None else str(votes.get(f))}
                      for g, f, label in APPRAISAL_VOTE_INPUTS]}


def parse_appraisal(data, people, is_probationary) -> tuple[list[dict], dict, dict, list[str]]:
    """`grade_<pk>`, `self_<pk>`, `peer_<pk>`, `votes_<field>_<pk>` for each member:
    (rows as typed, grades for the action, details for the action, errors)."""
    from .choices import Grade

    rows, grades, details, errors = [], {}, {}, []
    for p in people:
        probationary = is_probationary(p)
        typed = {f: data.get(f"{f}_{p.pk}", "") for _, f, _ in APPRAISAL_VOTE_INPUTS}
        row = appraisal_row(p, probationary=probationary, grade="" if probationary else data.get(f"grade_{p.pk}", ""),
                            self_assessment=data.get(f"self_{p.pk}", ""), peer_opinion=data.get(f"peer_{p.pk}", ""),
                            votes={f: (v.strip() or None) for f, v in typed.items()})
        rows.append(row)
        d = {"self_assessment": row["self_assessment"], "peer_opinion": row["peer_opinion"]}
        for g, f, label in APPRAISAL_VOTE_INPUTS:
            n = _count(typed[f])
            if n is False:
                errors.append(f"{p.name}：测评“{label}”票数须填写不小于0的整数。")
                row["error"] = True
                n = None
            d[f] = n
        details[p.pk] = d
        if probationary:
            grades[p.pk] = None          # takes part, not graded (EVAL-02)
        elif row["grade"] in Grade.values:
            grades[p.pk] = row["grade"]
        else:
            errors.append(f"请为{p.name}评定等次。")
    return rows, grades, details, errors


def parse_raters(data) -> tuple[str, int | None, str | None]:
    """`raters` (参加民主测评人数): (as typed, value, error)."""
    text = (data.get("raters") or "").strip()
    n = _count(text)
    if n is False:
        return text, None, "参加民主测评人数须填写不小于0的整数。"
    return text, n, None


def suggest_grades(rows: list[dict], max_excellent: int) -> list[str]:
    """按测评结果预填等次: an empty grade takes the grade with the most votes (ties are left to the
    branch); what the secretary chose is never overridden. EVAL-01: 优秀 beyond a third are not
    filled in, and the notes say so. Returns the notes to show."""
    from .models import tally_leader

    notes, filled, held_back = [], 0, []
    excellent = sum(r["grade"] == "excellent" for r in rows)
    for r in rows:
        if r["probationary"] or r["grade"]:
            continue
        votes = {v["grade"]: n for v in r["votes"] if (n := ascii_int(v["value"], max=INT_MAX)) is not None}
        leader = tally_leader(votes)
        if leader is None:
            continue
        if leader == "excellent":
            if excellent >= max_excellent:
                held_back.append(r["person"].name)
                continue
            excellent += 1
        r["grade"] = leader
        r["suggested"] = True
        filled += 1
    notes.append(f"已按测评票数最多的等次预填{filled}人，请核对后保存；已选的等次未改动，票数相同或未填票数的未预填。"
                 if filled else "没有可预填的：未选等次的党员都没有填写测评票数（或票数最多的等次不止一个）。")
    if held_back:
        notes.append(f"{'、'.join(held_back)}的测评票以“优秀”最多，但评为“优秀”的一般不超过党员总数的三分之一"
                     f"（最多{max_excellent}人，EVAL-01），未预填，请支部研究确定。")
    return notes
