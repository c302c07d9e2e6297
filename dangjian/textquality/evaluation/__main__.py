import argparse
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
import django  # noqa: E402

django.setup()
from . import table  # noqa: E402

parser = argparse.ArgumentParser(prog="python -m dangjian.textquality.evaluation",
                                 description="TXT-01/02/03/04 评测：每条规则、每个集合的精确率和召回率")
parser.add_argument("--main-only", action="store_true",
                    help="只评测主文件（txt02.yaml 等），不读取 txt02_*.yaml 等附加文件（如盲测集）")
print(table(extra=not parser.parse_args().main_only))
from .txt01 import table as txt01_table  # noqa: E402

print()
print(txt01_table())
