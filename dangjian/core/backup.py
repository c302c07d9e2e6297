"""`dangjian backup` / `dangjian restore`: one tar archive with the database, the uploaded files
(MEDIA_ROOT) and a manifest.

* SQLite: sqlite3's online backup API copies the live database in one step (WAL mode: the site keeps
  writing meanwhile; the copy is one consistent snapshot).
* PostgreSQL: `pg_dump -Fc` of the configured database, run with a snapshot exported by a
  REPEATABLE READ transaction, so the table counts in the manifest are those of the dump. The
  pg_dump/pg_restore of the server's major version are used (/usr/lib/postgresql/<major>/bin first).
* The manifest (manifest.json, the last member) says what is inside: format, program version, time,
  engine, applied migrations per app, rows per table, size and SHA-256 of every member, the ids of
  the keys the encrypted values were written with and a key-check token (a ciphertext of a fixed
  text). Never a key: SECRET_KEY / FIELD_ENCRYPTION_KEY are kept separately by the operator —
  without them the 公民身份号码 in a backup cannot be read.
* Not inside: the Huey queue (pending background jobs are re-derived: the rules engine runs again
  after a restore) and MEDIA_ROOT/imports (encrypted upload previews that expire after 24 hours).

A restore checks everything before changing anything (checksums, engine, migrations not newer than
the program, the key, an empty target unless --force), writes the database beside the target and
renames it into place (SQLite) or loads it in one transaction (PostgreSQL), swaps the media folder
by renaming, compares the row counts with the manifest, then runs migrate for an older archive.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

from dangjian.core import crypto

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/dangjian.sqlite3"
PG_MEMBER = "database/dangjian.pgdump"
MEDIA_PREFIX = "media/"
EXCLUDED_MEDIA = ("imports",)  # encrypted upload previews, valid for 24 hours only
KEY_NOTE = ("备份不包含 SECRET_KEY 和 FIELD_ENCRYPTION_KEY：请另行妥善保管密钥（与备份分开存放）。"
            "没有备份时使用的密钥，备份中的公民身份号码将无法解密。")
_CHUNK = 1024 * 1024
_TOKEN_LIKE = "v1:________:%"  # a token with a key id (see crypto.encrypt)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator, in Chinese."""


# --- helpers ---------------------------------------------------------------------------------------
def program_version() -> str:
    try:
        from importlib.metadata import version

        return version("dangjian")
    except Exception:  # noqa: BLE001 - a source checkout without installed metadata
        return "0.1.0"


def engine_name(conn=None) -> str:
    vendor = (conn or connection).vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库类型：{vendor}（仅支持 SQLite 和 PostgreSQL）。")
    return vendor


