"""`dangjian shell < secretaries.py`: four secretaries (sec0…sec3) for the branches b0…b3 of the synthetic file,
each org_admin of their branch, password "Dangjian2026!". Prints JSON: [{"user", "org", "people": [ids]}]."""
import json

from dangjian.accounts.actions import do_assign_role, do_create_user
from dangjian.orgs.models import Org
from dangjian.people.models import Person

out = []
for i in range(4):
    org = Org.objects.get(external_id=f"b{i}")
    user = do_create_user(username=f"sec{i}", password="Dangjian2026!", validate=False)
    do_assign_role(user, "org_admin", org)
    people = list(Person.objects.filter(org=org).order_by("pk").values_list("pk", flat=True))
    out.append({"user": f"sec{i}", "org": org.pk, "people": people})
print("SECRETARIES=" + json.dumps(out))
