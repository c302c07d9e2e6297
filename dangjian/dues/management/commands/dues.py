"""`dangjian dues calc --base AMOUNT --category CATEGORY [--json]`: the monthly dues of a base, by the same
calculator the screens, the importer and the rules use (党费规定 第二、五、六条)."""
import json

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from dangjian.people.choices import DuesCategory

from ...calc import MoneyError, compute_with_settings


class Command(BaseCommand):
    help = "党费：按基数和类别计算每月应交党费（dues calc）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, metavar="calc")
        calc = sub.add_parser("calc", help="计算每月应交党费")
        calc.add_argument("--base", required=True, help="计算基数（税后月收入，元），如 3000 或 3000.00")
        calc.add_argument("--category", default=DuesCategory.IN_SERVICE,
                          help="党费类别：" + "，".join(f"{v}（{lbl}）" for v, lbl in DuesCategory.choices))
        calc.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args, **opts):
        category = _category(opts["category"])
        try:
            dues = compute_with_settings(opts["base"], category, _settings())
        except MoneyError as e:
            raise CommandError(str(e)) from None
        if opts["json"]:
            self.stdout.write(json.dumps(dues.as_json(), ensure_ascii=False))
            return
        self.stdout.write(f"基数 {dues.base:.2f} 元，{DuesCategory(dues.category).label}，{dues.rate_label}："
                          f"每月应交 {dues.amount:.2f} 元（{dues.rule}）")


def _category(value: str) -> str:
    by_label = {str(lbl): v for v, lbl in DuesCategory.choices}
    return by_label.get(value, value)


def _settings() -> dict:
    """The jurisdiction's [P] values (rounding, the farmer amount) when its database is there; the
    defaults otherwise (a fresh checkout can still calculate)."""
    from dangjian.core import engine

    try:
        return engine.effective_settings()
    except DatabaseError:
        return {k: s.default for k, s in engine.registry.settings.items()}
