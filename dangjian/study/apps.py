from django.apps import AppConfig


class StudyConfig(AppConfig):
    name = "dangjian.study"
    verbose_name = "学习培训"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import (LectureSchedule, MeetingCredit, PlannedLecture, StudyPlan, StudyPlanItem, StudyRecord,
                             TrainingClass, TrainingParticipant)
        for model in (StudyRecord, StudyPlan, StudyPlanItem, MeetingCredit, TrainingClass, TrainingParticipant,
                      LectureSchedule, PlannedLecture):
            auditlog.register(model)
