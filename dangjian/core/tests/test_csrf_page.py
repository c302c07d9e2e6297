"""The CSRF-failure page (a form posted without its token, or from another origin): in Chinese, in the error pages'
own stylesheet (static/css/error.css), without Django's default page's <style> block that the Content-Security-Policy
(style-src 'self') refuses."""
from django.test import Client
from django.urls import reverse


def test_a_post_without_its_token_gets_the_chinese_csrf_page_without_inline_style(db, users):
    c = Client(enforce_csrf_checks=True)
    c.force_login(users.secretary_a)
    r = c.post(reverse("core:finding_list"), {"x": "1"})
    assert r.status_code == 403
    body = r.content.decode()
    assert "请求已过期或来源不明（CSRF 校验失败）。请返回上一页刷新后重试。" in body
    assert 'href="/"' in body and "css/error.css" in body
    assert "<style" not in body and "style=" not in body
    assert 'lang="zh-Hans"' in body


def test_an_anonymous_login_post_without_its_token_gets_it_too(db):
    r = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x", "password": "y"})
    assert r.status_code == 403 and "CSRF 校验失败" in r.content.decode() and "<style" not in r.content.decode()