def default_filename(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now()
    return f"dangjian-{now:%Y%m%d-%H%M%S}.tar"


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


class _HashingReader(io.RawIOBase):
    def __init__(self, f):
        self.f, self.hash, self.size = f, hashlib.sha256(), 0

    def readable(self):
        return True

    def read(self, n=-1):
        data = self.f.read(n)
        self.hash.update(data)
        self.size += len(data)
        return data


def _media_files(root: Path):
    """Regular files under MEDIA_ROOT (symbolic links are not followed), minus the excluded folders."""
    if not root.is_dir():
        return []
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        if rel_dir == Path("."):
            dirnames[:] = [d for d in dirnames if d not in EXCLUDED_MEDIA]
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if p.is_file() and not p.is_symlink():
                out.append(p)
    return out


def _pg_bin(tool: str, conn=None) -> str:
    conn = conn or connection
    with conn.cursor() as cur:
        cur.execute("SHOW server_version_num")
        major = int(cur.fetchone()[0]) // 10000
    candidate = Path(f"/usr/lib/postgresql/{major}/bin/{tool}")
    if candidate.exists():
        return str(candidate)
    found = shutil.which(tool)
    if not found:
        raise BackupError(f"找不到 {tool}：请安装与数据库服务器相同主版本（{major}）的 PostgreSQL 客户端"
                          f"（Debian：postgresql-client-{major}）。")
    return found


def _pg_env(settings_dict: dict) -> dict:
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"),
                     ("PGPASSWORD", "PASSWORD"), ("PGDATABASE", "NAME")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return env


def _encrypted_tables():
    """(table, column) of every encrypted field (crypto.encrypted_columns)."""
    return [(m._meta.db_table, f.column) for m, f in crypto.encrypted_columns()]


def _snapshot_facts(cur, quote) -> dict:
    """Migrations, row counts and key ids, read through one cursor of a consistent snapshot."""
    tables = _tables_via(cur, quote.vendor)
    counts = {}
    for t in tables:
        cur.execute(f"SELECT COUNT(*) FROM {quote(t)}")
        counts[t] = cur.fetchone()[0]
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in tables:
        cur.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cur.fetchall():
            migrations.setdefault(app, []).append(name)
    key_ids, legacy, legacy_sample = set(), 0, ""
    for table, column in _encrypted_tables():
        if table not in tables:
            continue
        c = quote(column)
        cur.execute(f"SELECT DISTINCT substr({c}, 4, 8) FROM {quote(table)} WHERE {c} LIKE %s"
                    .replace("%s", quote.param), [_TOKEN_LIKE])
        key_ids.update(r[0] for r in cur.fetchall())
        cur.execute(f"SELECT COUNT(*) FROM {quote(table)} WHERE {c} <> '' AND {c} NOT LIKE %s"
                    .replace("%s", quote.param), [_TOKEN_LIKE])
        n = cur.fetchone()[0]
        legacy += n
        if n and not legacy_sample:
            cur.execute(f"SELECT {c} FROM {quote(table)} WHERE {c} <> '' AND {c} NOT LIKE %s LIMIT 1"
                        .replace("%s", quote.param), [_TOKEN_LIKE])
            legacy_sample = cur.fetchone()[0]
    return {"tables": counts, "migrations": migrations, "key_ids": sorted(key_ids),
            "legacy_tokens": legacy, "legacy_sample": legacy_sample}


def _tables_via(cur, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    else:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    return [r[0] for r in cur.fetchall()]


class _Quote:
    def __init__(self, vendor):
        self.vendor = vendor
        self.param = "?" if vendor == "sqlite" else "%s"

    def __call__(self, name):
        return '"' + name.replace('"', '""') + '"'


# --- backup ----------------------------------------------------------------------------------------
def _dump_sqlite(target: Path) -> dict:
    connection.ensure_connection()
    dst = sqlite3.connect(str(target))
    try:
        with dst:
            connection.connection.backup(dst)  # one step: a consistent snapshot, writers go on (WAL)
        dst.execute("PRAGMA journal_mode=DELETE")
        facts = _snapshot_facts(dst.cursor(), _Quote("sqlite"))
    finally:
        dst.close()
    facts["server_version"] = sqlite3.sqlite_version
    return facts


def _dump_postgresql(target: Path) -> dict:
    connection.ensure_connection()
    pg_dump = _pg_bin("pg_dump")
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = False
        cur = raw.cursor()
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cur.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, server_version = cur.fetchone()
        facts = _snapshot_facts(cur, _Quote("postgresql"))
        run = subprocess.run([pg_dump, "-Fc", "--no-owner", "--no-acl", f"--snapshot={snapshot}", "-f", str(target)],
                             env=_pg_env(connection.settings_dict), capture_output=True, text=True)
        raw.rollback()
    finally:
        raw.close()
    if run.returncode != 0:
        raise BackupError(f"pg_dump 失败：{run.stderr.strip()}")
    facts["server_version"] = server_version
    return facts


def _output_path(output) -> Path:
    """A file path; a folder (existing, or named with a trailing separator: created) gets the default name."""
    if not output:
        return Path.cwd() / default_filename()
    text = str(output)
    path = Path(text)
    if text.endswith((os.sep, "/")) or path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        return path / default_filename()
    return path


def _check_backup_source(facts: dict) -> None:
    """An unconfigured run (DATABASE_URL not exported to a cron job) finds an empty default database:
    refuse it rather than write a "backup" of nothing."""
    if not facts["tables"]:
        raise BackupError("数据库中没有数据表：这不是 dangjian 的数据库（是否未加载环境变量 DATABASE_URL？"
                          "例如 cron 中须先 set -a; . /etc/dangjian/dangjian.env; set +a）。未写入备份。")
    if "django_migrations" not in facts["tables"]:
        raise BackupError("数据库中没有 django_migrations 表：这不是 dangjian 的数据库或尚未初始化"
                          "（请检查 DATABASE_URL）。未写入备份。")


def _add_member(tar, path: Path, name: str):
    """Adds one file; returns its manifest entry (None if it vanished meanwhile)."""
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        return None
    with f:
        info = tar.gettarinfo(fileobj=f, arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _HashingReader(f)
        tar.addfile(info, reader)
    return {"size": info.size, "sha256": reader.hash.hexdigest()}


def create_backup(output: str | Path | None = None, *, log=None) -> tuple[Path, dict]:
    """Write the archive; returns its path and manifest. The archive appears only when complete."""
    log = log or (lambda msg: None)
    engine = engine_name()
    output = _output_path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    mode = "w:gz" if output.name.endswith((".tar.gz", ".tgz")) else "w"
    media_root = Path(settings.MEDIA_ROOT)
    started = dt.datetime.now(dt.timezone.utc)
    partial = output.with_name(output.name + ".part")
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".dangjian-backup-") as tmp:
        db_file = Path(tmp) / "db"
        log("正在复制数据库……")
        if engine == "sqlite":
            facts, member = _dump_sqlite(db_file), SQLITE_MEMBER
        else:
            facts, member = _dump_postgresql(db_file), PG_MEMBER
        _check_backup_source(facts)
        members = {member: {"size": db_file.stat().st_size, "sha256": _sha256_file(db_file)}}
        log("正在打包附件……")
        # Personal data: readable by the owner only, from the first byte (not chmod-ed afterwards).
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # an existing .part of an earlier crash keeps its mode otherwise
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode=mode, format=tarfile.PAX_FORMAT) as tar:
                info = tar.gettarinfo(db_file, arcname=member)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with open(db_file, "rb") as f:
                    tar.addfile(info, f)
                for path in _media_files(media_root):
                    name = MEDIA_PREFIX + path.relative_to(media_root).as_posix()
                    entry = _add_member(tar, path, name)
                    if entry is None:
                        log(f"跳过附件 {name}：备份过程中已被删除。")
                        continue
                    members[name] = entry
                manifest = {
                    "format": FORMAT,
                    "application": "dangjian",
                    "version": program_version(),
                    "created": started.isoformat(timespec="seconds"),
                    "engine": engine,
                    "server_version": facts["server_version"],
                    "migrations": facts["migrations"],
                    "tables": facts["tables"],
                    "members": members,
                    "media_files": len(members) - 1,
                    "excluded": ["Huey 任务队列", *(f"media/{d}/（临时的导入预览）" for d in EXCLUDED_MEDIA)],
                    "key_ids": facts["key_ids"],
                    "legacy_tokens": facts["legacy_tokens"],
                    "legacy_sample": facts["legacy_sample"],
                    "key_check": crypto.key_check_token(),
                    "key_id": crypto.key_id(),
                    "note": KEY_NOTE,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(started.timestamp()), 0o644
                tar.addfile(info, io.BytesIO(data))
            os.replace(partial, output)
        finally:
            Path(partial).unlink(missing_ok=True)
    _record("core.backup", f"备份数据库和附件到 {output.name}（{_size(output.stat().st_size)}）",
            file=output.name, engine=engine, media_files=manifest["media_files"])
    return output, manifest


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.1f} KB"


def _record(verb, summary, **extra):
    try:
        from dangjian.core import audit

        audit.record(verb, summary, **extra)
    except Exception:  # noqa: BLE001 - the audit table may be missing in a half-built instance
        pass


# --- verify ----------------------------------------------------------------------------------------
_SAFE_NAME = re.compile(r"database/[A-Za-z0-9_.-]+|media/[^\x00-\x1f\x7f]+")


def _safe(name: str) -> bool:
    if not _SAFE_NAME.fullmatch(name) or name.startswith("/") or "\\" in name:
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def verify_archive(path: str | Path) -> dict:
    """Reads the whole archive and returns its manifest; BackupError if anything does not match."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到备份文件：{path}")
    try:
        with tarfile.open(path, "r:*") as tar:
            try:
                manifest = json.loads(tar.extractfile(MANIFEST).read().decode("utf-8"))
            except (KeyError, AttributeError, ValueError):
                raise BackupError("备份文件缺少有效的 manifest.json：不是 dangjian 备份或已损坏。") from None
            if manifest.get("application") != "dangjian" or manifest.get("format") != FORMAT:
                raise BackupError(f"不支持的备份格式（format={manifest.get('format')!r}）。")
            expected = manifest.get("members") or {}
            seen = set()
            for info in tar:
                if info.name == MANIFEST:
                    continue
                if not info.isfile() or not _safe(info.name) or info.name not in expected or info.name in seen:
                    raise BackupError(f"备份文件包含不应有的成员“{info.name}”：拒绝恢复。")
                seen.add(info.name)
                h, f = hashlib.sha256(), tar.extractfile(info)
                for block in iter(lambda: f.read(_CHUNK), b""):
                    h.update(block)
                if h.hexdigest() != expected[info.name]["sha256"] or info.size != expected[info.name]["size"]:
                    raise BackupError(f"备份文件已损坏：“{info.name}”的校验和与清单不符。未做任何更改。")
            folders = {"/".join(n.split("/")[:i]) for n in seen for i in range(1, n.count("/") + 1)}
            clash = sorted(seen & folders)
            if clash:
                raise BackupError(f"备份文件中“{clash[0]}”既是文件又是同名文件夹：拒绝恢复。未做任何更改。")
            missing = set(expected) - seen
            if missing:
                raise BackupError(f"备份文件不完整：缺少 {len(missing)} 个成员（如“{sorted(missing)[0]}”）。未做任何更改。")
    except (tarfile.TarError, EOFError, OSError, Exception) as e:  # noqa: BLE001 - a damaged archive in any way
        if isinstance(e, BackupError):
            raise
        raise BackupError(f"备份文件已损坏，无法读取（{type(e).__name__}）。未做任何更改。") from None
    db = [m for m in expected if m.startswith("database/")]
    if len(db) != 1:
        raise BackupError("备份文件中应恰有一个数据库文件。")
    return manifest


def check_key(manifest: dict) -> str:
    """The configured keys must open what the archive holds; otherwise a clear refusal. Returns a
    warning when the archive holds no encrypted value but was written under another key."""
    known = {crypto._key_id(s) for s in (crypto.current_secret(), *crypto.old_secrets())}
    unknown = [k for k in manifest.get("key_ids", []) if k not in known]
    token = manifest.get("legacy_sample") or ""
    if not unknown and token and not crypto.can_decrypt(token):
        unknown = ["（旧格式）"]
    if not unknown and not manifest.get("key_ids") and not token:
        if not crypto.can_decrypt(manifest.get("key_check")):
            return ("注意：备份时使用的密钥与当前密钥不同（备份中没有加密数据，不影响恢复）。"
                    "此后新录入的公民身份号码将用当前密钥加密。")
        return ""
    if unknown:
        raise BackupError(
            "当前配置的密钥无法解密该备份中的公民身份号码（备份使用的密钥编号："
            f"{'、'.join(unknown)}；当前密钥编号：{crypto.key_id()}）。请设置备份时使用的 FIELD_ENCRYPTION_KEY"
            "（未设置时为 SECRET_KEY）后重试；若此后轮换过密钥，可把旧密钥加入 FIELD_ENCRYPTION_OLD_KEYS。"
            "未做任何更改。")
    return ""


def _disk_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def check_migrations(manifest: dict) -> int:
    """Refuses an archive from a newer program; returns how many migrations the archive lacks."""
    archived = {(app, name) for app, names in manifest.get("migrations", {}).items() for name in names}
    disk = _disk_migrations()
    newer = sorted(archived - disk)
    if newer:
        raise BackupError(f"备份来自更新版本的程序（含本程序没有的迁移 {newer[0][0]}.{newer[0][1]} 等 {len(newer)} 个），"
                          "请先升级程序再恢复。未做任何更改。")
    return len(disk - archived)


# --- restore ---------------------------------------------------------------------------------------
def instance_contents() -> str:
    """'' for an empty instance; otherwise what is in it, in words."""
    found = []
    try:
        tables = set(connection.introspection.table_names())
    except Exception:  # noqa: BLE001 - no database file yet
        tables = set()
    from django.apps import apps

    for label, model_name, word in (("orgs", "Org", "党组织"), ("people", "Person", "人员"),
                                    ("accounts", "User", "用户")):
        model = apps.get_model(label, model_name)
        if model._meta.db_table in tables:
            n = model._base_manager.count()
            if n:
                found.append(f"{word} {n} 条")
    media = Path(settings.MEDIA_ROOT)
    files = len(_media_files(media))
    if files:
        found.append(f"附件目录中 {files} 个文件")
    return "、".join(found)


def restore_backup(path: str | Path, *, force: bool = False, log=None) -> dict:
    log = log or (lambda msg: None)
    log("正在校验备份文件……")
    manifest = verify_archive(path)
    engine = engine_name()
    if manifest["engine"] != engine:
        raise BackupError(f"备份来自 {manifest['engine']} 数据库，当前实例配置的是 {engine}。"
                          "跨数据库迁移请用 DJX 导出/导入。未做任何更改。")
    check_migrations(manifest)
    warning = check_key(manifest)
    if warning:
        log(warning)
    if engine == "sqlite":
        Path(connection.settings_dict["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    contents = instance_contents()
    if contents and not force:
        raise BackupError(f"目标实例不是空的（已有{contents}）。恢复会覆盖全部数据；"
                          "确认要覆盖时请加 --force。未做任何更改。")
    if engine == "postgresql":
        check_server_version(manifest)
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    plan = media_plan(media_root)  # before the database is touched: can the media folder be replaced?
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    media_tmp = media_root.with_name(media_root.name + f".restore-{stamp}")
    db_member = next(m for m in manifest["members"] if m.startswith("database/"))
    db_kept = None
    with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".dangjian-restore-") as tmp:
        db_tmp = Path(tmp) / "db"
        if engine == "sqlite":
            target = Path(connection.settings_dict["NAME"])
            if str(target) in (":memory:", "") or "mode=memory" in str(target):
                raise BackupError("内存数据库不能作为恢复目标。")
            db_tmp = target.with_name(target.name + f".restore-{stamp}")
        log("正在解包……")
        try:
            _extract(path, db_member, db_tmp, media_tmp, manifest["members"])
            if engine == "sqlite":
                _check_sqlite_copy(db_tmp, manifest)
                log("正在替换数据库……")
                db_kept = _swap_sqlite(db_tmp, target, keep=bool(contents), stamp=stamp)
            else:
                log("正在用 pg_restore 载入数据库……")
                _load_postgresql(db_tmp)
        except BaseException:
            shutil.rmtree(media_tmp, ignore_errors=True)
            if engine == "sqlite":
                db_tmp.unlink(missing_ok=True)
            raise
    try:
        kept = _swap_media(media_tmp, media_root, plan, stamp=stamp)
    except OSError as e:
        raise BackupError(f"数据库已恢复，但附件目录未能替换（{e}）。恢复出的附件在 {media_tmp}："
                          f"请把其中的内容移入 {media_root}（原有附件请先另存），再启动网站。") from None
    _compare_counts(manifest)
    pending = _pending_migrations()
    if pending:
        log(f"备份早于当前程序：正在应用 {pending} 个新迁移……")
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    _record("core.restore", f"从备份 {Path(path).name}（{manifest['created']}）恢复数据库和附件",
            file=Path(path).name, created=manifest["created"], migrations_applied=pending)
    return {"manifest": manifest, "migrations_applied": pending, "media_kept": str(kept) if kept else "",
            "database_kept": str(db_kept) if db_kept else "", "replaced": bool(contents)}


def _extract(path, db_member: str, db_target: Path, media_tmp: Path, members: dict) -> None:
    """Writes the members out, hashing them again: the file may have changed since it was verified."""
    media_tmp.mkdir(parents=True)
    with tarfile.open(path, "r:*") as tar:
        for info in tar:
            if info.name == MANIFEST:
                continue
            if not info.isfile() or not _safe(info.name):  # verified already; belt and braces
                raise BackupError(f"备份文件包含不应有的成员“{info.name}”。")
            if info.name == db_member:
                dest = db_target
            else:
                dest = media_tmp / info.name[len(MEDIA_PREFIX):]
                dest.parent.mkdir(parents=True, exist_ok=True)
            h = hashlib.sha256()
            with tar.extractfile(info) as src, open(dest, "wb") as out:
                for block in iter(lambda: src.read(_CHUNK), b""):
                    h.update(block)
                    out.write(block)
            if info.name not in members or h.hexdigest() != members[info.name]["sha256"]:
                raise BackupError(f"备份文件在校验之后发生了变化（“{info.name}”）：拒绝恢复。数据库未做更改。")
            os.chmod(dest, 0o600 if info.name == db_member else 0o644)


def _check_sqlite_copy(db_file: Path, manifest: dict) -> None:
    conn = sqlite3.connect(str(db_file))
    try:
        ok = conn.execute("PRAGMA quick_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"备份中的数据库未通过完整性检查：{ok}")
        cur = conn.cursor()
        q = _Quote("sqlite")
        for table, column in _encrypted_tables():
            try:
                cur.execute(f"SELECT {q(column)} FROM {q(table)} WHERE {q(column)} <> '' LIMIT 5")
            except sqlite3.OperationalError:
                continue
            for (token,) in cur.fetchall():
                if not crypto.can_decrypt(token):
                    raise BackupError(f"当前配置的密钥无法解密备份中的 {table}.{column}。请设置备份时使用的密钥后重试。"
                                      "未做任何更改。")
    finally:
        conn.close()


def media_plan(media_root: Path) -> str:
    """How the restored media folder takes MEDIA_ROOT's place: "rename" (a plain folder, or none yet:
    renamed away and the new one renamed in) or "in_place" (a symbolic link or a mount point, which a
    rename would break or cannot move: the contents are moved instead). BackupError if neither works."""
    if media_root.is_symlink() or (media_root.is_dir() and os.path.ismount(media_root)):
        real = media_root.resolve()
        if not real.is_dir() or not os.access(real, os.W_OK | os.X_OK):
            raise BackupError(f"附件目录 {media_root} 指向 {real}，该目录不存在或不可写。未做任何更改。")
        return "in_place"
    if media_root.exists() and not media_root.is_dir():
        raise BackupError(f"附件目录 {media_root} 不是文件夹。未做任何更改。")
    if not os.access(media_root.parent, os.W_OK | os.X_OK):
        raise BackupError(f"附件目录所在的 {media_root.parent} 不可写，无法替换附件目录。未做任何更改。")
    return "rename"


def _swap_media(media_tmp: Path, media_root: Path, plan: str, *, stamp: str) -> Path | None:
    """Puts the restored files in MEDIA_ROOT; returns where the old files were kept (None: there were none)."""
    kept = media_root.with_name(media_root.name + f".before-restore-{stamp}")
    if plan == "rename":
        if not media_root.exists():
            os.replace(media_tmp, media_root)
            return None
        os.replace(media_root, kept)
        os.replace(media_tmp, media_root)
        return kept
    kept.mkdir()
    for child in sorted(media_root.iterdir()):
        shutil.move(str(child), str(kept / child.name))
    for child in sorted(media_tmp.iterdir()):
        shutil.move(str(child), str(media_root / child.name))
    media_tmp.rmdir()
    if not any(kept.iterdir()):
        kept.rmdir()
        return None
    return kept


def _swap_sqlite(db_tmp: Path, target: Path, *, keep: bool = False, stamp: str = "") -> Path | None:
    """Renames the restored file into place; with `keep`, the replaced database stays beside it as
    `<name>.before-restore-<stamp>` (returned)."""
    for alias in connections:
        connections[alias].close()
    if target.exists():
        # Whatever the old database has in its write-ahead log must not be replayed onto the new file.
        conn = sqlite3.connect(str(target))
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    kept = None
    if keep and target.exists():
        kept = target.with_name(target.name + f".before-restore-{stamp}")
        os.link(target, kept)  # a second name for the old file: the swap below stays one atomic rename
    os.replace(db_tmp, target)
    return kept


def _server_major(version: str) -> int:
    m = re.match(r"(\d+)", version or "")
    return int(m.group(1)) if m else 0


def check_server_version(manifest: dict) -> None:
    """A dump from a newer PostgreSQL major version than the target server is refused before anything changes."""
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        here = cur.fetchone()[0]
    archived = manifest.get("server_version") or ""
    if _server_major(archived) > _server_major(here):
        raise BackupError(f"备份来自更新的 PostgreSQL {archived}，当前数据库服务器是 {here}："
                          "请恢复到同一或更新主版本的服务器。未做任何更改。")


def _load_postgresql(dump: Path) -> None:
    """pg_restore writes the dump as SQL to a file first (nothing touched yet); only if that succeeded does
    psql drop the configured database's tables and load the file, in one transaction that stops at the
    first error (so a failure leaves every table as it was)."""
    pg_restore, psql = _pg_bin("pg_restore"), _pg_bin("psql")
    with connection.cursor() as cur:
        tables = _tables_via(cur, "postgresql")
    connection.close()
    q = _Quote("postgresql")
    prelude = "".join(f"DROP TABLE IF EXISTS {q(t)} CASCADE;\n" for t in tables)
    env = _pg_env(connection.settings_dict)
    with tempfile.TemporaryDirectory(dir=dump.parent, prefix=".sql-") as tmp:
        prelude_file, script_file = Path(tmp) / "prelude.sql", Path(tmp) / "dump.sql"
        prelude_file.write_text(prelude, encoding="utf-8")
        script = subprocess.run([pg_restore, "--no-owner", "--no-acl", "-f", str(script_file), str(dump)],
                                env=env, capture_output=True, text=True)
        if script.returncode != 0 or not script_file.exists():
            raise BackupError("pg_restore 无法读取备份中的数据库文件，数据库保持原样：" + script.stderr.strip())
        load = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                               "-f", str(prelude_file), "-f", str(script_file)], env=env,
                              capture_output=True, text=True)
    if load.returncode != 0:
        raise BackupError("载入数据库失败（pg_restore/psql），数据库保持原样（整个恢复在一个事务中）："
                          + load.stderr.strip())


def _pending_migrations() -> int:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _compare_counts(manifest: dict) -> None:
    with connection.cursor() as cur:
        q = _Quote(connection.vendor)
        present = set(_tables_via(cur, connection.vendor))
        wrong = []
        for table, n in manifest["tables"].items():
            if table not in present:
                wrong.append(f"{table}（缺失）")
                continue
            cur.execute(f"SELECT COUNT(*) FROM {q(table)}")
            got = cur.fetchone()[0]
            if got != n:
                wrong.append(f"{table}（应为 {n} 行，实为 {got} 行）")
    if wrong:
        raise BackupError("恢复后的行数与备份清单不符：" + "；".join(wrong[:5]))
