"""HTTP Basic authentication for the API, held to the same rules as the login page.

* An account to which 双因素认证 applies (required of it, or enrolled) is refused: Basic carries only the
  password. Such users use the API through their browser session, after the full login.
* A locked account is refused, and a wrong password counts toward the lockout (LOGIN_MAX_FAILURES):
  otherwise Basic would be a way to guess passwords past the login page's lockout.
"""
from rest_framework import authentication, exceptions

from .. import two_factor
from ..actions import claim_login_attempt, register_login_failure, register_login_success, release_login_attempt
from ..models import User

TWO_FACTOR_REFUSED = ("该账户已启用双因素认证，不能用用户名和密码（HTTP Basic）直接调用接口。"
                      "请先在网页上登录（输入密码和动态码），再通过浏览器会话使用接口。")
LOCKED = "该账户因连续登录失败已被临时锁定，请稍后再试或联系管理员解锁。"


class BasicAuthentication(authentication.BasicAuthentication):
    def authenticate_credentials(self, userid, password, request=None):
        account = User.objects.filter(username=userid).first()
        counted = account is not None and account.is_active
        if account is not None and account.is_locked:
            raise exceptions.AuthenticationFailed(LOCKED)
        # Counted before the password is checked: parallel guesses are checked at most LOGIN_MAX_FAILURES times.
        if counted and not claim_login_attempt(account):
            raise exceptions.AuthenticationFailed(LOCKED)
        try:
            user, auth = super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            if counted:
                register_login_failure(account, claimed=True)
            raise
        if two_factor.applies(user):
            release_login_attempt(user)
            raise exceptions.AuthenticationFailed(TWO_FACTOR_REFUSED)
        register_login_success(user)
        return user, auth


try:
    from drf_spectacular.extensions import OpenApiAuthenticationExtension
except ImportError:  # pragma: no cover
    OpenApiAuthenticationExtension = None

if OpenApiAuthenticationExtension is not None:
    class BasicAuthenticationScheme(OpenApiAuthenticationExtension):
        """The API documentation's entry for the class above (HTTP Basic, with its limits)."""

        target_class = "dangjian.accounts.api.authentication.BasicAuthentication"
        name = "basicAuth"

        def get_security_definition(self, auto_schema):
            return {"type": "http", "scheme": "basic",
                    "description": "用户名和密码。已启用双因素认证的账户（管理员）不能使用，请用网页登录后的会话；"
                                   "连续失败计入登录锁定。"}
