import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .models import User


def account_status(user) -> tuple[str, str]:
    """(Bootstrap colour, label): 停用 outranks 锁定, which outranks 待改密码 and 启用."""
    if not user.is_active:
        return "secondary", "停用"
    if user.is_locked:
        return "danger", "锁定"
    if user.password_changed is None and user.has_usable_password():
        return "warning text-dark", "待修改初始密码"
    return "success", "启用"


def status_badge(user) -> str:
    colour, label = account_status(user)
    return format_html('<span class="badge text-bg-{}">{}</span>', colour, label)


class UserTable(tables.Table):
    """账户列表. The roles column shows only assignments in the viewer's scope (prefetched as
    `scoped_roles`): an admin does not learn where else an account holds roles."""

    username = tables.Column("用户名", linkify=lambda record: reverse("accounts:user_detail", kwargs={"pk": record.pk}),
                             attrs={"td": {"class": "fw-semibold text-nowrap"}})
    name = tables.Column("姓名", accessor="person__name", order_by=("person__name", "display_name"),
                         empty_values=())
    roles = tables.Column("角色及范围", empty_values=(), orderable=False)
    status = tables.Column("状态", empty_values=(), orderable=False)
    last_login = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name="最近登录", default="从未登录",
                                       attrs={"th": {"class": "d-none d-md-table-cell"},
                                              "td": {"class": "d-none d-md-table-cell text-nowrap"}})

    class Meta:
        model = User
        fields = ("username", "name", "roles", "status", "last_login")
        attrs = {"class": "table table-sm table-hover align-middle bg-white"}
        empty_text = "没有符合条件的账户。可以调整搜索条件，或点击“开通账户”为人员开通登录账户。"
        order_by = ("username",)

    def render_name(self, record):
        if record.person_id:
            return record.person.name
        return record.display_name or "—"

    def render_roles(self, record):
        today = timezone.localdate()
        current = [ra for ra in record.scoped_roles if ra.end is None or ra.end >= today]
        if not current:
            return format_html('<span class="text-muted">{}</span>', "无")
        return format_html_join(mark_safe("<br>"), '<span class="d-inline-block">{} · {}</span>',
                                ((ra.get_role_display(), ra.org.name) for ra in current))

    def render_status(self, record):
        return status_badge(record)
