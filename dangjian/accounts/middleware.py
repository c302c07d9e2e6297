"""Force the change of an initial (or admin-reset) password before anything else.

The login view already sends such a user to the password page; this middleware closes the way
around it (typing another address). Wire it after AuthenticationMiddleware and MessageMiddleware:
    "dangjian.accounts.middleware.PasswordChangeRequiredMiddleware"
"""
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from .actions import must_change_password


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and must_change_password(user):
            allowed = {reverse("password_change"), reverse("logout"), reverse("login")}
            path = request.path_info
            if path not in allowed and not path.startswith(("/static/", "/healthz")):
                if path.startswith("/api/"):
                    return JsonResponse({"detail": "请先登录网页修改初始密码，再使用接口。"}, status=403)
                from .views import FIRST_LOGIN_MESSAGE

                messages.warning(request, FIRST_LOGIN_MESSAGE)
                return redirect("password_change")
        return self.get_response(request)
