"""Parsing numbers typed by users (query strings, form fields, URL refs, import cells) without surprises.

``str.isdigit()`` is also True for "²", "①", "１２" (full width) and "٣" (Arabic-Indic): ``int("²")`` raises
(a 500), ``int("１２")`` silently accepts a non-ASCII id, and an unbounded number ("9" * 30) reaches the database
as an overflow error. These helpers accept ASCII digits only, keep results within bounds and never raise.
"""
from __future__ import annotations

ID_MAX = 2**63 - 1  # the largest primary key a 64-bit integer column holds
INT_MAX = 2**31 - 1  # the largest value a plain integer column (PostgreSQL "integer") holds
YEAR_MIN, YEAR_MAX = 1900, 2100


def ascii_int(value, *, default: int | None = None, min: int | None = 0, max: int | None = ID_MAX,
              negative: bool = False) -> int | None:
    """``value`` as an int when it is a plain ASCII number within [min, max], else ``default``. Never raises.

    Surrounding whitespace is ignored; a leading "-" is accepted only with ``negative=True`` (and a ``min`` that
    allows it). ``bool`` and non-str/non-int values give ``default``; a real ``int`` is range-checked as is;
    more than 4000 digits (past what ``int()`` reads) give ``default``.
    """
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        n = value
    else:
        if not isinstance(value, str):
            return default
        text = value.strip()
        digits = text[1:] if negative and text.startswith("-") else text
        if not digits or len(digits) > 4000 or not (digits.isascii() and digits.isdigit()):
            return default
        n = int(text)
    if (min is not None and n < min) or (max is not None and n > max):
        return default
    return n


def id_param(value, *, default: int | None = None) -> int | None:
    """A primary key typed by a user (``?org=``, a posted ``person``, a command-line ref).

    An ASCII number within a 64-bit key gives that int; an ASCII number past any key gives 0, which no row has,
    so the lookup simply finds nothing (as before) instead of overflowing the database driver; anything else
    ("²", "①", "１２", "", None, "-1") gives ``default``. Never raises.
    """
    n = ascii_int(value)
    if n is not None:
        return n
    text = value.strip() if isinstance(value, str) else ""
    return 0 if text and text.isascii() and text.isdigit() else default


def is_ascii_int(value, **bounds) -> bool:
    """True when :func:`ascii_int` would parse ``value`` (same keyword bounds)."""
    return ascii_int(value, default=None, **bounds) is not None


def year_param(value, *, default: int | None = None, min: int = YEAR_MIN, max: int = YEAR_MAX) -> int | None:
    """A four-digit-ish calendar year within [min, max] (default 1900..2100), else ``default``. Never raises."""
    return ascii_int(value, default=default, min=min, max=max)
