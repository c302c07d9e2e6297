from django.db import models


class IndicatorKind(models.TextChoices):
    GROUP = "group", "考核维度"
    SCORE = "score", "得分项"
    DEDUCTION = "deduction", "扣分项"
    BONUS = "bonus", "加分项"


class Method(models.TextChoices):
    COMPUTED = "computed", "系统按数据计算"
    MANUAL = "manual", "考核人评分"


class Grade(models.TextChoices):
    """The four grades of 述职评议考核 (rules.md ASSESS-01), also used for assessment results."""
    GOOD = "good", "好"
    FAIRLY_GOOD = "fairly_good", "较好"
    AVERAGE = "average", "一般"
    POOR = "poor", "差"


class ReportKind(models.TextChoices):
    SECRETARY_DUTY = "secretary_duty", "书记抓基层党建工作述职报告"
    LEADING_GROUP_ANNUAL = "leading_group_annual", "党组年度全面工作报告"
    SELF_CHECK = "self_check", "对照检查材料"   # DJX reports[].kind (a meeting's own are orglife.SelfCheck)
    OTHER = "other", "其他报告"


class Form(models.TextChoices):
    """四种形态 (rules.md DISC-01…04)."""
    FIRST = "first", "第一种形态"
    SECOND = "second", "第二种形态"
    THIRD = "third", "第三种形态"
    FOURTH = "fourth", "第四种形态"


class Measure(models.TextChoices):
    TALK = "talk", "谈话提醒"
    CRITICISM = "criticism", "批评教育"
    SELF_EXAMINATION = "self_examination", "责令检查"
    ADMONITION = "admonition", "诫勉"
    CIRCULATED = "circulated", "通报批评"
    WARNING = "warning", "警告"
    SERIOUS_WARNING = "serious_warning", "严重警告"
    ADJUSTMENT = "adjustment", "组织调整（停职检查、调整职务、责令辞职、免职等）"
    REMOVAL = "removal", "撤销党内职务"
    PROBATION = "probation", "留党察看"
    EXPULSION = "expulsion", "开除党籍"
    CASE = "case", "立案审查、移送司法机关"


# The form a measure usually belongs to (DISC-01…04); the register keeps the form chosen, this only suggests it.
MEASURE_FORM = {
    Measure.TALK: Form.FIRST, Measure.CRITICISM: Form.FIRST, Measure.SELF_EXAMINATION: Form.FIRST,
    Measure.ADMONITION: Form.FIRST, Measure.CIRCULATED: Form.FIRST, Measure.WARNING: Form.SECOND,
    Measure.SERIOUS_WARNING: Form.SECOND, Measure.ADJUSTMENT: Form.SECOND, Measure.REMOVAL: Form.THIRD,
    Measure.PROBATION: Form.THIRD, Measure.EXPULSION: Form.THIRD, Measure.CASE: Form.FOURTH,
}

ISSUER_TYPES = ("work_committee", "leading_group", "committee", "general_branch")
TARGET_TYPES = (("branch", "党支部"), ("general_branch", "党总支"), ("committee", "机关党委"),
                ("leading_group", "党组（党委）"))
