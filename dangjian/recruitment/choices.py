"""发展党员: the 5 stages and 25 steps of the 《发展党员工作细则》 (rules.md §3a) as the steps a
recruitment file records. The step keys are DJX's (`recruitment[].events[].step`)."""
from django.db import models


class Step(models.TextChoices):
    APPLICATION = "application", "递交入党申请书"
    FIRST_TALK = "first_talk", "党组织派人谈话"
    ACTIVIST = "activist", "确定入党积极分子"
    ACTIVIST_FILED = "activist_filed", "入党积极分子报上级党委备案"
    MENTORS = "mentors", "指定培养联系人"
    ACTIVIST_REVIEW = "activist_review", "培养教育考察"
    CANDIDATE = "candidate", "确定发展对象"
    CANDIDATE_FILED = "candidate_filed", "发展对象报上级党委备案"
    SPONSORS = "sponsors", "确定入党介绍人"
    POLITICAL_REVIEW = "political_review", "政治审查"
    TRAINING = "training", "短期集中培训"
    COMMITTEE_REVIEW = "committee_review", "支部委员会审查"
    PRE_REVIEW = "pre_review", "上级党委预审"
    VOLUNTEER_FORM = "volunteer_form", "填写入党志愿书"
    BRANCH_VOTE = "branch_vote", "支部大会讨论接收预备党员"
    UPPER_TALK = "upper_talk", "上级党委派人谈话"
    APPROVAL = "approval", "上级党委审批"
    FILED_UPWARD = "filed_upward", "报再上一级党委组织部门备案"
    OATH = "oath", "入党宣誓"
    CONFIRM_APPLICATION = "confirm_application", "提出转正申请"
    CONFIRM_VOTE = "confirm_vote", "支部大会讨论转正"
    CONFIRM_APPROVAL = "confirm_approval", "上级党委审批转正"
    EXTENSION = "extension", "延长预备期"
    ARCHIVE = "archive", "材料归档"
    # Not in DJX: the publicity a jurisdiction may require before a decision (DEV-27, [P]).
    PUBLICITY = "publicity", "公示"


# The 25 steps of rules.md §3a (19 编入党支部和党小组 and 21 继续教育考察 record nothing of their own;
# 延长预备期 belongs to step 23/24, the branch meeting and the approval that decide it).
STEP_NUMBER = {
    Step.APPLICATION: 1, Step.FIRST_TALK: 2, Step.ACTIVIST: 3, Step.ACTIVIST_FILED: 4, Step.MENTORS: 5,
    Step.ACTIVIST_REVIEW: 6, Step.CANDIDATE: 7, Step.CANDIDATE_FILED: 8, Step.SPONSORS: 9,
    Step.POLITICAL_REVIEW: 10, Step.TRAINING: 11, Step.COMMITTEE_REVIEW: 12, Step.PRE_REVIEW: 13,
    Step.VOLUNTEER_FORM: 14, Step.BRANCH_VOTE: 15, Step.UPPER_TALK: 16, Step.APPROVAL: 17,
    Step.FILED_UPWARD: 18, Step.OATH: 20, Step.CONFIRM_APPLICATION: 22, Step.CONFIRM_VOTE: 23,
    Step.EXTENSION: 23, Step.CONFIRM_APPROVAL: 24, Step.ARCHIVE: 25,
}

STAGES = (
    ("入党申请", (Step.APPLICATION, Step.FIRST_TALK)),
    ("入党积极分子的确定和培养教育", (Step.ACTIVIST, Step.ACTIVIST_FILED, Step.MENTORS, Step.ACTIVIST_REVIEW)),
    ("发展对象的确定和考察", (Step.CANDIDATE, Step.CANDIDATE_FILED, Step.SPONSORS, Step.POLITICAL_REVIEW,
                      Step.TRAINING)),
    ("预备党员的接收", (Step.COMMITTEE_REVIEW, Step.PRE_REVIEW, Step.VOLUNTEER_FORM, Step.BRANCH_VOTE,
                 Step.UPPER_TALK, Step.APPROVAL, Step.FILED_UPWARD)),
    ("预备党员的教育考察和转正", (Step.OATH, Step.CONFIRM_APPLICATION, Step.CONFIRM_VOTE, Step.EXTENSION,
                      Step.CONFIRM_APPROVAL, Step.ARCHIVE)),
)

# Steps that may be recorded more than once (a review every half year; an extension is once — DEV-22).
REPEATABLE = frozenset({Step.ACTIVIST_REVIEW, Step.EXTENSION, Step.PUBLICITY})
VOTES = (Step.BRANCH_VOTE, Step.CONFIRM_VOTE)


class Conclusion(models.TextChoices):
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


class ArchiveDoc(models.TextChoices):
    """DEV-26: the five documents a confirmed member's file must hold."""
    APPLICATION = "application", "入党申请书"
    VOLUNTEER_FORM = "volunteer_form", "入党志愿书"
    POLITICAL_REVIEW = "political_review", "政治审查材料"
    CONFIRM_APPLICATION = "confirm_application", "转正申请书"
    CULTIVATION_RECORDS = "cultivation_records", "培养教育考察材料"


class PublicityFor(models.TextChoices):
    """DEV-27: what a publicity announces, and the decision it must end before."""
    ACTIVIST = "activist", "确定入党积极分子"
    CANDIDATE = "candidate", "确定发展对象"
    ADMISSION = "admission", "接收预备党员"
    CONFIRMATION = "confirmation", "预备党员转正"


PUBLICITY_BEFORE = {PublicityFor.ACTIVIST: Step.ACTIVIST, PublicityFor.CANDIDATE: Step.CANDIDATE,
                    PublicityFor.ADMISSION: Step.BRANCH_VOTE, PublicityFor.CONFIRMATION: Step.CONFIRM_VOTE}


class StopBasis(models.TextChoices):
    """停止培养: why a file ends before the person is admitted (the person stays 入党申请人)."""
    COMMITTEE = "committee", "支部委员会研究决定不再列为培养对象"
    WITHDRAWN = "withdrawn", "本人申请撤回入党申请"
    NOT_APPROVED = "not_approved", "上级党委审批未予批准"
