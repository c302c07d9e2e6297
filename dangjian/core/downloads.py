"""File downloads (Excel, PDF, Word): one response shape for every export. RFC 6266/5987: an ASCII `filename`
for old clients, the Chinese name in `filename*`; never cached (the files hold personal data)."""
from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def download(content: bytes, content_type: str, filename: str, fallback: str) -> HttpResponse:
    resp = HttpResponse(content, content_type=content_type)
    resp["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    resp["Cache-Control"] = "private, no-store"
    return resp
