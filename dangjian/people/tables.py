import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html_join

from dangjian.core.templatetags.dangjian import status_badge

from .models import Person


HIDE_ON_PHONE = {"th": {"class": "d-none d-md-table-cell"}, "td": {"class": "d-none d-md-table-cell"}}


class _PersonColumns(tables.Table):
    name = tables.Column("姓名", linkify=lambda record: reverse("people:person_detail", kwargs={"pk": record.pk}),
                         attrs={"td": {"class": "fw-semibold text-nowrap"}})
    status = tables.Column("党籍状态")
    gender = tables.Column("性别", attrs=HIDE_ON_PHONE)
    probationary_date = tables.DateColumn(format="Y-m-d", verbose_name="入党日期", attrs={"td": {"class": "text-nowrap"}})
    full_member_date = tables.DateColumn(format="Y-m-d", verbose_name="转正日期",
                                         attrs={"th": {"class": "d-none d-md-table-cell"},
                                                "td": {"class": "d-none d-md-table-cell text-nowrap"}})

    def render_status(self, record):
        return status_badge(record)


class PersonTable(_PersonColumns):
    """人员列表. The ID number column is always masked: the full number only on the person page,
    for roles allowed to see it, and every such view is logged."""

    org = tables.Column("所在党组织", order_by=("org__path", "name"), attrs={"td": {"class": "minw-9rem"}},
                        linkify=lambda record: reverse("orgs:org_detail", kwargs={"pk": record.org_id}) if record.org_id else None)
    id_number = tables.Column("公民身份号码", accessor="id_number_masked", orderable=False, empty_values=(),
                              attrs={"td": {"class": "font-monospace text-nowrap"}})
    flags = tables.Column("标记", empty_values=(), orderable=False)

    class Meta:
        model = Person
        fields = ("name", "gender", "org", "status", "probationary_date", "full_member_date", "id_number",
                  "personnel_category", "flags")
        attrs = {"class": "table table-sm table-hover align-middle bg-white"}
        empty_text = "没有符合条件的人员。可以调整筛选条件，或在组织页面“登记人员”。"
        order_by = ("org", "name")

    def render_id_number(self, record):
        return record.id_number_masked or "—"

    def render_flags(self, record):
        flags = []
        if record.leading_cadre:
            flags.append(("primary", "领导干部"))
        if record.lost_contact_since:
            flags.append(("danger", "失联"))
        if record.away_since:
            flags.append(("warning text-dark", "流动"))
        if record.on_probation_sanction:
            flags.append(("secondary", "留党察看"))
        return format_html_join(" ", '<span class="badge text-bg-{}">{}</span>', flags) or ""


class MemberTable(_PersonColumns):
    """The members on an org page."""

    group = tables.Column("党小组", attrs=HIDE_ON_PHONE)
    job_title = tables.Column("职务", attrs=HIDE_ON_PHONE)

    class Meta:
        model = Person
        fields = ("name", "gender", "status", "group", "probationary_date", "full_member_date", "job_title")
        attrs = {"class": "table table-sm table-hover align-middle mb-0"}
        empty_text = "本组织还没有登记人员。"
        order_by = ("name",)

    def __init__(self, *args, org=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.org_name = org.name if org is not None else ""

    def render_group(self, value):
        # Group names repeat their branch's name ("…党支部第一党小组"); on the branch page, drop it.
        name = value.short_name or value.name
        if self.org_name and name.startswith(self.org_name) and len(name) > len(self.org_name):
            name = name[len(self.org_name):]
        return name
