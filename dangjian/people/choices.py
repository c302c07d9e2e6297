from django.db import models


class Status(models.TextChoices):
    APPLICANT = "applicant", "入党申请人"
    ACTIVIST = "activist", "入党积极分子"
    CANDIDATE = "candidate", "发展对象"
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "正式党员"
    SUSPENDED = "suspended", "停止党籍"
    TRANSFERRED_OUT = "transferred_out", "已转出"
    REMOVED = "removed", "已除名"
    DECEASED = "deceased", "已去世"


# Party members of the organisation (they count toward its size; BR-01: 党员 = 正式 + 预备).
MEMBER_STATUSES = frozenset({Status.PROBATIONARY, Status.FULL})
PIPELINE_STATUSES = frozenset({Status.APPLICANT, Status.ACTIVIST, Status.CANDIDATE})
# Everyone the branch still manages (members and the recruitment pipeline).
ACTIVE_STATUSES = MEMBER_STATUSES | PIPELINE_STATUSES | {Status.SUSPENDED}
LEFT_STATUSES = frozenset({Status.TRANSFERRED_OUT, Status.REMOVED, Status.DECEASED})

# Status changes an action may make (anything else is refused with a message).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.APPLICANT: frozenset({Status.ACTIVIST, Status.TRANSFERRED_OUT, Status.DECEASED}),
    Status.ACTIVIST: frozenset({Status.CANDIDATE, Status.APPLICANT, Status.TRANSFERRED_OUT, Status.DECEASED}),
    Status.CANDIDATE: frozenset({Status.PROBATIONARY, Status.ACTIVIST, Status.APPLICANT, Status.TRANSFERRED_OUT,
                                 Status.DECEASED}),
    Status.PROBATIONARY: frozenset({Status.FULL, Status.REMOVED, Status.TRANSFERRED_OUT, Status.DECEASED}),
    Status.FULL: frozenset({Status.SUSPENDED, Status.REMOVED, Status.TRANSFERRED_OUT, Status.DECEASED}),
    Status.SUSPENDED: frozenset({Status.FULL, Status.REMOVED, Status.DECEASED}),
    Status.TRANSFERRED_OUT: frozenset({Status.FULL, Status.PROBATIONARY, Status.APPLICANT,
                                       Status.ACTIVIST, Status.CANDIDATE}),
    Status.REMOVED: frozenset(),
    Status.DECEASED: frozenset(),
}


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class DuesCategory(models.TextChoices):
    IN_SERVICE = "in_service", "在职（按月工资）"
    ANNUAL_SALARY = "annual_salary", "年薪制"
    SELF_EMPLOYED = "self_employed", "个体经营等"
    RETIRED = "retired", "离退休"
    FARMER = "farmer", "农民"
    STUDENT = "student", "学生"
    UNEMPLOYED = "unemployed", "下岗失业"
    RELIEF = "relief", "依靠抚恤或救济"
    LOW_INCOME = "low_income", "领取最低生活保障金"


EDUCATION_CHOICES = ["研究生", "大学本科", "大学专科", "中专", "高中", "初中及以下"]
ETHNICITY_DEFAULT = "汉族"


class PersonnelCategory(models.TextChoices):
    CIVIL_SERVANT = "civil_servant", "公务员"
    CIVIL_SERVANT_LIKE = "civil_servant_like", "参照公务员法管理人员"
    PUBLIC_INSTITUTION = "public_institution", "事业单位人员"
    WORKER = "worker", "机关工勤人员"
    ENTERPRISE = "enterprise", "企业人员"
    RETIRED = "retired", "离退休人员"
    OTHER = "other", "其他"
