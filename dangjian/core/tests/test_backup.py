"""备份与恢复: `dangjian backup` writes one archive (database + attachments + manifest); `dangjian
restore` into another, empty instance (its own DANGJIAN_VAR_DIR / database, run as a separate
process) gives back the same DJX export and the same attachment bytes. A damaged archive, a target
that already holds data, and a key that does not fit are each refused before anything changes.

SQLite runs in the SQLite pass of CI, PostgreSQL (pg_dump/pg_restore into a second database on the
same server) in the PostgreSQL pass; each skips in the other's pass."""
from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from dangjian.core import backup, crypto
from dangjian.core.backup import BackupError

ENGINE = settings.DATABASES["default"]["ENGINE"]
SQLITE = ENGINE == "django.db.backends.sqlite3"
POSTGRES = ENGINE == "django.db.backends.postgresql"
MANAGE = str(Path(settings.BASE_DIR) / "manage.py")
EXAMPLE = Path(settings.BASE_DIR).parent / "shared" / "examples" / "two-branches-2025.djx.json"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "source" / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def branch_a_with_records(tree, people, users, media):
    """Branch A's personas (two with 公民身份号码) and a 主题党日 with its photo."""
    from dangjian.orglife.actions import do_add_attachment, do_record_meeting

    meeting = do_record_meeting(org=tree.a, type="theme_day", date=dt.date(2025, 6, 28), topic="六月主题党日",
                                present=[people.secretary_a, people.member_a], acting_user=users.secretary_a)
    return do_add_attachment(meeting, SimpleUploadedFile("会议现场.png", PNG, content_type="image/png"),
                             acting_user=users.secretary_a)


@pytest.fixture
def with_example(branch_a_with_records):
    """…plus the two-branch DJX example (meetings, talks, dues of two more branches)."""
    if EXAMPLE.exists():
        from dangjian.djx.actions import do_import_djx

        report = do_import_djx(json.loads(EXAMPLE.read_text(encoding="utf-8")), run_rules=False)
        assert not getattr(report, "errors", None)
    return branch_a_with_records


def djx_text() -> str:
    from dangjian.djx.exporter import export_document

    return json.dumps(export_document(log=False), ensure_ascii=False, indent=1) + "\n"


