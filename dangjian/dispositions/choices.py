"""Measures, grounds and states of 不合格党员组织处置 (rules.md §10 DISP-01…04)."""
from django.db import models


class Measure(models.TextChoices):
    """DISP-01: 组织处置方式分为限期改正、劝其退党、除名."""

    CORRECTION = "correction", "限期改正"
    PERSUADE_WITHDRAW = "persuade_withdraw", "劝其退党"
    EXPEL = "expel", "除名"


class Ground(models.TextChoices):
    """The situations of DISP-03 (处置办法第六条起), grouped by the measure they suggest."""

    # 限期改正
    APPRAISAL_UNQUALIFIED = "appraisal_unqualified", "民主评议被评为不合格"
    WEAK_CONVICTION = "weak_conviction", "理想信念不坚定，但愿意改正"
    RELIGION = "religion", "信仰宗教"
    PASSIVE = "passive", "工作消极懈怠，不发挥先锋模范作用"
    ORG_LIFE = "org_life", "组织观念、纪律意识不强，不按规定参加组织生活"
    DUES = "dues", "不按时足额交纳党费"
    LOST_CONTACT = "lost_contact", "与党组织失去联系6个月以上、2年以内"
    # 劝其退党
    THREATEN_WITHDRAW = "threaten_withdraw", "以退党相要挟，经教育不改"
    CORRECTION_FAILED = "correction_failed", "限期改正期满仍无转变"
    # 除名
    LOST_CONDITIONS = "lost_conditions", "丧失党员条件"
    ABSENCE_SIX_MONTHS = "absence_six_months", "无正当理由连续6个月不参加组织生活、不交纳党费或不做分配的工作"
    LOST_CONTACT_SUSPENDED = "lost_contact_suspended", "因失联被停止党籍2年后仍无法联系"
    REFUSED_WITHDRAW = "refused_withdraw", "劝而不退"
    OTHER = "other", "其他"


# DISP-03: the measure each situation suggests (the form pre-selects it; the branch decides).
SUGGESTED_MEASURE: dict[str, str] = {
    Ground.APPRAISAL_UNQUALIFIED: Measure.CORRECTION,
    Ground.WEAK_CONVICTION: Measure.CORRECTION,
    Ground.RELIGION: Measure.CORRECTION,
    Ground.PASSIVE: Measure.CORRECTION,
    Ground.ORG_LIFE: Measure.CORRECTION,
    Ground.DUES: Measure.CORRECTION,
    Ground.LOST_CONTACT: Measure.CORRECTION,
    Ground.THREATEN_WITHDRAW: Measure.PERSUADE_WITHDRAW,
    Ground.CORRECTION_FAILED: Measure.PERSUADE_WITHDRAW,
    Ground.LOST_CONDITIONS: Measure.EXPEL,
    Ground.ABSENCE_SIX_MONTHS: Measure.EXPEL,
    Ground.LOST_CONTACT_SUSPENDED: Measure.EXPEL,
    Ground.REFUSED_WITHDRAW: Measure.EXPEL,
}

# DISP-03: which other rules' findings point at a situation (shown on the person's page and the
# opening form; never a second warning). EDU-03 (失联) joins here when it exists.
# Keyed by (rule, severity): REL-01 warns at six months (除名 is the measure the 章程 names) and only
# notes three months (限期改正 for not taking part in organisational life, if anything).
TRIGGERS: dict[tuple[str, str], tuple[str, ...]] = {
    ("DISP-03", "WARN"): (Ground.APPRAISAL_UNQUALIFIED,),
    ("REL-01", "WARN"): (Ground.ABSENCE_SIX_MONTHS, Ground.ORG_LIFE),
    ("REL-01", "INFO"): (Ground.ORG_LIFE,),
    # 党费: six months unpaid is 自行脱党 (除名); fewer, 不按时足额交纳党费 (限期改正, if anything).
    ("FEE-13", "BLOCK"): (Ground.ABSENCE_SIX_MONTHS, Ground.DUES),
    ("FEE-12", "WARN"): (Ground.DUES,),
}


class State(models.TextChoices):
    PROPOSED = "proposed", "支委会已提出启动意见"
    FILED = "filed", "已报基层党委备案"
    INVESTIGATED = "investigated", "已调查核实"
    VOTED = "voted", "支部大会已表决通过"
    EFFECTIVE = "effective", "已批准生效"
    CLOSED = "closed", "已结束"
    REJECTED = "rejected", "未通过"
    CANCELLED = "cancelled", "已撤销"


# Still in the procedure (a second disposition for the same person is refused meanwhile).
ACTIVE_STATES = (State.PROPOSED, State.FILED, State.INVESTIGATED, State.VOTED, State.EFFECTIVE)


class Outcome(models.TextChoices):
    CORRECTED = "corrected", "已按期改正"
    NO_CHANGE = "no_change", "期满仍无转变"
    WITHDREW = "withdrew", "本人同意退党"
    REFUSED = "refused", "劝而不退"
    EXPELLED = "expelled", "已除名"
    NOT_APPROVED = "not_approved", "基层党委未批准"
    VOTE_FAILED = "vote_failed", "支部大会表决未通过"
