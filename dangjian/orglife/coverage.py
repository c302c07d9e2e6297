"""谈心谈话 coverage per branch (ORGLIFE-05, 支部工作条例第十八条): during the year, who has already
talked with a member of the branch committee and who has not, so the secretary can plan the rest of
the year instead of learning it from a warning on 1 January.

The test is the rule's (ORGLIFE-05 inlines it for speed; a test checks the two agree): a member is covered when they talked, that year, with a
支部委员 (书记、副书记、委员 in post at some time in the year) other than themselves; a committee
member must have talked with another committee member; in a branch whose only committee member
is the secretary, the secretary is covered by a talk with anyone. A branch without any committee
member is not judged (`committee` empty). Everything is read set-wise: three queries for any
number of branches.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from dangjian.orgs.choices import COMMITTEE_ROLES, OrgType
from dangjian.orgs.models import Post
from dangjian.people.choices import MEMBER_STATUSES
from dangjian.people.models import Person

from .models import Talk


def joined_by(day: dt.date) -> Q:
    """Members already in the party on `day` (ORGLIFE-05 judges a year for those who joined by 1 January)."""
    return (Q(probationary_date__lte=day) | Q(probationary_date__isnull=True, full_member_date__lte=day)
            | Q(probationary_date__isnull=True, full_member_date__isnull=True))


def covered(person_id: int, committee: set[int], partners: set[int]) -> bool:
    """ORGLIFE-05's test for one member (see the module doc)."""
    others = committee - {person_id}
    return bool(partners & others) if others else bool(partners)


@dataclass
class BranchCoverage:
    org: object
    committee: set[int] = field(default_factory=set)
    members: list = field(default_factory=list)       # [(person id, name)] in name order
    done: set[int] = field(default_factory=set)

    @property
    def judged(self) -> bool:
        return bool(self.committee)

    @property
    def total(self) -> int:
        return len(self.members)

    @property
    def count(self) -> int:
        return len(self.done)

    @property
    def outstanding(self) -> list:
        return [(pid, name) for pid, name in self.members if pid not in self.done]

    @property
    def percent(self) -> int:
        return round(100 * self.count / self.total) if self.total else 100


def talk_coverage(branches, year: int, as_of: dt.date | None = None) -> list[BranchCoverage]:
    """Coverage of each branch in `branches` (Org objects) for `year`, counting talks up to `as_of`
    (default: the end of the year). Members are the branch's current members who were in the party by
    1 January of the year — the ones ORGLIFE-05 judges."""
    branches = [b for b in branches if b.type == OrgType.BRANCH]
    if not branches:
        return []
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if as_of is not None:
        end = min(end, as_of)
    ids = [b.pk for b in branches]
    out = {b.pk: BranchCoverage(org=b) for b in branches}
    for org_id, person_id in (Post.objects.filter(org_id__in=ids, role__in=COMMITTEE_ROLES)
                              .filter(Q(start__isnull=True) | Q(start__lte=end),
                                      Q(end__isnull=True) | Q(end__gte=start))
                              .values_list("org_id", "person_id")):
        out[org_id].committee.add(person_id)
    member_org = {}
    # The members the year is judged for: those in the party by 1 January (newer members are not counted).
    members = Person.objects.filter(joined_by(dt.date(year, 1, 1)), org_id__in=ids, status__in=MEMBER_STATUSES)
    for pid, name, org_id in members.order_by("name", "pk").values_list("id", "name", "org_id"):
        out[org_id].members.append((pid, name))
        member_org[pid] = org_id
    partners: dict[int, set[int]] = defaultdict(set)
    ids_in = members.values("id")
    for a, b in (Talk.objects.filter(date__gte=start, date__lte=end)
                 .filter(Q(a_id__in=ids_in) | Q(b_id__in=ids_in)).values_list("a_id", "b_id")):
        partners[a].add(b)
        partners[b].add(a)
    for pid, org_id in member_org.items():
        cov = out[org_id]
        if covered(pid, cov.committee, partners.get(pid, set())):
            cov.done.add(pid)
    return [out[b.pk] for b in branches]
