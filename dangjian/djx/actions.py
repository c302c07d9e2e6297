"""The DJX import as an action: validate everything, then write everything in one transaction, or
nothing at all."""
from __future__ import annotations

from django.db import transaction

from dangjian.core import audit, owed
from dangjian.core.db import refresh_planner_statistics

from .importer import ImportAborted, Importer, ImportReport
from .validation import validate

FULL_RUN_ABOVE = 2000


def do_import_djx(document, *, acting_user=None, dry_run: bool = False, attach_to=None,
                  run_rules: bool = True, match_existing: bool = True,
                  validated: bool = False) -> ImportReport:
    """Import a parsed DJX document.

    * An invalid document imports nothing: the report carries every error with its JSON path.
    * `acting_user` None is the system operator (CLI); a user may only add within their `add` scope
      and only matches (updates) records in it.
    * `attach_to`: the org under which the file's top-level orgs are created (upload page).
    * `dry_run`: does the whole import and rolls it back, so the counts are what a real run does.
    * `validated`: the caller has just run `validate(document)` without errors (saves a second pass).
    """
    errors = [] if validated else validate(document)
    if errors:
        return ImportReport(dry_run=dry_run, errors=errors)
    try:
        with transaction.atomic():
            report = Importer(document, acting_user=acting_user, attach_to=attach_to,
                              match_existing=match_existing).run()
            report.dry_run = dry_run
            if dry_run:
                transaction.set_rollback(True)
                return report
            counts = {s: vars(c) for s, c in report.counts.items()}
            title = ((document.get("meta") or {}).get("title") or "").strip()
            root = report.top_org
            audit.record("djx.import", f"导入 DJX 文件{('“' + title + '”') if title else ''}：" + "，".join(
                f"{s} 新增 {c['created']} 更新 {c['updated']}" for s, c in counts.items() if sum(c.values())),
                actor=acting_user, org=root, counts=counts, skipped=report.skipped)
            transaction.on_commit(refresh_planner_statistics)
            if run_rules and report.org_ids:
                # One re-judgement for the whole import, after commit (not one per record); a
                # large file is simply a full run. The run is noted as owed in this transaction, so
                # that a process killed after the commit leaves it to the worker (core.owed).
                owed.owe(None if len(report.org_ids) > FULL_RUN_ABOVE else report.org_ids,
                         reason=f"导入 DJX 文件{('“' + title + '”') if title else ''}")
            report.committed = True
            return report
    except ImportAborted as e:
        return ImportReport(dry_run=dry_run, errors=e.errors)
