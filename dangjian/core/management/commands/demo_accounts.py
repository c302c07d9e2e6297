"""`dangjian demo_accounts` — the persona logins of the demo, for `make run` to show."""
from __future__ import annotations

import io

from django.core.management.base import BaseCommand

from dangjian.demo.generator import DEMO_PASSWORD, PERSONAS


class Command(BaseCommand):
    help = "列出示例数据的演示账户（用户名、密码、角色、范围）。"

    def handle(self, *args, **options):
        from rich.console import Console
        from rich.table import Table

        from dangjian.accounts.models import RoleAssignment, User

        users = {u.username: u for u in User.objects.filter(username__in=list(PERSONAS)).select_related("person")}
        if not users:
            self.stdout.write("尚未加载示例数据，没有演示账户。运行 dangjian demo --scale city 加载示例数据"
                              "（含每种角色一个演示账户）；或用 dangjian createsuperuser 创建管理员。")
            return
        roles: dict[int, list[RoleAssignment]] = {}
        for ra in (RoleAssignment.objects.active().filter(user__in=users.values())
                   .select_related("org").order_by("pk")):
            roles.setdefault(ra.user_id, []).append(ra)
        table = Table(title="演示账户（初始密码相同，登录后可修改）", show_lines=False)
        for col in ("用户名", "密码", "身份", "角色", "范围（含下级组织）", "对应人员"):
            table.add_column(col)
        for username, persona in PERSONAS.items():
            u = users.get(username)
            if u is None:
                continue
            assignments = roles.get(u.pk, [])
            table.add_row(username, DEMO_PASSWORD, persona,
                          "、".join(ra.get_role_display() for ra in assignments) or "（无角色）",
                          "、".join(ra.org.name for ra in assignments) or "—",
                          u.person.name if u.person else "—")
        # Rendered to a string: Django's OutputWrapper appends a newline to every write.
        console = Console(file=io.StringIO(), width=160, highlight=False, color_system=None)
        console.print(table)
        self.stdout.write(console.file.getvalue().rstrip("\n"))
        self.stdout.write("如已修改密码，以修改后的为准。")
