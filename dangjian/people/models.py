"""People: party members and everyone in the recruitment pipeline (申请人 → 积极分子 → 发展对象)."""
from __future__ import annotations

from django.db import models
from django.db.models import Q

from dangjian.core import crypto
from dangjian.core.permissions import CHANGE, VIEW
from dangjian.core.querysets import RestrictedQuerySet

from .choices import MEMBER_STATUSES, DuesCategory, Gender, PersonnelCategory, Status


class PersonQuerySet(RestrictedQuerySet):
    def members(self):
        return self.filter(status__in=MEMBER_STATUSES)

    def full_members(self):
        return self.filter(status=Status.FULL)

    def by_id_number(self, id_number: str):
        # Every configured key's digest: rows a key rotation has not reached yet are found too.
        return self.filter(id_number_digest__in=crypto.blind_indexes(crypto.normalize_id_number(id_number)))


class Person(models.Model):
    """A person the party organisation manages. Status changes only through `people.actions`, which
    keep the history; the 公民身份号码 is stored encrypted with a keyed digest for look-ups."""

    name = models.CharField("姓名", max_length=50, db_index=True)
    gender = models.CharField("性别", max_length=8, choices=Gender.choices, blank=True)
    ethnicity = models.CharField("民族", max_length=20, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    education = models.CharField("学历", max_length=20, blank=True)
    id_number_encrypted = models.TextField("公民身份号码（密文）", blank=True, editable=False)
    id_number_digest = models.CharField("公民身份号码索引", max_length=64, blank=True, db_index=True,
                                        editable=False)
    org = models.ForeignKey("orgs.Org", verbose_name="所在党组织", null=True, blank=True,
                            on_delete=models.PROTECT, related_name="people")
    group = models.ForeignKey("orgs.Org", verbose_name="所在党小组", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="group_people")
    status = models.CharField("党籍状态", max_length=20, choices=Status.choices, db_index=True)
    application_date = models.DateField("申请入党日期", null=True, blank=True)
    probationary_date = models.DateField("入党日期", null=True, blank=True,
                                         help_text="支部大会通过其为预备党员的日期。")
    full_member_date = models.DateField("转正日期", null=True, blank=True)
    dues_category = models.CharField("党费类别", max_length=20, choices=DuesCategory.choices,
                                     default=DuesCategory.IN_SERVICE)
    unit = models.ForeignKey("orgs.Unit", verbose_name="工作单位", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="people")
    job_title = models.CharField("职务", max_length=100, blank=True)
    personnel_category = models.CharField("人员类别", max_length=24, choices=PersonnelCategory.choices,
                                          blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    leading_cadre = models.BooleanField("党员领导干部", default=False)
    on_probation_sanction = models.BooleanField("留党察看期间", default=False)
    lost_contact_since = models.DateField("失联日期", null=True, blank=True)
    away_since = models.DateField("外出日期", null=True, blank=True)
    away_fixed_location = models.BooleanField("外出地点相对固定", default=False)
    status_since = models.DateField("当前状态起始日期", null=True, blank=True)
    external_id = models.CharField("交换编号", max_length=64, blank=True, db_index=True)
    created = models.DateTimeField("创建时间", auto_now_add=True)
    updated = models.DateTimeField("更新时间", auto_now=True)

    objects = PersonQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "人员"
        ordering = ["org", "name", "pk"]
        indexes = [models.Index(fields=["org", "status"])]

    def __str__(self):
        return self.name

    @classmethod
    def restrict_self(cls, user, action):
        # Self-service: a member sees (and may update the contact details of) their own record.
        pid = getattr(user, "person_id", None)
        if pid and action in (VIEW, CHANGE):
            return Q(pk=pid)
        return None

    # --- 公民身份号码 -------------------------------------------------------------------------
    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_encrypted)

    @id_number.setter
    def id_number(self, value: str | None) -> None:
        value = crypto.normalize_id_number(value)
        self.id_number_encrypted = crypto.encrypt(value)
        self.id_number_digest = crypto.blind_index(value)

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.id_number) if self.id_number_encrypted else ""

    @property
    def is_member(self) -> bool:
        return self.status in MEMBER_STATUSES
