"""The organisation tree: 机关工委 → 党组/机关党委 → 党总支 → 党支部 → 党小组, the 机关单位 they sit in,
and the posts (书记, 委员, 党组成员 …) people hold in them."""
from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from dangjian.core.periods import add_years
from dangjian.core.permissions import VIEW, subtree_q
from dangjian.core.querysets import RestrictedQuerySet, RestrictedQuerySetMixin

from .choices import (COMMITTEE_ROLES, DEFAULT_TERM_YEARS, ELECTED_TYPES, VILLAGE_TERM_YEARS,
                      OrgType, PostRole)


class UnitQuerySet(RestrictedQuerySet):
    def restrict(self, user, action=VIEW):
        from dangjian.core.permissions import user_scope

        scope = user_scope(user, action)
        if scope.everything or any(len(p) == Org.steplen for p in scope.prefixes):
            # The 工委 keeps the register of 机关单位, including units with no party organisation
            # yet; everyone else sees the units their organisations sit in or (joint branches) cover.
            return self
        if not scope.prefixes:
            return self.none()
        cond = subtree_q("orgs__path", scope.prefixes) | subtree_q("joint_orgs__path", scope.prefixes)
        return self.filter(pk__in=Unit._base_manager.filter(cond).values("pk"))


class Unit(models.Model):
    """机关单位: a government department (or its sub-department) that party organisations serve."""

    name = models.CharField("单位名称", max_length=200)
    parent = models.ForeignKey("self", verbose_name="上级单位", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    head = models.ForeignKey("people.Person", verbose_name="主要负责人", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    external_id = models.CharField("交换编号", max_length=64, blank=True, db_index=True)

    objects = UnitQuerySet.as_manager()
    # A unit is visible to whoever sees an org of that unit.
    restrict_lookup = "orgs__path"
    restrict_distinct = True

    class Meta:
        verbose_name = verbose_name_plural = "机关单位"
        ordering = ["name"]

    def __str__(self):
        return self.name


class OrgQuerySet(RestrictedQuerySetMixin, MP_NodeQuerySet):
    def restrict(self, user, action=VIEW):
        return super().restrict(user, action)

    def active_on(self, day: dt.date):
        return self.filter(Q(dissolved__isnull=True) | Q(dissolved__gt=day))

    def active(self):
        return self.filter(dissolved__isnull=True)


class OrgManager(MP_NodeManager):
    def get_queryset(self):
        return OrgQuerySet(self.model).order_by("path")

    def restrict(self, user, action=VIEW):
        return self.get_queryset().restrict(user, action)

    def active_on(self, day):
        return self.get_queryset().active_on(day)

    def active(self):
        return self.get_queryset().active()


class Org(MP_Node):
    """A party organisation. The materialised path (`path`) makes a subtree one prefix query."""

    steplen = 4
    name = models.CharField("组织名称", max_length=200)
    short_name = models.CharField("简称", max_length=60, blank=True)
    type = models.CharField("组织类型", max_length=20, choices=OrgType.choices, db_index=True)
    unit = models.ForeignKey(Unit, verbose_name="所在单位", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="orgs")
    joint_units = models.ManyToManyField(Unit, verbose_name="联合支部覆盖单位", blank=True,
                                         related_name="joint_orgs")
    founded = models.DateField("成立日期", null=True, blank=True)
    committee_elected = models.DateField("本届选举日期", null=True, blank=True,
                                         help_text="本届委员会（或书记）选举产生的日期，用于计算任期届满。")
    term_years = models.PositiveSmallIntegerField("任期（年）", null=True, blank=True,
                                                  help_text="留空则按规定：机关党委5年，总支、支部3年。")
    village_or_community = models.BooleanField("村或社区组织", default=False)
    term_extension_until = models.DateField("批准延期至", null=True, blank=True)
    term_extension_approved = models.DateField("延期批准日期", null=True, blank=True)
    dissolved = models.DateField("撤销日期", null=True, blank=True, db_index=True)
    merged_into = models.ForeignKey("self", verbose_name="并入组织", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="merged_from")
    external_id = models.CharField("交换编号", max_length=64, blank=True, db_index=True)

    objects = OrgManager()
    restrict_lookup = "path"

    class Meta:
        verbose_name = verbose_name_plural = "党组织"

    def __str__(self):
        return self.name

    @classmethod
    def restrict_self(cls, user, action):
        # A member may look at the organisation they belong to (and its party group).
        if action != VIEW or not getattr(user, "person_id", None):
            return None
        from dangjian.people.models import Person

        person = Person.objects.filter(pk=user.person_id).values("org_id", "group_id").first()
        ids = [i for i in (person or {}).values() if i]
        return Q(pk__in=ids) if ids else None

    # --- terms (TERM-01) -----------------------------------------------------------------------
    @property
    def has_term(self) -> bool:
        return self.type in ELECTED_TYPES

    @property
    def standard_term_years(self) -> int | None:
        if self.type not in ELECTED_TYPES:
            return None
        return VILLAGE_TERM_YEARS if self.village_or_community else DEFAULT_TERM_YEARS[self.type]

    @property
    def effective_term_years(self) -> int | None:
        return self.term_years or self.standard_term_years

    @property
    def term_end(self) -> dt.date | None:
        if not self.has_term or not self.committee_elected:
            return None
        return add_years(self.committee_elected, self.effective_term_years)

    @property
    def is_dissolved(self) -> bool:
        return self.dissolved is not None

    def ancestors_and_self(self):
        steplen = self.steplen
        paths = [self.path[:i] for i in range(steplen, len(self.path) + 1, steplen)]
        return Org.objects.filter(path__in=paths)


class PostQuerySet(RestrictedQuerySet):
    def current(self, day: dt.date):
        return self.filter(Q(start__isnull=True) | Q(start__lte=day)).filter(Q(end__isnull=True) | Q(end__gte=day))

    def committee(self):
        return self.filter(role__in=COMMITTEE_ROLES)


class Post(models.Model):
    """A post a person holds in an organisation (支部书记, 组织委员, 党组成员 …) with its dates."""

    person = models.ForeignKey("people.Person", verbose_name="人员", on_delete=models.CASCADE,
                               related_name="posts")
    org = models.ForeignKey(Org, verbose_name="党组织", on_delete=models.CASCADE, related_name="posts")
    role = models.CharField("职务", max_length=24, choices=PostRole.choices)
    start = models.DateField("任职日期", null=True, blank=True)
    end = models.DateField("免职日期", null=True, blank=True)
    approved = models.DateField("上级批准日期", null=True, blank=True,
                                help_text="书记、副书记须报上级党组织批准（支部工作条例第二十一条）。")

    objects = PostQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "职务"
        ordering = ["org", "role", "start"]
        indexes = [models.Index(fields=["org", "role"]), models.Index(fields=["person", "end"])]
        constraints = [models.CheckConstraint(condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=models.F("start")),
                                              name="post_end_after_start")]

    def __str__(self):
        return f"{self.org} {self.get_role_display()} {self.person}"

    @classmethod
    def restrict_self(cls, user, action):
        # A member sees the posts of their own organisation (who the secretary and committee are).
        if action != VIEW or not getattr(user, "person_id", None):
            return None
        from dangjian.people.models import Person

        return Q(org_id__in=Person.objects.filter(pk=user.person_id).values("org_id"))

    def is_current(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or self.end >= day)
