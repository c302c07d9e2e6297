"""Demo 换届选举: the branches re-elected in the last year have their whole procedure on record — 请示 and
批复, candidates 20% over the seats and consented to, the meeting's numbers and every candidate's votes, the
result filed — and one branch is in the middle of its procedure (approved, candidates awaiting consent).
Planted: one election whose last seat was short and no 另行选举 followed (ELEC-10)."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from dangjian.elections.count import min_candidates
from dangjian.elections.models import Candidate, Election
from dangjian.orgs.choices import COMMITTEE_ROLES
from dangjian.orgs.models import Org, Post
from dangjian.people.models import Person


@dataclass
class ElectionStats:
    elections: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"换届选举记录 {self.elections} 次"


def default_for(scale: str) -> bool:
    return scale != "province"


def load(as_of: dt.date, seed: int) -> ElectionStats:
    rng = random.Random(seed * 41 + 3)
    stats = ElectionStats()
    recent = list(Org.objects.filter(type="branch", dissolved__isnull=True, committee_elected__gt=as_of - dt.timedelta(days=365),
                                     committee_elected__lte=as_of).order_by("path")[:12])
    planted = False
    for org in recent:
        day = org.committee_elected
        committee = list(Post.objects.filter(org=org, role__in=list(COMMITTEE_ROLES), start=day).values_list("person_id", flat=True))
        short = not planted and len(committee) >= 2
        # The planted one elects one seat more than its committee has: that seat's candidate gets exactly half.
        seats = max(len(committee), 1) + (1 if short else 0)
        voters = list(Person.objects.filter(org=org, status="full").values_list("pk", flat=True))
        others = [p for p in voters if p not in committee]
        need = min_candidates(seats)
        if len(committee) + len(others) < need or len(voters) < 3:
            continue
        cands = committee + rng.sample(others, need - len(committee))
        expected = len(voters)
        present = min(expected, max(expected - rng.randint(0, max(0, expected // 6)), (4 * expected) // 5 + 1))
        e = Election.objects.create(org=org, kind="committee", seats=seats, request_date=day - dt.timedelta(days=60),
                                    approved_date=day - dt.timedelta(days=50),
                                    candidates_approved=day - dt.timedelta(days=20), date=day, expected_voters=expected,
                                    present_voters=present, ballots_issued=present, ballots_returned=present,
                                    filed_date=day + dt.timedelta(days=rng.randint(3, 20)),
                                    secretary_approved=day + dt.timedelta(days=rng.randint(3, 20)))
        rows = []
        room = present * seats                       # (a ballot chooses at most `seats` candidates)
        for n, pid in enumerate(cands):
            if pid in committee:
                votes = rng.randint(present // 2 + 1, present)
            elif short and pid == cands[len(committee)]:
                votes = present // 2                 # at most half of those present: not elected
            else:
                votes = rng.randint(0, present // 2)
            votes = min(votes, room)
            room -= votes
            rows.append(Candidate(election=e, person_id=pid, order=n, votes=votes))
        Candidate.objects.bulk_create(rows)
        if short:
            planted = True
            stats.problems.append(f"“{org.name}”换届时当选人数不足应选名额，未另行选举（ELEC-10）")
        stats.elections += 1
    return stats
