from django.db import models


class Kind(models.TextChoices):
    """What is elected (DJX `elections[].kind`)."""
    COMMITTEE = "committee", "委员会（委员）"
    DELEGATES = "delegates", "党员代表大会代表"


class ExclusionReason(models.TextChoices):
    """ELEC-08: the five kinds of member who, with the upper level's consent and the assembly's vote, are not
    counted among those expected to attend."""
    ILL = "ill", "因病不能表达意志"
    ABROAD = "abroad", "自费出国半年以上"
    SERVING = "serving", "未受留党察看以上处分但正在服刑"
    INFIRM = "infirm", "年老体弱卧床、长期生病不能自理"
    AWAY = "away", "工作调动、下派、外出学习或工作半年以上应转未转组织关系"
