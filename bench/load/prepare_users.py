"""Login accounts for the load test, written into a COPY of the city benchmark database.

Run by bench/load.py with DANGJIAN_VAR_DIR pointing at the temporary copy (never at var/bench/city itself).
Creates, if absent: `load_sec_NNN` (org_admin of one branch, linked to its 支部书记), `load_mem_NNN` (member
role, linked to an ordinary member of the same branches) and `load_adm_NNN` (org_admin of a 机关党委, or the
工委 for every fifth), all with one password. The password hash is computed once with the production hasher
(PBKDF2) and copied to every account, so that the server checks real PBKDF2 hashes at login without the
setup spending minutes hashing. Prints the accounts as JSON on stdout.
"""
from __future__ import annotations

import json
import os
import sys

PASSWORD = "LoadTest-2026!x"


def main(secretaries: int, members: int, admins: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    django.setup()
    from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.db.models import Count, Q
    from django.utils import timezone

    call_command("migrate", verbosity=0, interactive=False)

    from dangjian.accounts.models import Role, RoleAssignment, User
    from dangjian.orgs.models import Org, Post
    from dangjian.people.models import Person

    hashed = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
    now = timezone.now()
    today = timezone.localdate()
    taken = set(User.objects.exclude(person=None).values_list("person_id", flat=True))

    def account(username, person, role, org):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create(username=username, person=person, password=hashed, password_changed=now,
                                       display_name=person.name if person else username)
            RoleAssignment.objects.create(user=user, role=role, org=org, start=today)
        return {"username": username, "password": PASSWORD, "org": org.pk,
                "person": person.pk if person else None}

    out = {"secretary": [], "member": [], "committee": []}
    with transaction.atomic():
        branches = list(Org.objects.filter(type="branch", dissolved__isnull=True)
                        .annotate(n=Count("people", filter=Q(people__status="full")))
                        .filter(n__gte=4, n__lte=60).order_by("pk")[:secretaries])
        for i, branch in enumerate(branches):
            post = (Post.objects.filter(org=branch, role="secretary", end__isnull=True)
                    .exclude(person_id__in=taken).select_related("person").first())
            person = post.person if post else None
            if person is None:
                person = Person.objects.filter(org=branch, status="full").exclude(pk__in=taken).first()
            taken.add(person.pk)
            out["secretary"].append(account(f"load_sec_{i:03d}", person, Role.ORG_ADMIN, branch))
        per_branch = max(1, -(-members // max(1, len(branches))))
        n = 0
        for branch in branches:
            for person in Person.objects.filter(org=branch, status="full").exclude(pk__in=taken)[:per_branch]:
                if n >= members:
                    break
                taken.add(person.pk)
                out["member"].append(account(f"load_mem_{n:03d}", person, Role.MEMBER, branch))
                n += 1
        committees = list(Org.objects.filter(type="committee", dissolved__isnull=True).order_by("path")[:admins])
        root = Org.objects.filter(depth=1).order_by("path").first()
        for i in range(admins):
            if i % 5 == 4 or not committees:
                org, role = root, Role.WORK_COMMITTEE_ADMIN
            else:
                org, role = committees[i % len(committees)], Role.ORG_ADMIN
            out["committee"].append(account(f"load_adm_{i:03d}", None, role, org))
    return out


if __name__ == "__main__":
    s, m, a = (int(x) for x in (sys.argv[1:4] if len(sys.argv) >= 4 else (40, 80, 15)))
    print(json.dumps(main(s, m, a), ensure_ascii=False))
