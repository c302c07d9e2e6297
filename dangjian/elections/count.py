"""Counting an election (ELEC-09, ELEC-10, ELEC-11): pure arithmetic over the numbers the meeting produced,
used by the rules, the counting screen and the action that updates the posts, so all three agree.

* More ballots returned than issued voids the election (ELEC-11): it must be held again.
* Elected: more yes votes than half of the voters present — exactly half is not enough (ELEC-09).
* More winners than seats: the seats go by votes; candidates tied at the last seat vote again (ELEC-10).
* Fewer winners than seats: the remaining seats are elected again (另行选举), unless the assembly agrees
  to leave them (ELEC-10)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Outcome:
    void: bool = False                                   # ELEC-11
    elected: list = field(default_factory=list)          # candidate keys, by votes
    tied: list = field(default_factory=list)             # over the majority, tied at the last seat
    short: int = 0                                       # seats left to 另行选举
    not_elected: list = field(default_factory=list)      # at most half of those present

    @property
    def complete(self) -> bool:
        return not self.void and not self.tied and not self.short


def majority(votes: int, present: int) -> bool:
    """ELEC-09: more than half of the voters present (2 × votes > present)."""
    return 2 * votes > present


def min_candidates(seats: int) -> int:
    """ELEC-04/05: at least 20% more candidates than seats, rounded up (3 → 4, 5 → 6, 7 → 9)."""
    return (seats * 6 + 4) // 5


def count(seats: int, present: int, votes: dict, issued: int | None = None, returned: int | None = None) -> Outcome:
    """`votes`: candidate key → yes votes. Keys come back in order of votes (then as given)."""
    out = Outcome()
    if issued is not None and returned is not None and returned > issued:
        out.void = True
        return out
    ranked = sorted(votes.items(), key=lambda kv: -kv[1])
    over = [(k, v) for k, v in ranked if majority(v, present)]
    out.not_elected = [k for k, v in ranked if not majority(v, present)]
    if len(over) <= seats:
        out.elected = [k for k, _ in over]
        out.short = seats - len(over)
        return out
    cutoff = over[seats - 1][1]
    out.elected = [k for k, v in over if v > cutoff]
    at_cutoff = [k for k, v in over if v == cutoff]
    if len(out.elected) + len(at_cutoff) == seats:
        out.elected += at_cutoff
    else:
        out.tied = at_cutoff
    out.not_elected += [k for k, v in over if v < cutoff]
    return out
