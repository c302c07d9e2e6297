"""`dangjian check FILE`: judge a DJX file offline with the same rules as the live system.

The file is imported with the same importer into the current database inside a transaction that is
always rolled back (the CLI's database is an empty in-memory SQLite, see `dangjian/cli.py`), every
registered rule is evaluated as of the date, and the hits are named with the file's own ids.
"""
from __future__ import annotations

import datetime as dt
import re

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from dangjian.core import engine
from dangjian.orglife.models import Meeting
from dangjian.orgs.models import Org, Unit
from dangjian.people.models import Person

from .actions import do_import_djx
from .validation import DjxInvalid, validate

# Subject kinds of djx.md and the prefix of a generated id for a record without a file id.
SEVERITY_ORDER = ("BLOCK", "WARN", "INFO")
SUBJECT_KINDS = ("org", "person", "meeting", "election", "rectification", "report", "selfcheck")


class _Rollback(Exception):
    pass


def parse_as_of(value: str) -> dt.date:
    """`--as-of` and `meta.as_of`: a real calendar day written YYYY-MM-DD."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"日期格式应为 YYYY-MM-DD（例如 2025-12-31），实际为“{value}”")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"日期无效“{value}”（不存在这一天）") from None


def judgement_date(doc: dict, as_of: dt.date | str | None = None) -> dt.date:
    if isinstance(as_of, str):
        as_of = parse_as_of(as_of)
    if as_of is not None:
        return as_of
    meta_as_of = (doc.get("meta") or {}).get("as_of")
    return parse_as_of(meta_as_of) if meta_as_of else timezone.localdate()


def _subject_key(rule, hit, file_ids: dict[type, dict[int, str]]) -> dict[str, str]:
    subject = hit.subject
    kind = rule.subject if rule.subject in SUBJECT_KINDS else None
    if kind is None:
        kind = {Org: "org", Person: "person"}.get(type(subject), type(subject).__name__.lower())
    pk = getattr(subject, "pk", subject)
    ident = file_ids.get(type(subject), {}).get(pk)
    if ident is None:
        ident = getattr(subject, "external_id", "") or f"{kind}-{pk}"
    return {kind: ident}


def _message(rule, hit) -> str:
    message = (hit.message or rule.title).strip()
    citation = (rule.citation or "").strip()
    if citation and citation not in message:
        message = f"{message}（{citation}）"
    return message


def _sort_key(finding: dict):
    (kind, ident), = finding["subject"].items()
    return (engine._rule_sort_key(finding["rule"]), kind, _natural(ident), finding["period"] or "",
            finding["message"])


def _natural(value: str):
    # odd places of the split are the digit runs (any Unicode decimal digits, which int() reads); "²" is not one
    return [(0, int(t), "") if i % 2 else (1, 0, t) for i, t in enumerate(re.split(r"(\d+)", str(value))) if t]


def unknown_settings(doc: dict) -> list[str]:
    """Warnings for `meta.settings` keys no registered rule declares (a typo must not pass
    silently, but a file written for a newer version should still be checkable)."""
    overrides = (doc.get("meta") or {}).get("settings") or {}
    known = engine.registry.settings
    return [f"meta.settings.{k}：未知参数“{k}”，已忽略" + (f"（可用参数：{'、'.join(sorted(known))}）" if known else "")
            for k in overrides if k not in known]


def records_publicity(doc: dict) -> bool:
    """Whether the file records 发展党员公示 at all (the platform's `publicity` step)."""
    return any(isinstance(ev, dict) and ev.get("step") == "publicity"
               for r in doc.get("recruitment") or [] if isinstance(r, dict)
               for ev in r.get("events") or [])


def check_document(doc, as_of: dt.date | str | None = None) -> list[dict]:
    """Findings for a parsed DJX document, in the contract's shape, sorted deterministically.
    Raises DjxInvalid for an invalid document and ValueError for a bad `as_of`. Leaves the database
    as it found it."""
    errors = validate(doc)
    if errors:
        raise DjxInvalid(errors)
    day = judgement_date(doc, as_of)
    findings: list[dict] = []
    # On an empty database (the CLI) judge everything; otherwise only what the file brought in.
    judge_all = not Org.objects.exists()
    try:
        with transaction.atomic():
            # Never match what a database already holds: the file is judged on its own.
            report = do_import_djx(doc, run_rules=False, match_existing=False, validated=True)
            if not report.ok:
                raise DjxInvalid(report.errors)
            file_ids = {Org: {pk: k for k, pk in report.maps.get("orgs", {}).items()},
                        Person: {pk: k for k, pk in report.maps.get("people", {}).items()},
                        Unit: {pk: k for k, pk in report.maps.get("units", {}).items()},
                        Meeting: {pk: k for k, pk in report.maps.get("meetings", {}).items()}}
            overrides = dict((doc.get("meta") or {}).get("settings") or {})
            if "publicity_working_days" not in overrides and not records_publicity(doc):
                # Plain DJX v1 has no 公示: a file that records none is not judged for it (DEV-27),
                # unless its own settings say the jurisdiction requires it.
                overrides["publicity_working_days"] = 0
            ctx = engine.Context(as_of=day, settings=engine.effective_settings(overrides),
                                 org_ids=None if judge_all else frozenset(report.org_ids))
            # One finding per rule, subject and period: several hits (a 公示 missing before two
            # decisions) become one finding that says all of them, at the gravest severity.
            merged: dict[tuple, tuple] = {}
            # Rules that need records a file cannot express (`live_only`) would judge their absence.
            for rule, hit in engine.evaluate(ctx, [r.id for r in engine.registry if not r.live_only]):
                subject = _subject_key(rule, hit, file_ids)
                key = (rule.id, tuple(subject.items()), hit.period)
                severity = hit.severity or rule.severity
                if key in merged:
                    _, first, messages, worst = merged[key]
                    if (hit.message or "") not in messages:
                        messages.append(hit.message or "")
                    merged[key] = (rule, first, messages, min(worst, severity, key=SEVERITY_ORDER.index))
                else:
                    merged[key] = (rule, hit, [hit.message or ""], severity)
            for (rule_id, subject, period), (rule, hit, messages, severity) in merged.items():
                hit.message = "；".join(m for m in messages if m)
                findings.append({"rule": rule_id, "severity": severity, "subject": dict(subject),
                                 "period": period or None, "message": _message(rule, hit)})
            raise _Rollback
    except _Rollback:
        pass
    findings.sort(key=_sort_key)
    return findings


def ensure_schema() -> None:
    """Create every table in an empty in-memory database without running migrations (the CLI's
    throwaway database: creating tables directly takes a fraction of a second)."""
    existing = set(connection.introspection.table_names())
    missing = [m for m in apps.get_models()
               if m._meta.managed and not m._meta.proxy and m._meta.db_table not in existing]
    if not missing:
        return
    with connection.schema_editor() as editor:
        for model in missing:
            editor.create_model(model)


def is_memory_database() -> bool:
    settings = connection.settings_dict
    return connection.vendor == "sqlite" and (settings["NAME"] in (":memory:", "", None)
                                              or "mode=memory" in str(settings["NAME"]))
