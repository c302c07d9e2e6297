"""Deployment checks (`dangjian check --deploy`, tagged `deploy`): settings that Django's own checks do not know
about but that production must get right (docs/security.md)."""
from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def field_encryption_key(app_configs, **kwargs):
    if getattr(settings, "FIELD_ENCRYPTION_KEY", ""):
        return []
    return [Warning(
        "未设置 FIELD_ENCRYPTION_KEY：身份证号的加密密钥（及其检索索引、动态码密钥）由 SECRET_KEY 派生，"
        "一旦更换 SECRET_KEY，已保存的身份证号和双因素认证密钥将无法读取。",
        hint="在生产环境中设置独立的环境变量 FIELD_ENCRYPTION_KEY（例如 python -c \"import secrets; "
             "print(secrets.token_urlsafe(32))\" 生成），并与数据库备份分开妥善保管。"
             "已有数据的系统可把当前 SECRET_KEY 的值设为 FIELD_ENCRYPTION_KEY（数据照常可读，此后可单独更换 "
             "SECRET_KEY），或设新密钥并把当前 SECRET_KEY 列入 FIELD_ENCRYPTION_OLD_KEYS。",
        id="dangjian.W001")]


@register(Tags.security, deploy=True)
def two_factor_enforced(app_configs, **kwargs):
    if settings.DEBUG or getattr(settings, "TWO_FACTOR_ENFORCED", True):
        return []
    return [Warning(
        "生产环境（DEBUG 关闭）未强制双因素认证（TWO_FACTOR_ENFORCED 已关闭）：管理员和书记等须用动态码的账户"
        "仅凭密码即可登录。",
        hint="删除环境变量 TWO_FACTOR_ENFORCED=0（默认即强制），或仅在排查问题时临时关闭。",
        id="dangjian.W002")]
