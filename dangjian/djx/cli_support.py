"""Shared by the `import`, `export` and `check` commands: reading a DJX file and failing with a
Chinese message and exit status 2 (djx.md: 2 for an invalid file or arguments)."""
from __future__ import annotations

import sys
from pathlib import Path

from .validation import DjxInvalid, load_text


class UsageError(Exception):
    """Bad file or arguments: the command prints the message on stderr and exits with 2."""


def read_document(path: str):
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        p = Path(path)
        if not p.exists():
            raise UsageError(f"文件不存在：{path}")
        if not p.is_file():
            raise UsageError(f"不是文件：{path}")
        try:
            data = p.read_bytes()
        except OSError as e:
            raise UsageError(f"无法读取文件 {path}：{e.strerror}") from None
    return load_text(data)


def fail(command, message: str) -> None:
    command.stderr.write(message)
    raise SystemExit(2)


def utf8_stdout() -> None:
    # Chinese output must not depend on the terminal's locale.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower().replace("-", "") != "utf8":
            stream.reconfigure(encoding="utf-8")


def find_user(username: str):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise UsageError(f"用户“{username}”不存在或已停用。")
    return user


__all__ = ["UsageError", "DjxInvalid", "read_document", "fail", "find_user", "utf8_stdout"]
