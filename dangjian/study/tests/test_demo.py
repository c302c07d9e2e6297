"""The demo's study plans, 中心组学习, training classes, lecture schedules and ratings: the planted LECT-02 and
LECT-01 problems (the same secretary: twice on the 补课 list) — and nothing else — as findings, and the planted
EDU-01/EDU-02 findings still there."""
import datetime as dt

import pytest

from dangjian.core.models import Finding
from dangjian.demo import loader


@pytest.mark.django_db
def test_the_demo_study_and_only_the_planted_lecture_problem():
    result = loader.load("small", seed=7, as_of=dt.date(2025, 11, 20))
    stats = result.study
    assert stats.plans and stats.sessions and stats.credited and stats.classes == 2 and stats.participants
    assert stats.schedules and stats.planned_lectures > stats.schedules
    planted = sorted(p.rsplit("（", 1)[-1].rstrip("）") for p in stats.problems)
    found = sorted(Finding.objects.filter(rule_id__in=("LECT-01", "LECT-02"), state="open")
                   .values_list("rule_id", flat=True))
    assert found == planted == ["LECT-01", "LECT-02"], (found, stats.problems)
    # One secretary, on the 补课 list twice: the level above may turn it into an accountability task.
    lect = Finding.objects.filter(rule_id__in=("LECT-01", "LECT-02"), state="open")
    assert len({f.person_id for f in lect}) == 1
    from dangjian.study.actions import make_up_counts
    from dangjian.study.models import LectureRating

    assert LectureRating.objects.filter(score__gte=4).count() > 20
    f = lect.first()
    assert make_up_counts([(f.person_id, f.org_id)], dt.date(2025, 11, 20))[(f.person_id, f.org_id)] >= 2
    edu = sorted(Finding.objects.filter(rule_id__in=("EDU-01", "EDU-02"), state="open").values_list("rule_id", "period"))
    assert edu == [("EDU-01", "2024"), ("EDU-02", "2024")]
    assert not Finding.objects.filter(rule_id="STUDY-01", state="open").exists()


@pytest.mark.django_db
def test_in_january_the_demo_plants_no_lecture_problem_it_cannot_show():
    # Last month is December of the year before: the running year's schedules have nothing due yet, so nothing
    # is planted — and nothing is said to be.
    result = loader.load("small", seed=7, as_of=dt.date(2026, 1, 15))
    planted = sorted(p.rsplit("（", 1)[-1].rstrip("）") for p in result.study.problems)
    found = sorted(Finding.objects.filter(rule_id__in=("LECT-01", "LECT-02"), state="open")
                   .values_list("rule_id", flat=True))
    assert found == planted == [], (found, result.study.problems)
