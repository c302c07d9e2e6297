from django.db import models


class StudyKind(models.TextChoices):
    """How the hours were earned (EDU-01 typical crediting: a full training day 8 学时, half a day 4)."""
    CENTRALIZED = "centralized", "集中学习培训"
    ONLINE = "online", "网络培训"
    LECTURE = "lecture", "党课、专题讲座"
    ROTATION = "rotation", "集中轮训"
    INDUCTION = "induction", "任职培训"
    READING = "reading", "读书班"
    OTHER = "other", "其他"


class PlanForm(models.TextChoices):
    """The form a study-plan item takes; each is matched to the record that shows it was done."""
    STUDY_CENTER = "study_center", "理论学习中心组学习"
    LECTURE = "lecture", "专题党课"
    READING = "reading", "读书班"
    ROTATION = "rotation", "集中轮训"
    THEME_DAY = "theme_day", "主题党日学习"


class TrainingKind(models.TextChoices):
    """A training class (its completions are StudyRecords of the same kind)."""
    READING = "reading", "读书班"
    ROTATION = "rotation", "集中轮训"
    INDUCTION = "induction", "任职培训"


# Which meeting type (or training kind) shows a plan item of each form was done.
FORM_MEETING_TYPE = {PlanForm.STUDY_CENTER: "study_center", PlanForm.LECTURE: "lecture",
                     PlanForm.THEME_DAY: "theme_day"}
FORM_TRAINING_KIND = {PlanForm.READING: TrainingKind.READING, PlanForm.ROTATION: TrainingKind.ROTATION}
