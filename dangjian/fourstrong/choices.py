from django.db import models


class Dimension(models.TextChoices):
    """The four dimensions of a “四强”党支部 (rules.md SQ-01)."""
    POLITICAL = "political", "政治功能强"
    LEADERSHIP = "leadership", "支部班子强"
    MEMBERS = "members", "党员队伍强"
    ROLE = "role", "作用发挥强"


class ApplicationState(models.TextChoices):
    DRAFT = "draft", "填写中"
    SUBMITTED = "submitted", "待机关党委审核"
    RETURNED = "returned", "退回修改"
    PASSED = "passed", "审核通过，待命名"
    NAMED = "named", "已命名"
    REJECTED = "rejected", "未予命名"


class TitleState(models.TextChoices):
    VALID = "valid", "有效"
    FLAGGED = "flagged", "待复核（限期整改）"
    REVOKED = "revoked", "已撤销"


class RecheckOutcome(models.TextChoices):
    KEPT = "kept", "复核通过，保留命名"
    FLAGGED = "flagged", "复核未通过，限期整改"
    REVOKED = "revoked", "复核未通过，撤销命名"


# Who may set a standard (创建标准): the 工委 for the whole jurisdiction, a 机关党委 (or 党组, 党总支) for its branches.
JURISDICTION_TYPES = ("work_committee", "leading_group", "committee", "general_branch")
