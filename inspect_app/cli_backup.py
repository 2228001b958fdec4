"""Flask commands for integrity and backups: verify-minutes, backup, restore (registered from cli.py)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import with_appcontext

from .extensions import db
from .services.backup import BackupError, Target, create_backup, current_revision, restore_backup
from .services.integrity import verify_minutes

# The files directories a backup holds, by name; remediation evidence is stored in PHOTO_DIR too, and the
# minutes PDFs in the database.
FILE_DIRECTORIES = {"photos": "PHOTO_DIR"}


def _fail(message: str) -> None:
    click.echo(message, err=True)
    raise click.exceptions.Exit(1)


def _target() -> Target:
    return Target(url=db.engine.url,
                  directories={name: Path(current_app.config[key]) for name, key in FILE_DIRECTORIES.items()})


@click.command("verify-minutes")
@with_appcontext
def verify_minutes_command() -> None:
    """Check every frozen minutes PDF against its SHA-256; exit 1 when one is missing or changed."""
    report = verify_minutes(db.session)
    db.session.rollback()
    if not report.problems:
        click.echo(f"Đã kiểm tra {report.checked} biên bản: tất cả nguyên vẹn.")
        return
    lines = [problem.describe() for problem in report.problems]
    _fail(f"Đã kiểm tra {report.checked} biên bản: {len(lines)} biên bản có vấn đề.\n" + "\n".join(lines))


@click.command("backup")
@click.argument("destination", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(destination: Path) -> None:
    """Write the database and the stored files to one archive (a file, or a dated file in a directory)."""
    revision = current_revision(db.session)
    db.session.rollback()
    try:
        result = create_backup(_target(), destination, dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
                               revision)
    except BackupError as error:
        _fail(error.message)
    click.echo(f"Đã sao lưu cơ sở dữ liệu và {result.files} tệp vào {result.path} "
               f"({result.size / 1024 / 1024:.1f} MB, phiên bản CSDL {result.revision or 'không rõ'}).")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Ghi đè cơ sở dữ liệu và thư mục tệp đang có (dừng ứng dụng trước).")
@with_appcontext
def restore_command(archive: Path, force: bool) -> None:
    """Restore a backup into the configured database and files directories, after checking every hash."""
    target = _target()
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    db.session.remove()
    db.engine.dispose()  # no pooled connection may keep the old database open
    try:
        result = restore_backup(archive, target, force=force,
                                known_revisions=frozenset(r.revision for r in scripts.walk_revisions()))
    except BackupError as error:
        _fail(error.message)
    click.echo(f"Đã khôi phục bản sao lưu lúc {result.created} ({result.files} tệp, "
               f"phiên bản CSDL {result.revision or 'không rõ'}).")
    report = verify_minutes(db.session)
    db.session.remove()
    if report.problems:
        _fail("Biên bản không nguyên vẹn sau khi khôi phục:\n" + "\n".join(p.describe() for p in report.problems))
    click.echo(f"Đã kiểm tra {report.checked} biên bản: tất cả nguyên vẹn.")
    head = scripts.get_current_head()
    if result.revision is not None and result.revision != head:
        click.echo(f"Cơ sở dữ liệu ở phiên bản {result.revision}, mã nguồn ở {head}: "
                   "chạy `flask --app inspect_app init-db` để nâng cấp.")


def register(app: Flask) -> None:
    app.cli.add_command(verify_minutes_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
