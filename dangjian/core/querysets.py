from django.db import models

from .permissions import VIEW, subtree_q, user_scope


class RestrictedQuerySetMixin:
    """`.restrict(user, action)` — NetBox's idea: the model says where its org lives
    (`restrict_lookup`, a path to Org.path) and, optionally, what a user may reach through
    self-service (`restrict_self(user, action)` returning a Q or None)."""

    def restrict(self, user, action: str = VIEW):
        scope = user_scope(user, action)
        if scope.everything:
            return self
        model = self.model
        q = subtree_q(model.restrict_lookup, scope.prefixes) if scope.prefixes else None
        self_q = model.restrict_self(user, action) if hasattr(model, "restrict_self") and scope.user is not None else None
        if q is None and self_q is None:
            return self.none()
        cond = self_q if q is None else q if self_q is None else (q | self_q)
        if getattr(model, "restrict_distinct", False):
            # The lookup crosses a to-many relation: filter by key to avoid duplicate rows.
            return self.filter(pk__in=model._base_manager.filter(cond).values("pk"))
        return self.filter(cond)


class RestrictedQuerySet(RestrictedQuerySetMixin, models.QuerySet):
    pass
