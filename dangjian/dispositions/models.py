"""不合格党员组织处置: one disposition of one party member — the measure (限期改正, 劝其退党, 除名),
the grounds (DISP-03), and the procedure of DISP-04 as dated steps: 支委会研究提出启动意见 → 报基层党委
事前备案 → 调查核实 → 支部大会讨论表决 → 报基层党委审批 (effective). A 限期改正 then runs to its
deadline (DISP-02: 6 months, at most a year); a 劝其退党 or 除名 bars re-entry for 5 years.

State changes only through `dispositions.actions`; the dated fields are what the rules judge, so that
imported or legacy records with a missing step are found too (DISP-04)."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.permissions import VIEW
from dangjian.core.querysets import RestrictedQuerySet

from .choices import ACTIVE_STATES, Ground, Measure, Outcome, State

# DISP-04 as the timeline shows it: (step, date field, who does it, the article).
STEPS = (
    ("committee", "committee_date", "党支部委员会（不设支委会的由党员大会）", "研究提出启动处置意见"),
    ("filed", "filed_date", "基层党委", "事前备案"),
    ("investigated", "investigated_date", "党支部", "调查核实，听取本人意见"),
    ("vote", "vote_date", "支部大会", "讨论表决（到会和赞成人数参照发展党员支部大会）"),
    ("approved", "approved_date", "基层党委", "审批，批准后生效"),
)


class DispositionQuerySet(RestrictedQuerySet):
    def active(self):
        return self.filter(state__in=ACTIVE_STATES)

    def barring(self, day: dt.date):
        """劝其退党 or 除名 whose 5-year re-entry bar is still running on `day`."""
        return self.filter(reentry_barred_until__gt=day, approved_date__lte=day).exclude(
            state=State.CANCELLED)


class Disposition(models.Model):
    """组织处置 of one party member by the branch that had them when it was opened."""

    person = models.ForeignKey("people.Person", verbose_name="党员", on_delete=models.PROTECT,
                               related_name="dispositions")
    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT,
                            related_name="dispositions", help_text="启动处置时党员所在的党支部。")
    measure = models.CharField("处置方式", max_length=24, choices=Measure.choices)
    grounds = models.CharField("处置情形", max_length=32, choices=Ground.choices)
    facts = models.TextField("主要事实", blank=True)
    appraisal_grade = models.ForeignKey("orglife.AppraisalGrade", verbose_name="民主评议等次", null=True,
                                        blank=True, on_delete=models.SET_NULL, related_name="dispositions")
    # DISP-01: 受到党纪处分的，不因同一问题再作组织处置 (refused by the actions; imported data may have it).
    sanctioned_for_same_issue = models.BooleanField("已因同一问题受到党纪处分", default=False)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.PROPOSED,
                             db_index=True)
    opened = models.DateField("启动日期")
    # --- DISP-04: the procedure ----------------------------------------------------------------
    committee_date = models.DateField("支委会研究提出启动意见日期", null=True, blank=True)
    filed_date = models.DateField("报基层党委事前备案日期", null=True, blank=True)
    investigated_date = models.DateField("调查核实日期", null=True, blank=True)
    investigation_note = models.TextField("调查核实情况", blank=True)
    vote_date = models.DateField("支部大会表决日期", null=True, blank=True)
    vote_eligible = models.PositiveIntegerField("应到会有表决权党员", null=True, blank=True)
    vote_present = models.PositiveIntegerField("实到会有表决权党员", null=True, blank=True)
    vote_yes = models.PositiveIntegerField("赞成", null=True, blank=True)
    vote_no = models.PositiveIntegerField("反对", null=True, blank=True)
    vote_abstain = models.PositiveIntegerField("弃权", null=True, blank=True)
    approved_date = models.DateField("基层党委批准日期（生效）", null=True, blank=True)
    # --- DISP-02: 限期改正 ----------------------------------------------------------------------
    correction_start = models.DateField("改正期起始日期", null=True, blank=True)
    correction_deadline = models.DateField("改正期限", null=True, blank=True)
    # --- the end ---------------------------------------------------------------------------------
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices, blank=True)
    outcome_date = models.DateField("结果日期", null=True, blank=True)
    outcome_note = models.TextField("结果说明", blank=True)
    # DISP-02: 受到劝其退党或除名处置的，5年内不得重新入党. The first day the bar no longer applies is
    # this date (approved + 5 years: "5年内" ends the day before, as "一年以上" in rules.md §0).
    reentry_barred_until = models.DateField("5年内不得重新入党（截止）", null=True, blank=True, db_index=True)
    # The person's 公民身份号码 blind index when the bar was recorded: a later application under a new
    # person record (another system, a DJX import) is still matched.
    id_number_digest = models.CharField("公民身份号码索引", max_length=64, blank=True, db_index=True,
                                        editable=False)
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = DispositionQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "组织处置"
        ordering = ["-opened", "-id"]
        indexes = [models.Index(fields=["person", "state"]), models.Index(fields=["measure", "state"])]

    def __str__(self):
        return f"{self.person}：{self.get_measure_display()}（{self.opened:%Y-%m-%d}）"

    @classmethod
    def restrict_self(cls, user, action):
        # The member concerned reads their own disposition (they are told of every step).
        pid = getattr(user, "person_id", None)
        return Q(person_id=pid) if (pid and action == VIEW) else None

    # --- derived ------------------------------------------------------------------------------------
    @property
    def quorum(self) -> bool | None:
        """DEV-14: 有表决权的到会人数必须超过应到会有表决权人数的半数 (strictly more than half)."""
        if self.vote_eligible is None or self.vote_present is None:
            return None
        return 2 * self.vote_present > self.vote_eligible

    @property
    def vote_passed(self) -> bool | None:
        """DEV-15: 赞成人数超过应到会有表决权正式党员的半数."""
        if self.quorum is None or self.vote_yes is None:
            return None
        return bool(self.quorum and 2 * self.vote_yes > self.vote_eligible)

    def days_left(self, day: dt.date | None = None) -> int | None:
        """Days to the 限期改正 deadline while it runs (negative: overdue)."""
        from django.utils import timezone

        if self.correction_deadline is None or self.state != State.EFFECTIVE:
            return None
        return (self.correction_deadline - (day or timezone.localdate())).days

    def bars_reentry_on(self, day: dt.date) -> bool:
        return bool(self.reentry_barred_until and self.approved_date and self.state != State.CANCELLED
                    and self.approved_date <= day < self.reentry_barred_until)

    @property
    def is_open(self) -> bool:
        return self.state in ACTIVE_STATES
