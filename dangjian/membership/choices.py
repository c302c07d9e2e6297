from django.db import models


class Direction(models.TextChoices):
    OUT = "out", "转出"
    IN = "in", "转入"


class ContactWay(models.TextChoices):
    """EDU-05: how the branch kept in touch with a 流动党员."""
    VISIT = "visit", "当面"
    PHONE = "phone", "电话"
    ONLINE = "online", "微信、短信等"
    LETTER = "letter", "信函"
    ORG_LIFE = "org_life", "参加流入地组织生活"
