"""组织生活: meetings (三会一课, 主题党日, 组织生活会, 民主评议, 民主生活会, 中心组学习) with who was
expected, who came and what was decided; 谈心谈话; 民主评议 results.

A meeting is recorded once by the branch; its expected attendees are derived from membership on
the meeting's date, and the counts the rules need are kept on the meeting by the actions so that
judging a province's year of meetings is a few aggregate queries."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import post_delete
from django.dispatch import receiver

from dangjian.core.permissions import VIEW
from dangjian.core.querysets import RestrictedQuerySet

from .choices import AttendanceStatus, Grade, MeetingState, MeetingType


class MeetingQuerySet(RestrictedQuerySet):
    def held(self):
        return self.filter(state=MeetingState.HELD)


class Meeting(models.Model):
    """One meeting of an organisation: announced (通知, with the agenda) and later recorded as held."""

    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT,
                            related_name="meetings")
    type = models.CharField("会议类型", max_length=24, choices=MeetingType.choices)
    state = models.CharField("状态", max_length=12, choices=MeetingState.choices,
                             default=MeetingState.HELD)
    date = models.DateField("会议日期")
    place = models.CharField("地点", max_length=200, blank=True)
    topic = models.CharField("主题", max_length=300)
    agenda = models.TextField("议程", blank=True)
    chair = models.ForeignKey("people.Person", verbose_name="主持人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    lecturer = models.ForeignKey("people.Person", verbose_name="授课人", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    minutes = models.TextField("会议记录", blank=True)
    # 第一议题 (支委会, 党组会, 理论学习中心组): was the first item studying the latest important speeches?
    # None: not recorded (not judged); False: recorded as not (STUDY-01).
    first_item_study = models.BooleanField("第一议题学习习近平总书记最新重要讲话、重要指示批示精神", null=True, blank=True)
    # Kept beside the meeting date and shown: back-filling is visible, not hidden.
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # Derived by the actions from the attendance rows (the rules read these, not the rows).
    expected_count = models.PositiveIntegerField("应到人数", default=0)
    present_count = models.PositiveIntegerField("实到人数", default=0)
    voting_expected = models.PositiveIntegerField("有表决权应到人数", default=0)
    voting_present = models.PositiveIntegerField("有表决权实到人数", default=0)
    external_id = models.CharField("交换编号", max_length=64, blank=True, db_index=True)

    objects = MeetingQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "会议"
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["org", "type", "date"]), models.Index(fields=["type", "date"]),
            # The org-life rules read every held meeting of the window once (which months each org
            # held each type in; who chaired): all they need is in this index (index-only scans).
            # (org, type) before date: the months are aggregated in index order, without hashing.
            models.Index(fields=["state", "org", "type", "date", "chair", "id"], name="meeting_facts"),
            # BR-05/06: the rare meetings recorded with fewer than half present (quorum findings).
            models.Index(fields=["type", "date"], name="meeting_short_of_voters",
                         condition=Q(voting_expected__gt=2 * F("voting_present"))),
            models.Index(fields=["type", "date"], name="meeting_short_of_members",
                         condition=Q(expected_count__gt=2 * F("present_count"))),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_type_display()}：{self.topic}"

    @classmethod
    def restrict_self(cls, user, action):
        # A member sees the meetings of their own organisation and party group.
        if action != VIEW or not getattr(user, "person_id", None):
            return None
        from dangjian.people.models import Person

        me = Person.objects.filter(pk=user.person_id).values("org_id", "group_id").first() or {}
        ids = [i for i in me.values() if i]
        return Q(org_id__in=ids) if ids else None

    @property
    def backfilled_days(self) -> int:
        """How many days after the meeting it was entered (0 when entered on the day)."""
        from django.utils import timezone

        return max(0, (timezone.localtime(self.entered_at).date() - self.date).days) if self.entered_at else 0


class Attendance(models.Model):
    """Whether one expected attendee came. Probationary members attend but do not vote."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE,
                                related_name="attendance")
    person = models.ForeignKey("people.Person", verbose_name="人员", on_delete=models.CASCADE,
                               related_name="attendance")
    status = models.CharField("出席情况", max_length=10, choices=AttendanceStatus.choices)
    reason = models.CharField("请假事由", max_length=200, blank=True)
    voting = models.BooleanField("有表决权", default=True)
    signed_in_at = models.DateTimeField("扫码签到时间", null=True, blank=True)
    # Copied from the meeting by every write path (`sync_attendance` after a meeting changes): REL-01
    # reads each member's organisational life from this table alone — tens of millions of rows at
    # province scale must not be joined to the meetings on every evaluation.
    meeting_date = models.DateField("会议日期", null=True, editable=False)
    counts_as_org_life = models.BooleanField("计入组织生活", default=False, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "出席情况"
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="attendance_once")]
        indexes = [
            models.Index(fields=["person", "status"]),
            # REL-01: the few absences, and each member's participations by date (last time they took part).
            models.Index(fields=["person", "meeting_date"], name="attendance_absent",
                         condition=Q(status="absent", counts_as_org_life=True)),
            models.Index(fields=["person", "meeting_date"], name="attendance_took",
                         condition=Q(status__in=["present", "excused"], counts_as_org_life=True)),
        ]

    def __str__(self):
        return f"{self.person} {self.get_status_display()}"


