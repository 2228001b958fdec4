"""Backing up and restoring the whole app: the database and the stored files, in one verified archive.

The archive (tar.gz) holds `database/` (a SQLite copy, or a pg_dump custom-format dump), `files/<name>/` for
each files directory (photos and remediation evidence share PHOTO_DIR; the minutes PDFs live in the
database), and `manifest.json` last: format, creation time, database backend, Alembic revision and every
member's size and SHA-256. A restore extracts to a temporary place beside the target, checks every hash
against the manifest, and only then moves the copies in with renames.

SQLite is copied with its online backup API, so a database in WAL mode is copied as one consistent snapshot
(including transactions committed to the -wal file but not yet checkpointed) while the app keeps running.
Files are read after the database snapshot, so every file a snapshot row names is already there (files are
written before their rows commit); a photo deleted in between is the one thing a running app can make miss.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import URL, create_engine, inspect, text
from sqlalchemy.orm import Session

from . import ServiceError

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/inspect.db"
POSTGRES_MEMBER = "database/inspect.dump"
README_HINT = "xem mục “Sao lưu và khôi phục” trong README.md"


class BackupError(ServiceError):
    """A backup or restore that cannot go on; nothing has been changed."""


@dataclass(frozen=True)
class Target:
    """Where the app keeps its data: the database and the named files directories (e.g. photos → PHOTO_DIR)."""

    url: URL
    directories: dict[str, Path]

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    @property
    def sqlite_path(self) -> Path:
        if not self.url.database or self.url.database == ":memory:":
            raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được.")
        return Path(self.url.database)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    files: int  # stored files, the database not counted
    size: int  # bytes of the archive
    revision: str | None


@dataclass(frozen=True)
class RestoreResult:
    files: int
    created: str
    revision: str | None


def current_revision(session: Session) -> str | None:
    """The Alembic revision the database is at; None for a schema made without migrations (tests)."""
    if not inspect(session.get_bind()).has_table("alembic_version"):
        return None
    return session.scalar(text("SELECT version_num FROM alembic_version"))


def _file_sha256(path: Path) -> str:
    with path.open("rb") as opened:
        return hashlib.file_digest(opened, "sha256").hexdigest()


def _add(archive: tarfile.TarFile, name: str, data: bytes, entries: list[dict[str, Any]], mtime: float) -> None:
    """Add one member from memory, so that what is hashed is exactly what is written."""
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), mtime, 0o644
    archive.addfile(info, io.BytesIO(data))
    entries.append({"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})


def _sqlite_snapshot(path: Path, into: Path) -> None:
    """A consistent copy through the online backup API, in rollback-journal mode so that it is one file."""
    if not path.is_file():
        raise BackupError(f"Không tìm thấy cơ sở dữ liệu SQLite {path}.")
    source = sqlite3.connect(path, timeout=30)
    copy = sqlite3.connect(into)
    try:
        source.backup(copy)  # pages=-1: one step, under one read transaction: a single snapshot
        copy.execute("PRAGMA journal_mode=DELETE")
        if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"Bản sao cơ sở dữ liệu {path} bị lỗi (quick_check); chưa tạo bản sao lưu.")
    finally:
        copy.close()
        source.close()


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, which goes in the environment (not in `ps`)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"Không tìm thấy {name} (PostgreSQL client) trong PATH; {README_HINT}.")
    return found


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what} thất bại: {done.stderr.strip()[-2000:]}")


def _postgres_dump(url: URL, into: Path) -> None:
    dsn, env = _libpq(url)
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={into}",
          f"--dbname={dsn}"], env, "pg_dump")


def _stored_files(directory: Path) -> list[Path]:
    """Every file under a files directory, except the temporary files being written (dot names)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(directory).parts))


def backup_name(now: dt.datetime) -> str:
    return f"inspect-backup-{now:%Y%m%d-%H%M%S}.tar.gz"


def create_backup(target: Target, destination: Path, now: dt.datetime, revision: str | None) -> BackupResult:
    """Write one archive; `destination` is a file (*.tar.gz, *.tgz), else a directory that gets a dated file.

    The archive is written under a temporary name and renamed when complete: a failed backup leaves nothing.
    """
    is_file = destination.name.endswith((".tar.gz", ".tgz")) and not destination.is_dir()
    path = destination if is_file else destination / backup_name(now)
    if path.exists():
        raise BackupError(f"Tệp {path} đã có; chọn tên khác.")
    path.parent.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    moment = now.timestamp()
    files = 0
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=path.parent) as work:
        if target.backend == "sqlite":
            dump, member = Path(work) / "inspect.db", SQLITE_MEMBER
            _sqlite_snapshot(target.sqlite_path, dump)
        elif target.backend == "postgresql":
            dump, member = Path(work) / "inspect.dump", POSTGRES_MEMBER
            _postgres_dump(target.url, dump)
        else:
            raise BackupError(f"Chưa hỗ trợ sao lưu cơ sở dữ liệu {target.backend}; {README_HINT}.")
        partial = Path(work) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(dump, arcname=member, recursive=False)  # a private copy: streamed, not held in memory
            entries.append({"path": member, "size": dump.stat().st_size, "sha256": _file_sha256(dump)})
            for name, directory in sorted(target.directories.items()):
                for file in _stored_files(directory):
                    try:
                        data, mtime = file.read_bytes(), file.stat().st_mtime
                    except FileNotFoundError:  # a draft's photo deleted meanwhile (see the module docstring)
                        continue
                    _add(archive, f"files/{name}/{file.relative_to(directory).as_posix()}", data, entries, mtime)
                    files += 1
            manifest = {"format": FORMAT, "created": now.isoformat(), "backend": target.backend,
                        "alembic_revision": revision, "database": member,
                        "directories": sorted(target.directories), "files": entries}
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), moment, 0o644
            archive.addfile(info, io.BytesIO(data))
        os.replace(partial, path)
    return BackupResult(path=path, files=files, size=path.stat().st_size, revision=revision)


