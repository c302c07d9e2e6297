"""The demo's exams: the bank, papers, a closed exam per 机关党委 with a realistic spread of results, the 工委's open
random exam — and the pages render for the demo personas (the 机关党委 sees aggregates, never an individual)."""
import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from dangjian.accounts.models import User
from dangjian.demo import loader
from dangjian.exams.models import Attempt, Exam, Question


@pytest.mark.django_db
def test_the_demo_exams_load_and_render_for_the_personas():
    result = loader.load("small", seed=7, as_of=dt.date(2025, 11, 20))
    stats = result.exams
    assert stats.questions == Question.objects.count() >= 40 and stats.papers == 2
    assert stats.attempts == Attempt.objects.count() > 20
    scores = list(Attempt.objects.values_list("score", flat=True))
    assert min(scores) < 60 <= max(scores)                                  # some fail, some pass
    assert 0 < Attempt.objects.filter(passed=False).count() < len(scores) / 2
    member = User.objects.get(username="dangyuan")
    mine = Attempt.objects.get(person_id=member.person_id)
    c = Client()
    c.force_login(member)
    assert "我的考试" in c.get(reverse("exams:mine")).content.decode()
    assert c.get(reverse("exams:attempt_detail", kwargs={"pk": mine.pk})).status_code == 200
    secretary, committee = User.objects.get(username="shuji"), User.objects.get(username="jiguan")
    exam = mine.exam
    c.force_login(secretary)
    assert c.get(reverse("exams:attempt_detail", kwargs={"pk": mine.pk})).status_code == 200
    assert member.person.name in c.get(reverse("exams:exam_results", kwargs={"pk": exam.pk})).content.decode()
    c.force_login(committee)
    assert c.get(reverse("exams:attempt_detail", kwargs={"pk": mine.pk})).status_code == 404
    body = c.get(reverse("exams:exam_results", kwargs={"pk": exam.pk})).content.decode()
    assert "各党组织汇总" in body and member.person.name not in body
    for name in ("exams:exam_list", "exams:paper_list", "exams:questionbank_list"):
        assert c.get(reverse(name)).status_code == 200
    assert Exam.objects.filter(org__depth=1, published_at__isnull=False).exists()
