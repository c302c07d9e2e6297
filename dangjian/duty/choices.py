from django.db import models


class VisitKind(models.TextChoices):
    RESEARCH = "research", "调研指导"
    LECTURE = "lecture", "讲党课"
    ORG_LIFE = "org_life", "参加组织生活"
    TALK = "talk", "座谈、谈心谈话"
    OTHER = "other", "其他"


class TaskState(models.TextChoices):
    OPEN = "open", "推进中"
    DONE = "done", "已完成"