class Resolution(models.Model):
    """A motion put to the vote, with its tally (BR-05/BR-06 thresholds are judged on it)."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE,
                                related_name="resolutions")
    motion = models.CharField("表决事项", max_length=300)
    eligible = models.PositiveIntegerField("应到有表决权人数")
    present = models.PositiveIntegerField("实到有表决权人数")
    yes = models.PositiveIntegerField("赞成")
    no = models.PositiveIntegerField("反对", default=0)
    abstain = models.PositiveIntegerField("弃权", default=0)
    written_yes = models.PositiveIntegerField("书面赞成", default=0)
    order = models.PositiveSmallIntegerField("序号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "表决"
        ordering = ["meeting", "order", "id"]

    def __str__(self):
        return self.motion

    @property
    def quorum(self) -> bool:
        """半数以上有表决权的党员到会 (≥ half: "以上" includes the boundary)."""
        return 2 * self.present >= self.eligible

    @property
    def passed(self) -> bool:
        """赞成人数超过应到会有表决权党员的半数 (strictly more than half of those eligible)."""
        return self.quorum and 2 * self.yes > self.eligible


class Critique(models.Model):
    """批评和自我批评 at a 组织生活会/民主生活会: who said it to whom (to=None: self-criticism)."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE,
                                related_name="critiques")
    author = models.ForeignKey("people.Person", verbose_name="提出人", on_delete=models.CASCADE,
                               related_name="+")
    target = models.ForeignKey("people.Person", verbose_name="对象", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    text = models.TextField("内容")
    order = models.PositiveSmallIntegerField("序号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "批评和自我批评"
        ordering = ["meeting", "order", "id"]


class Talk(models.Model):
    """谈心谈话 between two people (recorded under the first person's organisation)."""

    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT, related_name="talks")
    date = models.DateField("日期")
    a = models.ForeignKey("people.Person", verbose_name="谈话人", on_delete=models.CASCADE, related_name="+")
    b = models.ForeignKey("people.Person", verbose_name="谈话对象", on_delete=models.CASCADE, related_name="+")
    topic = models.CharField("主题", max_length=300, blank=True)
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)
    external_id = models.CharField("交换编号", max_length=64, blank=True, db_index=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "谈心谈话"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["org", "date"])]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.a}—{self.b}"

    @classmethod
    def restrict_self(cls, user, action):
        pid = getattr(user, "person_id", None)
        return (Q(a_id=pid) | Q(b_id=pid)) if (pid and action == VIEW) else None


class Appraisal(models.Model):
    """民主评议党员 of one organisation for one year; the grades are in AppraisalGrade."""

    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT,
                            related_name="appraisals")
    year = models.PositiveSmallIntegerField("年度")
    meeting = models.ForeignKey(Meeting, verbose_name="评议会议", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    external_id = models.CharField("交换编号", max_length=64, blank=True, db_index=True)
    # 民主测评: how many took part in the vote (the date is the linked meeting's). Null = not recorded.
    raters = models.PositiveIntegerField("参加民主测评人数", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "民主评议"
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="appraisal_once_a_year")]

    def __str__(self):
        return f"{self.org} {self.year}年民主评议党员"