def instance_env(var_dir: Path, database_url: str | None) -> dict:
    env = dict(os.environ, DANGJIAN_VAR_DIR=str(var_dir), SECRET_KEY=settings.SECRET_KEY,
               FIELD_ENCRYPTION_KEY=settings.FIELD_ENCRYPTION_KEY, DJANGO_SETTINGS_MODULE="dangjian.settings")
    env.pop("FIELD_ENCRYPTION_OLD_KEYS", None)
    env.pop("DANGJIAN_TEST_DB", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    var_dir.mkdir(parents=True, exist_ok=True)
    return env


def dangjian(env, *args):
    return subprocess.run([sys.executable, MANAGE, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def second_instance(tmp_path):
    """Another installation: its own var dir (SQLite file, media) or, on PostgreSQL, its own empty database."""
    var_dir = tmp_path / "second"
    if not POSTGRES:
        yield instance_env(var_dir, None), var_dir
        return
    sd = connection.settings_dict
    name = f"{sd['NAME']}_restore_{secrets.token_hex(3)}"[:63]
    with connection.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    auth = f"{sd['USER']}:{sd['PASSWORD']}@" if sd.get("PASSWORD") else (f"{sd['USER']}@" if sd.get("USER") else "")
    url = f"postgres://{auth}{sd.get('HOST') or 'localhost'}:{sd.get('PORT') or 5432}/{name}"
    try:
        yield instance_env(var_dir, url), var_dir
    finally:
        with connection.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def backup_to(path: Path) -> dict:
    call_command("backup", output=str(path), stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
    with tarfile.open(path) as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def restore_round_trip(tmp_path, second_instance, photo):
    env, var_dir = second_instance
    expected = djx_text()
    assert "11010519491231002X" in expected  # the export carries the ID numbers: the key round-trips too
    archive = tmp_path / "dangjian-backup.tar"
    manifest = backup_to(archive)
    assert manifest["engine"] == connection.vendor and manifest["media_files"] == 1
    assert manifest["tables"]["people_person"] >= 4 and "people" in manifest["migrations"]
    assert settings.SECRET_KEY not in archive.read_bytes().decode("latin-1")  # no key in the archive

    done = dangjian(env, "restore", str(archive))
    assert done.returncode == 0, done.stderr
    assert "已从" in done.stdout
    # The archive may predate de-identifications and pruning: the operator is told to run them again.
    assert "dangjian anonymise_expired" in done.stdout and "dangjian prune_access_log" in done.stdout
    out = var_dir / "export.djx.json"
    exported = dangjian(env, "export", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert out.read_text(encoding="utf-8") == expected
    copied = var_dir / "media" / photo.file.name
    assert copied.read_bytes() == PNG == Path(photo.file.path).read_bytes()


# slow: two real `dangjian` processes (restore, export) against a second installation, as an operator runs them.
@pytest.mark.slow
@pytest.mark.skipif(not SQLITE, reason="SQLite 的备份与恢复在 CI 的 SQLite 轮次运行")
@pytest.mark.django_db(transaction=True)
def test_sqlite_backup_restored_into_an_empty_instance_gives_the_same_djx_export(
        tmp_path, second_instance, with_example):
    restore_round_trip(tmp_path, second_instance, with_example)


@pytest.mark.slow
@pytest.mark.skipif(not POSTGRES, reason="pg_dump/pg_restore 的备份与恢复在 CI 的 PostgreSQL 轮次运行")
@pytest.mark.django_db(transaction=True)
def test_postgresql_backup_restored_into_a_second_database_gives_the_same_djx_export(
        tmp_path, second_instance, with_example):
    restore_round_trip(tmp_path, second_instance, with_example)


@pytest.mark.django_db(transaction=True)
def test_a_damaged_archive_is_refused_and_changes_nothing(tmp_path, branch_a_with_records):
    from dangjian.people.models import Person

    archive = tmp_path / "b.tar"
    backup_to(archive)
    with tarfile.open(archive) as tar:
        offset = tar.getmember(backup.SQLITE_MEMBER if SQLITE else backup.PG_MEMBER).offset_data
    data = bytearray(archive.read_bytes())
    data[offset + 200] ^= 0xFF
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(data))
    before = Person.objects.count()
    with pytest.raises(BackupError, match="已损坏"):
        backup.restore_backup(damaged, force=True)
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[: len(data) // 2])
    with pytest.raises(BackupError, match="损坏|manifest"):
        backup.verify_archive(truncated)
    assert Person.objects.count() == before and Path(branch_a_with_records.file.path).read_bytes() == PNG


@pytest.mark.django_db(transaction=True)
def test_an_instance_with_data_is_not_overwritten_without_force(tmp_path, branch_a_with_records):
    archive = tmp_path / "b.tar"
    backup_to(archive)
    assert "人员" in backup.instance_contents()
    with pytest.raises(BackupError, match="目标实例不是空的.*--force"):
        backup.restore_backup(archive)


@pytest.mark.django_db(transaction=True)
def test_a_restore_under_another_key_is_refused_in_chinese(tmp_path, settings, branch_a_with_records):
    archive = tmp_path / "b.tar"
    manifest = backup_to(archive)
    assert manifest["key_ids"] == [crypto.key_id()]
    settings.FIELD_ENCRYPTION_KEY = "another-installation-key"
    with pytest.raises(BackupError, match="当前配置的密钥无法解密该备份中的公民身份号码"):
        backup.restore_backup(archive, force=True)
    settings.FIELD_ENCRYPTION_OLD_KEYS = [settings.SECRET_KEY]  # the key it was written with, kept as an old key
    backup.check_key(manifest)


def test_an_archive_from_a_newer_program_is_refused():
    manifest = {"migrations": {"people": ["9999_from_the_future"]}}
    with pytest.raises(BackupError, match="更新版本"):
        backup.check_migrations(manifest)


def test_an_archive_with_a_path_outside_its_folders_is_refused(tmp_path):
    import io

    import hashlib

    def archive(*members):
        """Members listed in the manifest with their right checksums: only the name check can refuse them."""
        evil = tmp_path / "evil.tar"
        listed = {name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in members}
        manifest = {"application": "dangjian", "format": backup.FORMAT, "members": listed}
        with tarfile.open(evil, "w") as tar:
            for name, data in (*members, ("manifest.json", json.dumps(manifest).encode())):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return evil

    db = (backup.SQLITE_MEMBER, b"SQLite format 3\x00")
    for name in ("media/../../etc/cron.d/x", "database/x\n", "media/a\\..\\b", "/etc/passwd"):
        with pytest.raises(BackupError, match="不应有的成员"):
            backup.verify_archive(archive(db, (name, b"* * * * * root sh")))
    with pytest.raises(BackupError, match="同名"):  # a file and a folder of the same name
        backup.verify_archive(archive(db, ("media/orglife", b"x"), ("media/orglife/a.png", PNG)))


@pytest.mark.skipif(not POSTGRES, reason="pg_restore 在 CI 的 PostgreSQL 轮次运行")
@pytest.mark.django_db(transaction=True)
def test_a_dump_pg_restore_cannot_read_leaves_every_table_in_place(tmp_path, branch_a_with_records):
    """The dump member is garbage (say, from a newer pg_dump) but the manifest's checksums match it:
    pg_restore fails, and nothing may have been dropped."""
    import hashlib
    import io

    from dangjian.people.models import Person

    archive = tmp_path / "b.tar"
    manifest = backup_to(archive)
    dump = b"PGDMP\x01\x63\x00garbage-from-a-newer-pg_dump" * 10
    manifest["members"] = {backup.PG_MEMBER: {"size": len(dump), "sha256": hashlib.sha256(dump).hexdigest()}}
    bad = tmp_path / "bad.tar"
    with tarfile.open(bad, "w") as tar:
        for name, data in ((backup.PG_MEMBER, dump), ("manifest.json", json.dumps(manifest).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    before = Person.objects.count()
    with pytest.raises(BackupError, match="pg_restore"):
        backup.restore_backup(bad, force=True)
    assert Person.objects.count() == before > 0

    manifest["server_version"] = "99.1"
    with pytest.raises(BackupError, match="99"):
        backup.check_server_version(manifest)


def test_a_database_without_tables_is_not_backed_up(tmp_path):
    """The cron job ran without the environment (DATABASE_URL unset): the program finds an empty SQLite
    file in its default place. That is refused in Chinese instead of writing an empty "backup"."""
    env = instance_env(tmp_path / "unconfigured", None)
    done = dangjian(env, "backup", "-o", str(tmp_path / "out"))
    assert done.returncode != 0 and "没有数据表" in done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.django_db(transaction=True)
def test_the_archive_is_private_from_its_first_byte_and_a_vanished_file_is_skipped(tmp_path, branch_a_with_records):
    seen = {}
    real = backup._media_files

    def files_one_of_which_is_deleted_meanwhile(root):
        part = tmp_path / "b.tar.part"
        seen["mode"] = part.stat().st_mode & 0o777
        return real(root) + [Path(root) / "orglife" / "vanished.png"]

    logged = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(backup, "_media_files", files_one_of_which_is_deleted_meanwhile)
        path, manifest = backup.create_backup(tmp_path / "b.tar", log=logged.append)
    assert seen["mode"] == 0o600 and (path.stat().st_mode & 0o777) == 0o600
    assert manifest["media_files"] == 1 and not any("vanished" in m for m in manifest["members"])
    assert any("vanished.png" in m and "跳过" in m for m in logged)


@pytest.mark.django_db(transaction=True)
def test_a_failed_backup_leaves_no_partial_file(tmp_path, branch_a_with_records):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(backup, "_HashingReader", None)  # packing the attachments fails
        with pytest.raises(TypeError):
            backup.create_backup(tmp_path / "b.tar")
    assert [p.name for p in tmp_path.iterdir() if p.name != "source"] == []  # no .part, no temporary folder


@pytest.mark.django_db(transaction=True)
def test_an_output_ending_in_a_separator_is_a_folder(tmp_path, branch_a_with_records):
    path, _ = backup.create_backup(str(tmp_path / "nightly") + os.sep)
    assert path.parent == tmp_path / "nightly" and path.name.startswith("dangjian-") and path.suffix == ".tar"


def test_a_forced_sqlite_restore_keeps_the_replaced_database(tmp_path):
    import sqlite3

    target, new = tmp_path / "dangjian.sqlite3", tmp_path / "dangjian.sqlite3.restore-x"
    for f, text in ((target, "旧"), (new, "新")):
        with sqlite3.connect(f) as c:
            c.execute("CREATE TABLE t (v TEXT)")
            c.execute("INSERT INTO t VALUES (?)", [text])
        c.close()
    kept = backup._swap_sqlite(new, target, keep=True, stamp="20261127-031500")
    assert kept == tmp_path / "dangjian.sqlite3.before-restore-20261127-031500"
    assert sqlite3.connect(kept).execute("SELECT v FROM t").fetchone() == ("旧",)
    assert sqlite3.connect(target).execute("SELECT v FROM t").fetchone() == ("新",)


def test_a_symlinked_media_folder_is_filled_in_place(tmp_path):
    """MEDIA_ROOT is a link to a bigger disk (or a mount point): it cannot be renamed away, so the restored
    files go into the folder it points to, and the old ones are kept beside it."""
    real = tmp_path / "bigdisk" / "media"
    (real / "orglife").mkdir(parents=True)
    (real / "orglife" / "old.png").write_bytes(b"old")
    media_root = tmp_path / "var" / "media"
    media_root.parent.mkdir()
    media_root.symlink_to(real, target_is_directory=True)
    restored = tmp_path / "var" / "media.restore-x"
    (restored / "orglife").mkdir(parents=True)
    (restored / "orglife" / "new.png").write_bytes(PNG)

    plan = backup.media_plan(media_root)
    assert plan == "in_place"
    kept = backup._swap_media(restored, media_root, plan, stamp="20261127-031500")
    assert media_root.is_symlink() and (real / "orglife" / "new.png").read_bytes() == PNG
    assert not (real / "orglife" / "old.png").exists() and (kept / "orglife" / "old.png").read_bytes() == b"old"
    assert not restored.exists()


def test_a_media_folder_that_cannot_be_replaced_is_refused_before_the_database(tmp_path):
    media_root = tmp_path / "media"
    media_root.write_text("不是文件夹")
    with pytest.raises(BackupError, match="附件目录"):
        backup.media_plan(media_root)
