"""`dangjian rotate_id_key [--dry-run] [--batch N]` — re-encrypt every encrypted field with the current
FIELD_ENCRYPTION_KEY and recompute the blind indexes, after the old key was moved to
FIELD_ENCRYPTION_OLD_KEYS.

Rows go in batches (one transaction each, bulk_update); a row whose token already carries the current
key id is skipped, so the command is idempotent and, after a crash, simply run again. Blind indexes
without ciphertext beside them (a disposition keeps the person's `id_number_digest`) are translated
old digest → new digest through the people's decrypted numbers. At the end every row is verified
with the current key alone: only then may the old key be removed from FIELD_ENCRYPTION_OLD_KEYS.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dangjian.core import crypto


def _pending(model, field):
    prefix = f"{crypto.PREFIX}{crypto.key_id()}:"
    return (model._base_manager.exclude(**{field.name: ""}).exclude(**{f"{field.name}__isnull": True})
            .exclude(**{f"{field.name}__startswith": prefix}))


def rotate(*, dry_run: bool = False, batch: int = 1000, log=None) -> dict:
    """Returns {"fields": {label: rows re-encrypted}, "digests": {label: rows}, "unresolved": {label: n},
    "files": n, "problems": [...]}."""
    log = log or (lambda msg: None)
    report = {"fields": {}, "digests": {}, "unresolved": {}, "files": 0, "problems": []}
    for model, field in crypto.encrypted_columns():
        label = f"{model._meta.label}.{field.name}"
        digest = crypto.digest_field_for(model, field)
        todo = _pending(model, field)
        total = todo.count()
        report["fields"][label] = 0
        if not total:
            continue
        log(f"{label}：{total} 行待重新加密")
        last = None
        names = [field.name] + ([digest.name] if digest else [])
        while True:
            # One transaction per batch, the rows read under a row lock (PostgreSQL; SQLite's IMMEDIATE
            # transaction holds the write lock): an edit in the web page waits for the batch, or went first.
            with transaction.atomic():
                qs = todo.order_by("pk").only("pk", *names)
                if last is not None:
                    qs = qs.filter(pk__gt=last)
                if not dry_run:
                    qs = qs.select_for_update()
                rows = list(qs[:batch])
                if not rows:
                    break
                last = rows[-1].pk
                read, changed = {}, []
                for row in rows:
                    token = getattr(row, field.name)
                    try:
                        plain = crypto.decrypt(token)
                    except ValueError as e:
                        report["problems"].append(f"{label} #{row.pk}：{e}")
                        continue
                    read[row.pk] = token
                    setattr(row, field.name, crypto.encrypt(plain))
                    if digest:
                        setattr(row, digest.name, crypto.blind_index(plain))
                    changed.append(row)
                if not dry_run and changed:
                    # Compare and set: only rows whose ciphertext is still the one read are written.
                    now = dict(model._base_manager.filter(pk__in=list(read)).values_list("pk", field.name))
                    changed = [row for row in changed if now.get(row.pk) == read[row.pk]]
                    model._base_manager.bulk_update(changed, names, batch_size=batch)
                report["fields"][label] += len(changed)
    _rotate_orphan_digests(report, dry_run=dry_run, batch=batch, log=log)
    report["files"] = _rotate_preview_files(dry_run=dry_run, problems=report["problems"])
    return report


def _digest_map(base: str) -> tuple[dict[str, str], set[str]]:
    """old digest → current digest for every value of `<base>_encrypted` fields (through their plaintext)."""
    mapping, current = {}, set()
    for model, field in crypto.encrypted_columns():
        if field.name != base + "_encrypted":
            continue
        for token in model._base_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True).iterator(
                chunk_size=2000):
            try:
                plain = crypto.decrypt(token)
            except ValueError:
                continue
            new, *old = crypto.blind_indexes(plain)
            current.add(new)
            mapping[new] = new
            for d in old:
                mapping.setdefault(d, new)
    return mapping, current


def _rotate_orphan_digests(report, *, dry_run, batch, log):
    maps = {}
    for model, field, base in crypto.orphan_digest_columns():
        label = f"{model._meta.label}.{field.name}"
        if base not in maps:
            maps[base] = _digest_map(base)
        mapping, current = maps[base]
        rows = [r for r in model._base_manager.exclude(**{field.name: ""}).only("pk", field.name).iterator(
            chunk_size=2000) if getattr(r, field.name) not in current]
        changed, unresolved = [], 0
        for row in rows:
            new = mapping.get(getattr(row, field.name))
            if new is None:
                unresolved += 1  # verify() fails on it (unresolved_digests)
                continue
            setattr(row, field.name, new)
            changed.append(row)
        report["digests"][label] = len(changed)
        if unresolved:
            report["unresolved"][label] = unresolved
        if changed:
            log(f"{label}：{len(changed)} 行重算索引")
        if changed and not dry_run:
            for i in range(0, len(changed), batch):
                with transaction.atomic():
                    model._base_manager.bulk_update(changed[i:i + batch], [field.name], batch_size=batch)


def _rotate_preview_files(*, dry_run, problems) -> int:
    """Upload previews (MEDIA_ROOT/imports/*.json, 24 hours) carry an encrypted payload too."""
    folder = Path(settings.MEDIA_ROOT) / "imports"
    n = 0
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            token = body.get("payload")
            if not isinstance(token, str) or crypto.is_current(token):
                continue
            body["payload"] = crypto.encrypt(crypto.decrypt(token))
        except (OSError, ValueError) as e:
            problems.append(f"{path.name}：{e}")
            continue
        n += 1
        if not dry_run:
            tmp = path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(body), encoding="utf-8")
            tmp.replace(path)
    return n


def unresolved_digests() -> dict:
    """Blind indexes kept without ciphertext (a 除名's `id_number_digest`) that no person's number maps to
    the current key: {(model, field): [pk, …]}. Once the old key is removed they match nobody any more —
    the 5-year re-entry bar would be lifted silently. An index whose bar has ended does not count."""
    import datetime as _dt

    out, maps = {}, {}
    for model, field, base in crypto.orphan_digest_columns():
        if base not in maps:
            maps[base] = _digest_map(base)
        current = maps[base][1]
        qs = model._base_manager.exclude(**{field.name: ""})
        if any(f.name == "reentry_barred_until" for f in model._meta.concrete_fields):
            qs = qs.filter(reentry_barred_until__gt=_dt.date.today())
        pks = [pk for pk, d in qs.values_list("pk", field.name).iterator(chunk_size=2000) if d not in current]
        if pks:
            out[(model, field)] = pks
    return out


def verify(*, batch: int = 2000) -> list[str]:
    """Every encrypted value opens with the current key alone and its blind index matches."""
    problems = []
    only_current = [crypto.current_secret()]
    for model, field in crypto.encrypted_columns():
        label = f"{model._meta.label}.{field.name}"
        digest = crypto.digest_field_for(model, field)
        names = [field.name] + ([digest.name] if digest else [])
        for pk, token, *rest in model._base_manager.exclude(**{field.name: ""}).values_list("pk", *names).iterator(
                chunk_size=batch):
            if not token:
                continue
            if not crypto.is_current(token):
                problems.append(f"{label} #{pk}：仍是旧密钥的密文")
                continue
            try:
                plain = crypto.decrypt_with(token, only_current)
            except ValueError:
                problems.append(f"{label} #{pk}：当前密钥无法解密")
                continue
            if digest and rest[0] != crypto.blind_index(plain):
                problems.append(f"{label} #{pk}：索引与当前密钥不符")
    return problems


class Command(BaseCommand):
    help = ("身份证号密钥轮换：用当前 FIELD_ENCRYPTION_KEY 重新加密所有加密字段并重算索引（旧密钥须在 "
            "FIELD_ENCRYPTION_OLD_KEYS 中）。分批提交，可重复运行，中断后重新运行即可继续；最后逐行校验。")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只统计并试解密，不写入")
        parser.add_argument("--batch", type=int, default=1000, help="每批行数（默认 1000）")

    def handle(self, *args, **options):
        from dangjian.core import audit

        if options["batch"] < 1:
            raise CommandError("--batch 应为正整数。")
        started = time.monotonic()
        dry = options["dry_run"]
        self.stdout.write(f"当前密钥编号：{crypto.key_id()}；可用旧密钥 {len(crypto.old_secrets())} 个。"
                          + ("（试运行，不写入）" if dry else ""))
        report = rotate(dry_run=dry, batch=options["batch"], log=self.stdout.write)
        fields = sum(report["fields"].values())
        digests = sum(report["digests"].values())
        self.stdout.write(f"{'将' if dry else '已'}重新加密 {fields} 个值，重算索引 {digests} 个，"
                          f"导入预览文件 {report['files']} 个。")
        for label, n in report["unresolved"].items():
            self.stdout.write(f"注意：{label} 有 {n} 个索引找不到对应的人员号码，无法重算（保持原样）。")
        if report["problems"]:
            for p in report["problems"][:20]:
                self.stderr.write(p)
            raise CommandError(f"{len(report['problems'])} 个值无法用已配置的密钥解密："
                               "请把写入它们时的密钥加入 FIELD_ENCRYPTION_OLD_KEYS 后重新运行。")
        if dry:
            return
        problems = verify()
        unresolved = unresolved_digests()
        if unresolved and not problems:
            n = sum(len(pks) for pks in unresolved.values())
            for (model, field), pks in unresolved.items():
                self.stderr.write(f"{model._meta.verbose_name}（{model._meta.label}.{field.name}）编号："
                                  + "、".join(str(pk) for pk in pks[:50]))
            what = "、".join(f"{len(pks)} 条{model._meta.verbose_name}记录" for (model, _), pks in unresolved.items())
            raise CommandError(
                f"校验未通过：{what}（共 {n} 条）保存的身份证号索引无法换算到当前密钥——对应人员的号码已更改或已删除，"
                "新密钥下无从重算。只有旧密钥仍在 FIELD_ENCRYPTION_OLD_KEYS 中时，这些记录的“5年内不得重新入党”"
                "才能识别同一号码的新登记人员：请保留旧密钥，直到这些记录的限制期满；如该人员仍在系统中，"
                "请核对并改回其登记时的号码后重新运行本命令。其余数据已轮换完毕。")
        if problems:
            for p in problems[:20]:
                self.stderr.write(p)
            raise CommandError(f"校验未通过：{len(problems)} 个值不是当前密钥的密文；请重新运行本命令。")
        audit.record("core.rotate_id_key",
                     f"身份证号密钥轮换：重新加密 {fields} 个值，重算索引 {digests} 个（密钥编号 {crypto.key_id()}）",
                     key_id=crypto.key_id(), values=fields, digests=digests, fields=report["fields"])
        self.stdout.write(f"校验通过：所有加密值均可用当前密钥解密（用时 {time.monotonic() - started:.1f} 秒）。"
                          "确认备份也已更新后，可从 FIELD_ENCRYPTION_OLD_KEYS 中删除旧密钥；"
                          "旧密钥仍须保管，用于恢复轮换之前的备份。")
