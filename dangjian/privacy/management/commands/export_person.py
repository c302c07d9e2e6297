"""`dangjian export_person ID [-o FILE]`: the 个人数据导出 zip of one person (查阅复制权), audited and access-logged."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.params import id_param
from dangjian.people.models import Person
from dangjian.privacy.actions import do_export_person_data


class Command(BaseCommand):
    help = "导出一名人员的全部个人数据（zip：data.json + 摘要.xlsx），记入操作记录和个人信息访问记录。"

    def add_arguments(self, parser):
        parser.add_argument("person_id", help="人员编号")
        parser.add_argument("-o", "--output", help="输出文件（默认：当前目录下 个人数据-编号-日期.zip）")

    def handle(self, *args, **options):
        pk = id_param(options["person_id"])
        person = Person.objects.select_related("org").filter(pk=pk).first() if pk is not None else None
        if person is None:
            raise CommandError(f"没有编号为“{options['person_id']}”的人员。")
        content, filename = do_export_person_data(None, person)
        path = Path(options["output"] or filename)
        path.write_bytes(content)
        path.chmod(0o600)       # the file holds the full 公民身份号码
        self.stdout.write(f"已导出到 {path}（{len(content)} 字节）。")
