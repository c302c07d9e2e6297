"""(prefix, viewset, basename) triples collected by `dangjian/api_urls.py` into the one router."""
from .views import AttemptViewSet, ExamViewSet, PaperViewSet, QuestionBankViewSet

ROUTES = [("exam-banks", QuestionBankViewSet, "questionbank"), ("exam-papers", PaperViewSet, "paper"),
          ("exams", ExamViewSet, "exam"), ("exam-attempts", AttemptViewSet, "attempt")]
