"""Who may do what, where: the one choke point every user-facing query goes through.

A role assignment is (role, org) and covers that org's whole subtree. `restrict(user, action)` turns
a user's assignments into a filter on the materialised path of the org tree (one indexed prefix
query per subtree). Objects outside the result answer 404 (see `core.views.get_restricted`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import operator
from functools import reduce

from django.db.models import Q

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
VIEW_ID_NUMBER = "view_id_number"   # see a 公民身份号码 unmasked
VIEW_AUDIT = "view_audit"           # read the audit trail
WAIVE = "waive"                     # waive a finding with a reason
ACTIONS = (VIEW, ADD, CHANGE, DELETE, VIEW_ID_NUMBER, VIEW_AUDIT, WAIVE)
# The 问责/四种形态 register is not in ACTIONS: only the discipline role has these, not even org admins.
VIEW_DISCIPLINE = "view_discipline"
EDIT_DISCIPLINE = "edit_discipline"

# Role codes (labels live in accounts.choices.Role).
WORK_COMMITTEE_ADMIN = "work_committee_admin"
ORG_ADMIN = "org_admin"
AUDITOR = "auditor"
MEMBER = "member"
DISCIPLINE = "discipline"

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    WORK_COMMITTEE_ADMIN: frozenset(ACTIONS),
    ORG_ADMIN: frozenset(ACTIONS),
    AUDITOR: frozenset({VIEW, VIEW_AUDIT}),
    # A member's self-service is expressed by each model's `restrict_self`, not by a subtree.
    MEMBER: frozenset(),
    # 纪委书记、纪检委员: read the subtree and keep its 问责 register.
    DISCIPLINE: frozenset({VIEW, VIEW_DISCIPLINE, EDIT_DISCIPLINE}),
}


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    prefixes: tuple[str, ...] = ()
    user: object = field(default=None, compare=False)

    @property
    def empty(self) -> bool:
        return not self.everything and not self.prefixes


def _minimal_prefixes(paths) -> tuple[str, ...]:
    """Drop paths already covered by an ancestor's prefix."""
    out: list[str] = []
    for p in sorted(set(paths)):
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return tuple(out)


def user_scope(user, action: str = VIEW) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return Scope()
    if user.is_superuser:
        return Scope(everything=True, user=user)
    cache = user.__dict__.setdefault("_dangjian_scope_cache", {})
    if action not in cache:
        paths = [path for role, path, _ in active_roles(user) if action in ROLE_ACTIONS.get(role, ())]
        cache[action] = Scope(prefixes=_minimal_prefixes(paths), user=user)
    return cache[action]


def active_roles(user) -> list[tuple[str, str, str]]:
    """(role, org path, org type) of the user's active role assignments: one query per request, shared by the
    scope and the 双因素认证 check (accounts.two_factor.required)."""
    cache = user.__dict__.setdefault("_dangjian_scope_cache", {})
    assignments = cache.get("_assignments")
    if assignments is None:
        from dangjian.accounts.models import RoleAssignment

        assignments = list(RoleAssignment.objects.active().filter(user=user)
                           .values_list("role", "org__path", "org__type"))
        cache["_assignments"] = assignments
    return assignments


def ancestor_paths(user, action: str = VIEW) -> set[str]:
    """The paths of the orgs strictly above the user's scope: what an upper level publishes for the levels below
    (责任清单模板, “四强”创建标准, 题库) is seen from there."""
    from dangjian.orgs.models import Org

    step = Org.steplen
    return {p[:i] for p in user_scope(user, action).prefixes for i in range(step, len(p), step)}


def clear_scope_cache(user) -> None:
    user.__dict__.pop("_dangjian_scope_cache", None)


def subtree_q(lookup: str, prefixes) -> Q:
    """OR of the subtrees (an index range each, see core.lookups). No `Q(pk__in=[])` seed: it
    turned joins into LEFT OUTER JOINs the planner could not drive from the path index."""
    qs = [Q(**{f"{lookup}__subtree": p}) for p in prefixes]
    return reduce(operator.or_, qs) if qs else Q(pk__in=[])


def can(user, action: str, obj) -> bool:
    """Object-level check built on the same choke point."""
    if obj is None:
        return False
    return type(obj).objects.filter(pk=obj.pk).restrict(user, action).exists()


def can_in_org(user, action: str, org) -> bool:
    """May `user` do `action` on things that live in `org` (e.g. add a member to it)?"""
    scope = user_scope(user, action)
    if scope.everything:
        return True
    return org is not None and any(org.path.startswith(p) for p in scope.prefixes)
