"""(prefix, viewset, basename) triples collected by `dangjian/api_urls.py` into the one router."""
from .views import LectureScheduleViewSet, StudyPlanViewSet, StudyRecordViewSet, TrainingClassViewSet

ROUTES = [("study", StudyRecordViewSet, "studyrecord"), ("study-plans", StudyPlanViewSet, "studyplan"),
          ("training-classes", TrainingClassViewSet, "trainingclass"),
          ("lecture-schedules", LectureScheduleViewSet, "lectureschedule")]
