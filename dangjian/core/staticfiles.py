"""Static file URLs that change when the file changes (`/static/css/app.css?v=3f2a9c01d4e7`).

nginx lets browsers keep /static/ for 7 days (deploy/nginx-dangjian.conf). File names carry no hash
(plain StaticFilesStorage: no manifest to build or lose), so without a version a browser that cached last
week's app.css would render this week's HTML with it — and since the Content-Security-Policy refuses inline
styles, a stale stylesheet means charts without height and progress bars at zero. The version is the first
12 hex digits of the file's SHA-256: the collected copy in STATIC_ROOT if there is one (what nginx serves),
else (and always under DEBUG, where runserver serves the source) the file the finders locate. Digests are cached per path
and re-read when the file's mtime or size changes, so an edited file gets a new URL without a restart.
"""
from __future__ import annotations

import hashlib
import os
import threading

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import StaticFilesStorage

_lock = threading.Lock()
_digests: dict[str, tuple[int, int, str]] = {}       # path → (mtime_ns, size, digest)


def file_version(path: str) -> str:
    """The version of the file at `path` ('' if it cannot be read)."""
    try:
        st = os.stat(path)
    except OSError:
        return ""
    cached = _digests.get(path)
    if cached and cached[0] == st.st_mtime_ns and cached[1] == st.st_size:
        return cached[2]
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 16), b""):
                h.update(chunk)
    except OSError:
        return ""
    digest = h.hexdigest()[:12]
    with _lock:
        _digests[path] = (st.st_mtime_ns, st.st_size, digest)
    return digest


class VersionedStaticFilesStorage(StaticFilesStorage):
    def url(self, name):
        url = super().url(name)
        if not name or "?" in name:
            return url
        # Under DEBUG the source file is what runserver serves (a copy collected long ago may be stale).
        collected = self.path(name) if self.location and not settings.DEBUG else ""
        path = collected if collected and os.path.isfile(collected) else finders.find(name)
        if isinstance(path, list):       # finders.find(…, all=True) shape; not used here, but be safe
            path = path[0] if path else None
        version = file_version(path) if path else ""
        return f"{url}?v={version}" if version else url
