import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from .models import Disposition

HIDE_ON_PHONE = {"th": {"class": "d-none d-md-table-cell"}, "td": {"class": "d-none d-md-table-cell"}}


class DispositionTable(tables.Table):
    opened = tables.DateColumn(format="Y-m-d", verbose_name="启动日期", attrs={"td": {"class": "text-nowrap"}})
    person = tables.Column("党员", order_by=("person__name",),
                           linkify=lambda record: reverse("dispositions:disposition_detail", kwargs={"pk": record.pk}))
    measure = tables.Column("处置方式", attrs={"td": {"class": "text-nowrap"}})
    grounds = tables.Column("处置情形", attrs={"td": {"class": "wrap"}, **HIDE_ON_PHONE})
    state = tables.Column("状态", attrs={"td": {"class": "text-nowrap"}})
    org = tables.Column("党组织", order_by=("org__path",), attrs=HIDE_ON_PHONE)

    class Meta:
        model = Disposition
        fields = ("opened", "person", "measure", "grounds", "state", "org")
        attrs = {"class": "table table-sm table-hover align-middle bg-white mb-0"}
        empty_text = "没有符合条件的组织处置。"
        order_by = ("-opened",)

    def render_person(self, record):
        return record.person.name

    def render_org(self, record):
        return record.org.short_name or record.org.name

    def render_state(self, record):
        days = record.days_left()
        if days is not None and days < 0:
            return format_html('{} <span class="badge text-bg-danger">逾期{}天</span>', record.get_state_display(), -days)
        if record.outcome:
            return f"{record.get_state_display()}（{record.get_outcome_display()}）"
        return record.get_state_display()
