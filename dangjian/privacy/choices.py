from django.db import models


class Purpose(models.TextChoices):
    """What of a person's data was seen (个人信息保护法第五十一条: 访问记录)."""

    DETAIL = "detail", "人员详情"
    ID_NUMBER = "id_number", "身份证号明文"
    ID_SEARCH = "id_search", "身份证号查询"
    PERSON_EXPORT = "person_export", "个人档案导出"
    ROSTER_EXPORT = "roster_export", "花名册导出"
    API_READ = "api_read", "接口读取人员信息"
    DJX_EXPORT = "djx_export", "数据交换导出"
    HISTORY = "history", "人员变更历史"


class Channel(models.TextChoices):
    WEB = "web", "网页"
    API = "api", "接口"
    CLI = "cli", "命令行"
