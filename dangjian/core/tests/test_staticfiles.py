"""Static URLs carry their file's content hash, so a release never renders new HTML with last week's cached CSS/JS
(nginx keeps /static/ for 7 days, and the CSP refuses the inline styles an old stylesheet would have needed)."""
import hashlib
import os
import re

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

from dangjian.core.staticfiles import VersionedStaticFilesStorage, file_version


def sha12(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()[:12]


def test_the_pages_stylesheet_and_script_urls_carry_the_files_hash(client, users, settings, tmp_path):
    settings.STATIC_ROOT = str(tmp_path)            # nothing collected: the version describes the source file
    client.force_login(users.secretary_a)
    page = client.get("/").content.decode()
    for name in ("css/app.css", "js/app.js"):
        assert f"/static/{name}?v={sha12(finders.find(name))}" in page


def test_an_edited_file_gets_a_new_url_without_a_restart(tmp_path):
    f = tmp_path / "site.css"
    f.write_text("body { color: red }")
    first = file_version(str(f))
    assert first == sha12(f)
    f.write_text("body { color: blue; }")          # another size, another mtime
    os.utime(f, ns=(1, 1))
    assert file_version(str(f)) not in ("", first)


def test_the_collected_copy_is_what_the_version_describes(tmp_path):
    # nginx serves STATIC_ROOT: after collectstatic the URL describes the collected file
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "app.css").write_text("/* collected */")
    storage = VersionedStaticFilesStorage(location=str(tmp_path), base_url="/static/")
    assert storage.url("css/app.css") == f"/static/css/app.css?v={sha12(tmp_path / 'css' / 'app.css')}"


def test_a_missing_file_keeps_its_plain_url(tmp_path):
    storage = VersionedStaticFilesStorage(location=str(tmp_path), base_url="/static/")
    assert storage.url("no/such.css") == "/static/no/such.css"


@pytest.mark.parametrize("name", ["css/app.css", "js/app.js"])
def test_static_tag_uses_the_versioned_storage(name, settings, tmp_path):
    settings.STATIC_ROOT = str(tmp_path)
    assert re.fullmatch(rf"/static/{re.escape(name)}\?v=[0-9a-f]{{12}}", static(name))


def test_under_debug_the_source_file_wins_over_a_stale_collected_copy(tmp_path, settings):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "app.css").write_text("/* collected last month */")
    storage = VersionedStaticFilesStorage(location=str(tmp_path), base_url="/static/")
    settings.DEBUG = True
    assert storage.url("css/app.css") == f"/static/css/app.css?v={sha12(finders.find('css/app.css'))}"
    settings.DEBUG = False
    assert storage.url("css/app.css") == f"/static/css/app.css?v={sha12(tmp_path / 'css' / 'app.css')}"
