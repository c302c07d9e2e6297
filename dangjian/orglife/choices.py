from django.db import models

from dangjian.orgs.choices import OrgType, PostRole


class MeetingType(models.TextChoices):
    MEMBER_ASSEMBLY = "member_assembly", "支部党员大会"
    COMMITTEE = "committee", "支委会"
    GROUP = "group", "党小组会"
    LECTURE = "lecture", "党课"
    THEME_DAY = "theme_day", "主题党日"
    ORG_LIFE = "org_life", "组织生活会"
    DEMOCRATIC_APPRAISAL = "democratic_appraisal", "民主评议党员"
    DEMOCRATIC_LIFE = "democratic_life", "领导班子民主生活会"
    STUDY_CENTER = "study_center", "理论学习中心组学习"
    # 党组会议: held only by a 党组 (OrgType.LEADING_GROUP), attended by its members; not in DJX v1.
    LEADING_GROUP_MEETING = "leading_group_meeting", "党组会议"


class MeetingState(models.TextChoices):
    ANNOUNCED = "announced", "已通知"
    HELD = "held", "已召开"
    CANCELLED = "cancelled", "已取消"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出席"
    EXCUSED = "excused", "请假"
    ABSENT = "absent", "缺席"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    QUALIFIED = "qualified", "合格"
    BASICALLY_QUALIFIED = "basically_qualified", "基本合格"
    UNQUALIFIED = "unqualified", "不合格"


# 补录: a held meeting entered this many days or more after it was held ("会后 7 天以上", 以上 including
# the number — docs/rules.md 计数约定). Back-filling is shown, not hidden: the meeting list, the
# meeting page and the 台账 all mark it through `is_backfilled`.
BACKFILL_DAYS = 7


def is_backfilled(meeting) -> bool:
    """Entered 7 days or more after the meeting (6 days: not yet 补录)."""
    return meeting.state == MeetingState.HELD and meeting.backfilled_days >= BACKFILL_DAYS


# Meetings that are 党的组织生活 for REL-01 (中心组学习 is study, not organisational life; a 党组会议 is the
# 党组's decision-making meeting, not its members' organisational life — they take part in their branches).
NOT_ORG_LIFE_TYPES = (MeetingType.STUDY_CENTER.value, MeetingType.LEADING_GROUP_MEETING.value)
ORG_LIFE_TYPES = tuple(t for t in MeetingType.values if t not in NOT_ORG_LIFE_TYPES)

# Meetings held only by orgs of one type (`_check_meeting`, `types_for`): → (org type, the refusal).
MEETING_ORG_TYPES = {
    MeetingType.GROUP.value: (OrgType.GROUP.value, "党小组会应登记在党小组下。"),
    MeetingType.DEMOCRATIC_LIFE.value: (OrgType.LEADING_GROUP.value, "领导班子民主生活会应登记在党组（党委）下。"),
    MeetingType.LEADING_GROUP_MEETING.value: (OrgType.LEADING_GROUP.value, "党组会议只能由党组召开，应登记在党组下。"),
}

# DJX v1 (djx.md) knows every type but 党组会议: the exporter leaves those meetings out.
NOT_IN_DJX_V1 = (MeetingType.LEADING_GROUP_MEETING.value,)


def counts_as_org_life(state: str, meeting_type: str) -> bool:
    """Whether attending a meeting is taking part in organisational life (REL-01): it was held and
    it is organisational life. Stored on each attendance row (`Attendance.counts_as_org_life`)."""
    return state == MeetingState.HELD and meeting_type in ORG_LIFE_TYPES


# ORGLIFE-02: 党委（党组）书记每年至少讲1次党课 — the orgs whose secretary that is, and the posts.
SECRETARY_ORG_TYPES = (OrgType.COMMITTEE, OrgType.WORK_COMMITTEE, OrgType.LEADING_GROUP)
LECTURING_SECRETARY_ROLES = (PostRole.SECRETARY, PostRole.FIRST_RESPONSIBLE)


# Meetings whose first item should be studying the latest important speeches (第一议题, STUDY-01).
FIRST_ITEM_TYPES = (MeetingType.COMMITTEE.value, MeetingType.STUDY_CENTER.value,
                    MeetingType.LEADING_GROUP_MEETING.value)
