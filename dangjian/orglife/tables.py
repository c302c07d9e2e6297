import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .choices import BACKFILL_DAYS, is_backfilled  # noqa: F401  (BACKFILL_DAYS: still imported from here)
from .models import Meeting, Talk

HIDE_ON_PHONE = {"th": {"class": "d-none d-md-table-cell"}, "td": {"class": "d-none d-md-table-cell"}}


class MeetingTable(tables.Table):
    date = tables.DateColumn(format="Y-m-d", verbose_name="日期", attrs={"td": {"class": "text-nowrap"}})
    type = tables.Column("类型", attrs={"td": {"class": "text-nowrap"}})
    topic = tables.Column("主题", attrs={"td": {"class": "wrap"}},
                          linkify=lambda record: reverse("orglife:meeting_detail", kwargs={"pk": record.pk}))
    org = tables.Column("党组织", order_by=("org__path",), attrs=HIDE_ON_PHONE)
    attendance = tables.Column("应到/实到", empty_values=(), orderable=False, attrs={"td": {"class": "text-nowrap"}})
    entered_at = tables.DateTimeColumn(format="Y-m-d", verbose_name="录入", attrs={"td": {"class": "text-nowrap small"}})

    class Meta:
        model = Meeting
        fields = ("date", "type", "topic", "org", "attendance", "entered_at")
        attrs = {"class": "table table-sm table-hover align-middle bg-white mb-0"}
        empty_text = "没有符合条件的会议记录。"
        order_by = ("-date",)

    def render_topic(self, record, value):
        if record.state != "held":
            return format_html('{} <span class="badge text-bg-{}">{}</span>', value,
                               "info text-dark" if record.state == "announced" else "secondary",
                               record.get_state_display())
        return value

    def render_org(self, record):
        return record.org.short_name or record.org.name

    def render_attendance(self, record):
        if record.state != "held":
            return "—"
        return f"{record.expected_count}/{record.present_count}"

    def render_entered_at(self, record, value):
        value = timezone.localtime(value)  # the day it was typed in, in the jurisdiction's time zone
        if is_backfilled(record):
            return format_html('{} <span class="badge text-bg-warning text-dark" title="会后{}天录入">补录</span>',
                               f"{value:%Y-%m-%d}", record.backfilled_days)
        return f"{value:%Y-%m-%d}"


class TalkTable(tables.Table):
    date = tables.DateColumn(format="Y-m-d", verbose_name="日期", attrs={"td": {"class": "text-nowrap"}})
    a = tables.Column("谈话人", accessor="a__name", order_by=("a__name",))
    b = tables.Column("谈话对象", accessor="b__name", order_by=("b__name",))
    topic = tables.Column("主题", attrs={"td": {"class": "wrap"}})
    org = tables.Column("党组织", order_by=("org__path",), attrs=HIDE_ON_PHONE)

    class Meta:
        model = Talk
        fields = ("date", "a", "b", "topic", "org")
        attrs = {"class": "table table-sm table-hover align-middle bg-white mb-0"}
        empty_text = "还没有登记谈心谈话。"
        order_by = ("-date",)

    def render_org(self, record):
        return record.org.short_name or record.org.name