class AppraisalGrade(models.Model):
    appraisal = models.ForeignKey(Appraisal, verbose_name="民主评议", on_delete=models.CASCADE,
                                  related_name="grades")
    person = models.ForeignKey("people.Person", verbose_name="党员", on_delete=models.CASCADE,
                               related_name="appraisal_grades")
    # Null for probationary members: they take part but are not graded (EVAL-02).
    grade = models.CharField("评定等次", max_length=24, choices=Grade.choices, null=True, blank=True)
    # The steps before the grade (ORGLIFE-06: 个人自评、党员互评、民主测评), all optional.
    self_assessment = models.TextField("个人自评", blank=True, default="")
    peer_opinion = models.TextField("党员互评意见", blank=True, default="")
    # 民主测评票数 per grade; null = not recorded.
    votes_excellent = models.PositiveIntegerField("测评“优秀”票数", null=True, blank=True)
    votes_qualified = models.PositiveIntegerField("测评“合格”票数", null=True, blank=True)
    votes_basic = models.PositiveIntegerField("测评“基本合格”票数", null=True, blank=True)
    votes_unqualified = models.PositiveIntegerField("测评“不合格”票数", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "评定等次"
        constraints = [models.UniqueConstraint(fields=["appraisal", "person"], name="grade_once")]

    @property
    def votes(self) -> dict:
        """{grade value: votes or None}, in the order of `Grade`."""
        return {g: getattr(self, f) for g, f in VOTE_FIELDS.items()}

    @property
    def tally_hint(self) -> str:
        """A note (never a rule) when the grade and the 测评 tally disagree strongly."""
        return tally_hint(self.grade, self.votes)


# The tally field of each grade (the order is the grade's).
VOTE_FIELDS = {Grade.EXCELLENT: "votes_excellent", Grade.QUALIFIED: "votes_qualified",
               Grade.BASICALLY_QUALIFIED: "votes_basic", Grade.UNQUALIFIED: "votes_unqualified"}
GOOD_GRADES = (Grade.EXCELLENT, Grade.QUALIFIED)
WEAK_GRADES = (Grade.BASICALLY_QUALIFIED, Grade.UNQUALIFIED)


def tally_leader(votes: dict) -> str | None:
    """The grade with the most 测评 votes; None when nothing was recorded or the top is a tie."""
    counted = {g: n for g, n in votes.items() if n}
    if not counted:
        return None
    top = max(counted.values())
    leaders = [g for g, n in counted.items() if n == top]
    return leaders[0] if len(leaders) == 1 else None


def tally_hint(grade: str | None, votes: dict) -> str:
    """The tally informs, the branch decides: say so when more than half of the votes cast fall on
    the other side of 合格/基本合格 from the grade given. Empty when they agree or nothing is known."""
    if not grade:
        return ""
    total = sum(n or 0 for n in votes.values())
    if not total:
        return ""
    good = sum(votes.get(g) or 0 for g in GOOD_GRADES)
    weak = total - good
    label = Grade(grade).label
    if grade in GOOD_GRADES and 2 * weak > total:
        return (f"评定为“{label}”，但测评票中“基本合格”“不合格”共{weak}票，占{total}票的多数；"
                "等次由支部研究确定，测评结果供参考。")
    if grade in WEAK_GRADES and 2 * good > total:
        return (f"评定为“{label}”，但测评票中“优秀”“合格”共{good}票，占{total}票的多数；"
                "等次由支部研究确定，测评结果供参考。")
    return ""


# --- meeting attachments and the 组织生活会 process (对照检查材料, 整改清单) ---------------------------
def _members_meetings_q(user, prefix: str):
    """A member sees what belongs to the meetings of their own organisation and party group
    (the same self-service as `Meeting.restrict_self`)."""
    if not getattr(user, "person_id", None):
        return None
    from dangjian.people.models import Person

    me = Person.objects.filter(pk=user.person_id).values("org_id", "group_id").first() or {}
    ids = [i for i in me.values() if i]
    return Q(**{f"{prefix}org_id__in": ids}) if ids else None


class AttachmentManager(models.Manager.from_queryset(RestrictedQuerySet)):
    # Also the base of `meeting.attachments`: the meeting page lists them without a query per row.
    def get_queryset(self):
        return super().get_queryset().select_related("uploaded_by")

    def limits_text(self) -> str:
        """The upload limits in words, for the form (reachable as `meeting.attachments.limits_text`)."""
        from .actions import ATTACHMENT_LABELS, attachment_limits

        max_bytes, max_count, types = attachment_limits()
        size = f"{max_bytes / 1024 / 1024:g} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes // 1024} KB"
        return f"可上传{'、'.join(ATTACHMENT_LABELS.get(t, t) for t in types)}；单个不超过 {size}，每次会议最多 {max_count} 个。"


class MeetingAttachment(models.Model):
    """A photo or scan of a meeting. On disk under a random name (never the uploader's file name);
    the type is sniffed from the bytes, not taken from the name or the browser's claim."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = AttachmentManager()
    restrict_lookup = "meeting__org__path"

    class Meta:
        verbose_name = verbose_name_plural = "会议附件"
        ordering = ["meeting", "uploaded_at", "id"]

    def __str__(self):
        return self.original_name

    @classmethod
    def restrict_self(cls, user, action):
        return _members_meetings_q(user, "meeting__") if action == VIEW else None

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class SelfCheckManager(models.Manager.from_queryset(RestrictedQuerySet)):
    def get_queryset(self):
        return super().get_queryset().select_related("person", "entered_by")


class SelfCheck(models.Model):
    """对照检查材料 of one participant of a 组织生活会 / 民主生活会 (one per person per meeting)."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="self_checks")
    person = models.ForeignKey("people.Person", verbose_name="党员", on_delete=models.CASCADE, related_name="+")
    text = models.TextField("对照检查材料")
    submitted_at = models.DateTimeField("提交时间")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = SelfCheckManager()
    restrict_lookup = "meeting__org__path"

    class Meta:
        verbose_name = verbose_name_plural = "对照检查材料"
        ordering = ["meeting", "person__name", "person_id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="self_check_once")]

    def __str__(self):
        return f"{self.person}的对照检查材料"

    @classmethod
    def restrict_self(cls, user, action):
        # A member reads and writes their own material; reading others' follows the meeting.
        pid = getattr(user, "person_id", None)
        if not pid:
            return None
        own = Q(person_id=pid)
        if action == VIEW:
            theirs = _members_meetings_q(user, "meeting__")
            return own | theirs if theirs is not None else own
        return own if action in ("add", "change") else None


class RectificationQuerySet(RestrictedQuerySet):
    def open(self):
        return self.filter(closed__isnull=True)

    def overdue(self, day=None):
        from django.utils import timezone

        return self.open().filter(deadline__lt=day or timezone.localdate())


class RectificationManager(models.Manager.from_queryset(RectificationQuerySet)):
    def get_queryset(self):
        return super().get_queryset().select_related("owner")


class RectificationItem(models.Model):
    """One line of the 整改清单 drawn up after a 组织生活会 / 民主生活会: the problem, who answers for
    it and by when; closed with the date and the evidence of what was done."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE,
                                related_name="rectification_items")
    problem = models.TextField("问题")
    owner = models.ForeignKey("people.Person", verbose_name="责任人", on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField("整改时限")
    closed = models.DateField("完成日期", null=True, blank=True)
    evidence = models.TextField("整改成效", blank=True)
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RectificationManager()
    restrict_lookup = "meeting__org__path"

    class Meta:
        verbose_name = verbose_name_plural = "整改事项"
        ordering = ["meeting", "deadline", "id"]
        indexes = [models.Index(fields=["closed", "deadline"])]

    def __str__(self):
        return self.problem[:50]

    @classmethod
    def restrict_self(cls, user, action):
        # Whoever sees the meeting sees its 整改清单; the owner sees their own items wherever they are.
        pid = getattr(user, "person_id", None)
        if not pid or action != VIEW:
            return None
        theirs = _members_meetings_q(user, "meeting__")
        return Q(owner_id=pid) | theirs if theirs is not None else Q(owner_id=pid)

    @property
    def overdue_days(self) -> int:
        """Days past the deadline of an open item (0: closed, or not yet due)."""
        from django.utils import timezone

        if self.closed is not None:
            return 0
        return max(0, (timezone.localdate() - self.deadline).days)

    @property
    def is_overdue(self) -> bool:
        return self.overdue_days > 0


@receiver(post_delete, sender=MeetingAttachment)
def _remove_attachment_file(sender, instance, **kwargs):
    """The bytes go once the row is gone for good — also when a deleted meeting takes its attachments
    with it; a rolled-back deletion keeps its file."""
    import os

    from django.db import transaction

    name = instance.file.name
    if name:
        path = os.path.join(settings.MEDIA_ROOT, name)
        transaction.on_commit(lambda: os.path.exists(path) and os.unlink(path))


def sync_attendance(meeting_ids) -> None:
    """Copy the meetings' date and whether they count as organisational life onto their attendance
    rows (after a meeting's date, type or state changed without its attendance being rewritten)."""
    from django.db.models import Exists, OuterRef, Subquery

    from .choices import ORG_LIFE_TYPES, MeetingState

    ids = list(meeting_ids)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        meeting = Meeting.objects.filter(pk=OuterRef("meeting_id"))
        Attendance.objects.filter(meeting_id__in=chunk).update(
            meeting_date=Subquery(meeting.values("date")[:1]),
            counts_as_org_life=Exists(meeting.filter(state=MeetingState.HELD, type__in=ORG_LIFE_TYPES)))



def meeting_records(types) -> tuple[str, ...]:
    """The records a meeting of these types consists of, as `Rule.reads` / `engine.schedule` labels
    ("orglife.meeting[theme_day]" …): a rule that reads only 党课 is not re-judged after a 主题党日."""
    return tuple(f"{model._meta.label_lower}[{t}]" for model in (Meeting, Attendance, Resolution, Critique)
                 for t in types)
