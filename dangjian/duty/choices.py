from django.db import models


class VisitKind(models.TextChoices):
    RESEARCH = "research", "调研指导"
    LECTURE = "lecture", "讲党课"
    ORG_LIFE = "org_life", "参加组织生活"
    TALK = "talk", "座谈、谈心谈话"
    OTHER = "other", "其他"


class TaskState(models.TextChoices):
    OPEN = "open", "推进中"
    DONE = "done", "已完成"


class ResponsibilityRole(models.TextChoices):
    """Whose responsibility a 责任清单 template sets out (《党委（党组）落实全面从严治党主体责任规定》)."""
    PARTY_GROUP = "party_group", "党组（党委）主体责任"
    FIRST_RESPONSIBLE = "first_responsible", "党组书记第一责任人"
    LEADERSHIP_MEMBER = "leadership_member", "班子成员一岗双责"
    COMMITTEE_SECRETARY = "committee_secretary", "机关党委书记、专职副书记直接责任"
    BRANCH_SECRETARY = "branch_secretary", "支部书记"
    DISCIPLINE_MEMBER = "discipline_member", "纪检委员"


class EvidenceSource(models.TextChoices):
    """Where an item's evidence comes from: a record that already exists (linked automatically, the person
    only confirms) or, where no record exists, a manual note."""
    MANUAL = "manual", "手工佐证"
    LECTURE_GIVEN = "lecture_given", "本人讲党课"
    MEETING_HELD = "meeting_held", "本组织召开会议"
    MEETING_ATTENDED = "meeting_attended", "本人参加组织生活"
    TALK = "talk", "本人谈心谈话"
    CONTACT_VISIT = "contact_visit", "联系点活动（登记的活动或出席联系支部的会议）"
    STUDY = "study", "本人学习记录"
    RECTIFICATION_CLOSED = "rectification_closed", "本组织整改销号"


# The org types that issue the year's templates (a 党支部 or 党小组 instantiates them, never issues).
ISSUER_TYPES = ("work_committee", "leading_group", "committee")
# Evidence sources that may be narrowed to one type of meeting.
MEETING_SOURCES = (EvidenceSource.MEETING_HELD, EvidenceSource.MEETING_ATTENDED)
# Evidence sources that are the person's own records ("本人…"): a task needs an owner to use one.
PERSONAL_SOURCES = (EvidenceSource.LECTURE_GIVEN, EvidenceSource.MEETING_ATTENDED, EvidenceSource.TALK,
                    EvidenceSource.CONTACT_VISIT, EvidenceSource.STUDY)
