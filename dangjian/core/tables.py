import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from .models import Finding
from .templatetags.dangjian import finding_state_badge, severity_badge


def evidence_link(finding, text):
    """The message, and where the rule has an evidence page (e.g. TXT-01's side-by-side texts), a link to it."""
    rule = finding.rule
    if not (rule and rule.evidence):
        return text
    return format_html('{} <a class="text-nowrap" href="{}"><i class="bi bi-layout-split"></i> 查看证据</a>', text,
                       reverse(rule.evidence, kwargs={"pk": finding.pk}))


class FindingTable(tables.Table):
    """预警中心: each row says which rule, why (the article quoted) and where."""

    rule_id = tables.Column("规则", attrs={"td": {"class": "text-nowrap"}})
    severity = tables.Column("级别")
    org = tables.Column("党组织", order_by=("org__path",))
    message = tables.Column("说明", attrs={"td": {"class": "wrap"}})
    citation = tables.Column("依据", attrs={"td": {"class": "wrap citation"}}, orderable=False)
    state = tables.Column("状态")
    first_seen = tables.DateTimeColumn(format="Y-m-d", verbose_name="首次发现")
    actions = tables.Column("操作", empty_values=(), orderable=False)

    class Meta:
        model = Finding
        fields = ("rule_id", "severity", "org", "message", "citation", "state", "first_seen", "actions")
        attrs = {"class": "table table-sm table-hover align-middle bg-white"}
        empty_text = "没有符合条件的预警。"
        order_by = ("state", "-severity")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def render_actions(self, record):
        from .permissions import WAIVE, can_in_org

        if record.state == "open" and can_in_org(self.user, WAIVE, record.org):
            return format_html('<a class="btn btn-sm btn-outline-secondary text-nowrap" href="{}">豁免</a>',
                               reverse("core:finding_waive", kwargs={"pk": record.pk}))
        if record.state == "waived":
            return format_html('<small class="text-muted">{}</small>', record.waived_reason[:40])
        return ""

    def render_rule_id(self, record):
        rule = record.rule
        title = rule.title if rule else ""
        return format_html('<span class="fw-semibold">{}</span><br><small class="text-muted">{}</small>',
                           record.rule_id, title)

    def render_message(self, record):
        return evidence_link(record, record.message)

    def render_severity(self, record):
        return severity_badge(record.severity)

    def render_state(self, record):
        return finding_state_badge(record)

    def render_org(self, record):
        html = format_html('<a href="{}">{}</a>', reverse("orgs:org_detail", kwargs={"pk": record.org_id}),
                           record.org.name)
        if record.person_id:
            html += format_html('<br><a class="small" href="{}"><i class="bi bi-person"></i> {}</a>',
                                reverse("people:person_detail", kwargs={"pk": record.person_id}),
                                record.person.name)
        return html
