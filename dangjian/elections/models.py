"""换届选举: one election of a committee (or of congress delegates) with its procedure — 请示 and 批复, the
candidate list and the upper level's consent to it, the five exclusions from the expected count (ELEC-08),
the meeting's quorum, ballots issued and returned, each candidate's votes — and its outcome (counted by
`count.py`, never typed), filed with or approved by the upper level."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from dangjian.core.querysets import RestrictedQuerySet

from .choices import ExclusionReason, Kind


class Election(models.Model):
    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT, related_name="elections")
    kind = models.CharField("选举", max_length=10, choices=Kind.choices, default=Kind.COMMITTEE)
    seats = models.PositiveSmallIntegerField("应选人数")
    request_date = models.DateField("换届请示日期", null=True, blank=True)
    approved_date = models.DateField("上级批复日期", null=True, blank=True)
    candidates_approved = models.DateField("候选人预备人选上级审查同意日期", null=True, blank=True)
    date = models.DateField("选举大会日期", null=True, blank=True)
    expected_voters = models.PositiveIntegerField("应到会有选举权人数", null=True, blank=True)
    present_voters = models.PositiveIntegerField("实到会有选举权人数", null=True, blank=True)
    ballots_issued = models.PositiveIntegerField("发出选票", null=True, blank=True)
    ballots_returned = models.PositiveIntegerField("收回选票", null=True, blank=True)
    invalid_ballots = models.PositiveIntegerField("废票", default=0)
    quorum_rule = models.CharField("计票时的有效人数规则", max_length=10, blank=True,
                                   choices=[("strict", "超过应到会人数的4/5"), ("inclusive", "达到应到会人数的4/5")])
    by_election = models.BooleanField("增补选举", default=False,
                                      help_text="任期中补选委员会出缺的委员：不结束现任委员的职务，不开始新的一届。")
    follows = models.ForeignKey("self", verbose_name="重新投票或另行选举的原选举", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="followups")
    filed_date = models.DateField("选举结果报上级备案（批准）日期", null=True, blank=True)
    secretary_approved = models.DateField("书记、副书记上级批准日期", null=True, blank=True)
    external_id = models.CharField("交换编号", max_length=64, blank=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "选举"
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.org} {self.date or '（未召开）'} {'增补' if self.by_election else self.get_kind_display()}选举"


class Candidate(models.Model):
    election = models.ForeignKey(Election, verbose_name="选举", on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey("people.Person", verbose_name="候选人", on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField("序号", default=0)
    votes = models.PositiveIntegerField("赞成票", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "election__org__path"

    class Meta:
        verbose_name = verbose_name_plural = "候选人"
        ordering = ["election", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["election", "person"], name="candidate_once")]


class Exclusion(models.Model):
    """ELEC-08: a member not counted among those expected to attend — only with the upper level's consent
    and the assembly's vote, both recorded."""
    election = models.ForeignKey(Election, verbose_name="选举", on_delete=models.CASCADE, related_name="exclusions")
    person = models.ForeignKey("people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("情形", max_length=10, choices=ExclusionReason.choices)
    upper_consent = models.DateField("上级党组织同意日期", null=True, blank=True)
    assembly_passed = models.BooleanField("经党员大会通过", default=False)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "election__org__path"

    class Meta:
        verbose_name = verbose_name_plural = "不计入应到会人数的党员"
        constraints = [models.UniqueConstraint(fields=["election", "person"], name="exclusion_once")]
