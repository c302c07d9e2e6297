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
