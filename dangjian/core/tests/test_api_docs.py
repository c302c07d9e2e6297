"""The API description: OpenAPI generated without warnings, Swagger UI served from our own static
files (the sidecar package), nothing fetched from a CDN."""
import re

from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse


def test_schema_generates_without_warnings(tmp_path, db):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text(encoding="utf-8")
    for path in ("/api/orgs/{id}/move/", "/api/people/{id}/reveal-id/", "/api/findings/{id}/waive/", "/api/me/"):
        assert path in text
    assert "id_number_encrypted" not in text and "id_number_digest" not in text


def test_schema_endpoint_needs_a_login(client, client_as, users):
    assert client.get(reverse("api-schema")).status_code in (401, 403)
    r = client_as(users.member_a).get(reverse("api-schema"))
    assert r.status_code == 200 and "dangjian 机关党建平台 API" in r.content.decode()


def test_swagger_ui_uses_only_local_assets(client_as, users):
    r = client_as(users.secretary_a).get(reverse("api-docs"))
    assert r.status_code == 200
    html = r.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 3, assets
    for url in assets:
        if url.startswith(reverse("api-docs") + "?script="):
            continue    # the split view's start-up script, same origin (the CSP allows no inline script)
        assert url.startswith("/static/"), f"非本地资源：{url}"
        assert finders.find(url.removeprefix("/static/").split("?")[0]), f"静态文件缺失：{url}"
    assert not re.search(r"https?://|//cdn", html.replace("http://127.0.0.1", "")), "文档页引用了外部地址"
