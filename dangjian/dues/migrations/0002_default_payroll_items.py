"""FEE-15: the payroll items and whether each counts in the dues base (共产党员网 党务问答, summarising
the 中组部 rules); a jurisdiction edits the table."""
from django.db import migrations


def load(apps, schema_editor):
    from dangjian.dues.calc import DEFAULT_PAYROLL_ITEMS

    PayrollItem = apps.get_model("dues", "PayrollItem")
    PayrollItem.objects.bulk_create([PayrollItem(name=n, treatment=t) for n, t in DEFAULT_PAYROLL_ITEMS],
                                    ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("dues", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
