from django.db import models


class QuestionKind(models.TextChoices):
    """题型. A 判断题 has the two options 正确/错误 (answer A or B)."""
    SINGLE = "single", "单选"
    MULTIPLE = "multiple", "多选"
    JUDGE = "judge", "判断"


class PaperMode(models.TextChoices):
    FIXED = "fixed", "固定组卷"
    RANDOM = "random", "随机抽题"


JUDGE_OPTIONS = ["正确", "错误"]
LETTERS = "ABCDEFGH"
