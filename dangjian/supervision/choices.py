from django.db import models


class Kind(models.TextChoices):
    """督查方式 (and the DJX `rectifications[].source`)."""
    ROUTINE = "routine", "日常督查"
    RANDOM = "random", "随机督查"
    CONCENTRATED = "concentrated", "集中督查"
    INSPECTION = "inspection", "巡察"
    SELF = "self", "自查"


class Category(models.TextChoices):
    """问题类别 (SUP-04 compares them)."""
    ORG_LIFE = "org_life", "组织生活"
    DUES = "dues", "党费收缴"
    RECRUITMENT = "recruitment", "发展党员"
    ORG_BUILDING = "org_building", "组织建设（换届、班子）"
    STUDY = "study", "理论学习"
    STYLE = "style", "作风纪律"
    RESPONSIBILITY = "responsibility", "责任落实"
    OTHER = "other", "其他"


class State(models.TextChoices):
    OPEN = "open", "整改中"
    REQUESTED = "requested", "申请销号"
    CLOSED = "closed", "已销号"


# The ways a plan is organised (自查 is a problem's source, not a plan's).
PLAN_KINDS = [c for c in Kind.choices if c[0] != Kind.SELF]


class SuggestionSource(models.TextChoices):
    """Where a 意见建议 came from."""
    MEETING = "meeting", "会上征求（组织生活会、民主生活会、座谈会）"
    MEMBER = "member", "党员提出"
    PUBLIC = "public", "群众反映"
    OTHER = "other", "其他"
