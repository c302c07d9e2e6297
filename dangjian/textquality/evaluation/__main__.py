import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
import django  # noqa: E402

django.setup()
from . import table  # noqa: E402

print(table())