def _extract(archive_path: Path, into: Path) -> dict[str, Any]:
    """Extract and check every member against the manifest; the manifest, parsed."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(into, filter="data")  # no absolute paths, no "..", no links out
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"Không đọc được bản sao lưu {archive_path}: {error}") from None
    try:
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"Bản sao lưu {archive_path} không có {MANIFEST} hợp lệ.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Bản sao lưu {archive_path} có định dạng {manifest.get('format')!r}, không phải {FORMAT}.")
    listed = {entry["path"]: entry for entry in manifest["files"]}
    present = {p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file()} - {MANIFEST}
    problems = [f"thiếu {name}" for name in sorted(set(listed) - present)]
    problems += [f"thừa {name} (không có trong {MANIFEST})" for name in sorted(present - set(listed))]
    for name in sorted(set(listed) & present):
        if _file_sha256(into / name) != listed[name]["sha256"]:
            problems.append(f"{name} sai SHA-256")
    if problems:
        raise BackupError(f"Bản sao lưu {archive_path} không nguyên vẹn: " + "; ".join(problems[:20]) + ".")
    return manifest


def _nonempty(target: Target) -> list[str]:
    """What a restore would overwrite."""
    found = []
    if target.backend == "sqlite":
        path = target.sqlite_path
        found += [str(p) for p in (path, Path(f"{path}-wal")) if p.is_file() and p.stat().st_size > 0]
    else:
        engine = create_engine(target.url)
        try:
            tables = inspect(engine).get_table_names()
        finally:
            engine.dispose()
        if tables:
            found.append(f"cơ sở dữ liệu {target.url.database} ({len(tables)} bảng)")
    found += [str(d) for d in target.directories.values() if d.is_dir() and any(d.iterdir())]
    return found


def _swap_directory(staged: Path, directory: Path) -> None:
    """Put `staged` in place of `directory` with renames; the old one is removed only once the new one is in."""
    beside = Path(tempfile.mkdtemp(prefix=f".{directory.name}.restore-", dir=directory.parent))
    incoming = beside / "new"
    shutil.move(staged, incoming)  # a rename on the same filesystem, a copy otherwise
    old = beside / "old"
    if directory.exists():
        os.replace(directory, old)
    os.replace(incoming, directory)
    shutil.rmtree(beside)


def restore_backup(archive_path: Path, target: Target, force: bool = False,
                   known_revisions: frozenset[str] = frozenset()) -> RestoreResult:
    """Check the archive, refuse to overwrite data unless forced, then move the database and files in.

    A database at an Alembic revision this code does not know (not in `known_revisions`, when given) comes
    from a newer version of the app and is refused. Stop the app first: a running app would keep the old
    database open.
    """
    occupied = _nonempty(target)
    if occupied and not force:
        raise BackupError("Nơi khôi phục đã có dữ liệu: " + ", ".join(occupied) +
                          ". Dùng --force để ghi đè (hãy dừng ứng dụng trước).")
    # staged beside the database file (SQLite) or the first files directory, so that moving in is a rename
    first = next(iter(target.directories.values()), archive_path)
    staging_root = target.sqlite_path.parent if target.backend == "sqlite" else first.parent
    staging_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=staging_root) as work:
        staged = Path(work)
        manifest = _extract(archive_path, staged)
        revision = manifest["alembic_revision"]
        if known_revisions and revision is not None and revision not in known_revisions:
            raise BackupError(f"Bản sao lưu ở phiên bản cơ sở dữ liệu {revision}, mới hơn mã nguồn này; "
                              "hãy cập nhật ứng dụng trước khi khôi phục.")
        if manifest["backend"] != target.backend:
            raise BackupError(f"Bản sao lưu là của {manifest['backend']}, còn ứng dụng đang dùng {target.backend}.")
        unknown = set(manifest["directories"]) - set(target.directories)
        if unknown:
            raise BackupError(f"Bản sao lưu có thư mục tệp {', '.join(sorted(unknown))} mà ứng dụng không cấu hình.")
        if target.backend == "postgresql":
            dsn, env = _libpq(target.url)
            _run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
                  *(["--clean", "--if-exists"] if occupied else []), f"--dbname={dsn}",
                  str(staged / manifest["database"])], env, "pg_restore")
        for name in manifest["directories"]:
            folder = staged / "files" / name
            folder.mkdir(parents=True, exist_ok=True)
            directory = target.directories[name]
            directory.parent.mkdir(parents=True, exist_ok=True)
            _swap_directory(folder, directory)
        if target.backend == "sqlite":
            path = target.sqlite_path
            for stale in (Path(f"{path}-wal"), Path(f"{path}-shm")):  # an old WAL would be replayed into the copy
                stale.unlink(missing_ok=True)
            os.replace(staged / manifest["database"], path)
    files = sum(1 for entry in manifest["files"] if entry["path"].startswith("files/"))
    return RestoreResult(files=files, created=manifest["created"], revision=manifest["alembic_revision"])
