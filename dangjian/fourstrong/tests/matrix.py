"""The “四强”党支部 part of the permission matrix (dangjian/core/tests/test_permission_matrix.py): branch A's
application and title, and a draft standard of the 机关党委 (a published one is seen by every branch below, B
included, so the draft is the object the outsider must not reach; the 机关党委's admin reaches it)."""
from __future__ import annotations

import datetime as dt

OBJECTS = {"fsstandard": "fs_standard", "fsapplication": "fs_application", "fstitle": "fs_title"}
REACHED_BY = {"fourstrong:fsstandard_detail": "committee_admin", "fsstandard-detail": "committee_admin"}


def objects(tree, people, users) -> dict:
    import time_machine

    from dangjian.fourstrong import actions

    from .helpers import TODAY, at, name_branch

    # (on the fourstrong tests' calendar: the 2025 standard is this year's, the naming day is past)
    with time_machine.travel(at(TODAY), tick=False):
        app, title = name_branch(tree, users, tree.a, on=dt.date(2025, 12, 1))
        draft = actions.do_create_standard(jurisdiction=tree.committee, year=2026, acting_user=users.committee_admin)
    return {"fs_standard": draft, "fs_application": app, "fs_title": title}
