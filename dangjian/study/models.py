"""学习培训: the hours of study each member earned (集中学习培训时间, EDU-01/EDU-02), recorded per session or
imported. The yearly totals are derived, never typed."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.querysets import RestrictedQuerySet

from .choices import StudyKind


class StudyRecord(models.Model):
    person = models.ForeignKey("people.Person", verbose_name="党员", on_delete=models.CASCADE,
                               related_name="study_records")
    org = models.ForeignKey("orgs.Org", verbose_name="所在党组织", on_delete=models.PROTECT, related_name="+",
                            help_text="登记时本人所在的党组织。")
    date = models.DateField("日期")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    kind = models.CharField("类别", max_length=12, choices=StudyKind.choices, default=StudyKind.CENTRALIZED)
    title = models.CharField("内容", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "学习培训记录"
        indexes = [models.Index(fields=["person", "date"]), models.Index(fields=["org", "date"])]
        ordering = ["-date", "pk"]

    @classmethod
    def restrict_self(cls, user, action):
        from dangjian.core.permissions import VIEW

        pid = getattr(user, "person_id", None)
        return Q(person_id=pid) if (pid and action == VIEW) else None


class LectureRating(models.Model):
    """A member's rating of a 党课 they attended (书记讲党课): anonymous — the rater is kept only as a keyed hash of
    (lecture, person), which enforces one rating each and cannot be read back to a name."""

    meeting = models.ForeignKey("orglife.Meeting", verbose_name="党课", on_delete=models.CASCADE,
                                related_name="ratings")
    token = models.CharField("评价人标记", max_length=64, editable=False)
    score = models.PositiveSmallIntegerField("评分（1–5）")
    comment = models.CharField("意见", max_length=300, blank=True)
    created_at = models.DateTimeField("评价时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "meeting__org__path"

    class Meta:
        verbose_name = verbose_name_plural = "党课评价"
        constraints = [models.UniqueConstraint(fields=["meeting", "token"], name="lecture_rating_once"),
                       models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="lecture_score_1_5")]
