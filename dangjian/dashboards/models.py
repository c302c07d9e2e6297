"""看板汇总 (rollups): what the dashboards read, kept by the rules engine so that the top of a province tree
answers from a few hundred rows instead of the whole tree.

Each row is an org's **subtree** total (the org and everything below it), never a figure typed by anyone:
`rollups.py` derives it from findings, meetings, the dues ledger, rectifications and recruitment files, and
the engine's hook keeps it current after every run (incremental runs apply the touched orgs' changes to them
and their ancestors; a full run rebuilds)."""
from django.db import models

from dangjian.core.querysets import RestrictedQuerySet

MONTH_FIELDS = ("findings_block", "findings_warn", "findings_info", "opened", "resolved",
                "meetings_due", "meetings_held", "dues_due", "dues_paid")
SNAPSHOT_FIELDS = ("members", "findings_block", "findings_warn", "findings_info",
                   "rect_open", "rect_age_30", "rect_age_90", "rect_age_180", "rect_age_more", "rect_overdue",
                   "stage_0", "stage_1", "stage_2", "stage_3", "stage_4")


class MonthRollup(models.Model):
    """One org's subtree in one month: open findings of the month's period by severity, findings opened
    and resolved in the month, 三会一课/主题党日 periods held against periods due (ended months only), and
    dues person-months paid in full against person-months due (the ledger's judgement)."""

    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.CASCADE, related_name="+")
    month = models.DateField("月份")
    findings_block = models.IntegerField("未消除严重预警", default=0)
    findings_warn = models.IntegerField("未消除一般预警", default=0)
    findings_info = models.IntegerField("未消除提示", default=0)
    opened = models.IntegerField("新发现预警", default=0)
    resolved = models.IntegerField("消除预警", default=0)
    meetings_due = models.IntegerField("应召开期数", default=0)
    meetings_held = models.IntegerField("按期召开期数", default=0)
    dues_due = models.IntegerField("应交党费人月", default=0)
    dues_paid = models.IntegerField("足额交纳人月", default=0)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "看板月度汇总"
        constraints = [models.UniqueConstraint(fields=["org", "month"], name="dashboards_month_unique")]

    def __str__(self):
        return f"{self.org_id} {self.month:%Y-%m}"


class Snapshot(models.Model):
    """One org's subtree as of the day it was computed: members, open findings (in total and per rule),
    open rectifications by age, open recruitment files by stage."""

    org = models.OneToOneField("orgs.Org", verbose_name="党组织", on_delete=models.CASCADE,
                               primary_key=True, related_name="+")
    members = models.IntegerField("在册党员", default=0)
    findings_block = models.IntegerField("未消除严重预警", default=0)
    findings_warn = models.IntegerField("未消除一般预警", default=0)
    findings_info = models.IntegerField("未消除提示", default=0)
    rect_open = models.IntegerField("未销号问题", default=0)
    rect_age_30 = models.IntegerField("30天以内", default=0)
    rect_age_90 = models.IntegerField("31至90天", default=0)
    rect_age_180 = models.IntegerField("91至180天", default=0)
    rect_age_more = models.IntegerField("180天以上", default=0)
    rect_overdue = models.IntegerField("已逾期", default=0)
    stage_0 = models.IntegerField("入党申请", default=0)
    stage_1 = models.IntegerField("入党积极分子", default=0)
    stage_2 = models.IntegerField("发展对象", default=0)
    stage_3 = models.IntegerField("预备党员的接收", default=0)
    stage_4 = models.IntegerField("预备党员教育考察和转正", default=0)
    by_rule = models.JSONField("各规则未消除预警", default=dict, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "看板现状汇总"

    def __str__(self):
        return str(self.org_id)


class RollupState(models.Model):
    """The rollups' one state row (pk 1): the date they are as of (a rebuild sets it, a later refresh in the
    same month moves it on; a run of a later month hands over to a rebuild), and the row every refresh and
    every rebuild's write locks (`select_for_update`), so that on PostgreSQL no refresh writes totals it read
    before another one committed. `rebuilds` lists the rebuilds under way (token → start), each clearing only
    its own entry; while any is under way the refreshes note their orgs in `PendingOrg`."""

    as_of = models.DateField("汇总日期", null=True, blank=True)
    rebuilt_at = models.DateTimeField("重建时间", auto_now=True)
    seconds = models.FloatField("重建用时（秒）", default=0)
    rebuilding_since = models.DateTimeField("正在重建（开始时间）", null=True, blank=True)
    rebuilds = models.JSONField("正在进行的重建", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "看板汇总状态"

    def __str__(self):
        return f"{self.as_of or '尚未生成'}"


class PendingOrg(models.Model):
    """An org whose rows a refresh could not bring up to date at once (append-only, written without the state
    row's lock): one noted while a rebuild was under way (the rebuild refreshes it again after writing its
    older figures), or by a refresh that found the state row locked (a rebuild writing) — the rebuild, the
    background job or the next refresh that gets the lock applies it."""

    org_id = models.IntegerField("党组织")
    noted = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "看板待刷新党组织"

    def __str__(self):
        return str(self.org_id)
