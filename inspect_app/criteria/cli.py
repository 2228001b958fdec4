"""flask criteria export / import: the criteria workbook from the command line."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..services.criteria_versions import published_versions
from .export import ExportError, export_workbook
from .importer import Draft, import_workbook

criteria_group = AppGroup("criteria", help="Bảng tính tiêu chí (Excel): xuất và nhập một phiên bản; "
                                           "các phiên bản Sở đã ban hành ra YAML.")


@criteria_group.command("export")
@click.argument("checklist_id")
@click.argument("version", type=int)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export_command(checklist_id: str, version: int, path: Path) -> None:
    """Write CHECKLIST_ID version VERSION as an Excel workbook to PATH."""
    try:
        book = export_workbook(current_app.config["CATALOG_DIR"], checklist_id, version,
                               published_versions(db.session))
    except ExportError as error:
        click.echo(str(error), err=True)
        raise click.exceptions.Exit(1)
    book.save(path)
    click.echo(f"Đã xuất {checklist_id} phiên bản {version} ra {path}.")


@criteria_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Thư mục ghi bản nháp (checklists/ và rules/); không có thì chỉ kiểm tra.")
def import_command(path: Path, out: Path | None) -> None:
    """Check the workbook at PATH; with --out, write the draft version's YAML files there."""
    result = import_workbook(path, current_app.config["CATALOG_DIR"])
    if result.problems:
        for problem in result.problems:
            click.echo(str(problem), err=True)
        click.echo(f"Có {len(result.problems)} lỗi; chưa lưu gì.", err=True)
        raise click.exceptions.Exit(1)
    draft = result.draft
    if out is None:
        click.echo(f"{draft.checklist_id} phiên bản {draft.version}: hợp lệ (thêm --out THƯ_MỤC để ghi bản nháp).")
        return
    for written in draft.write(out):
        click.echo(f"Đã ghi {written}")


@criteria_group.command("yaml")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
def yaml_command(out: Path) -> None:
    """Write every version the department published (in the database) into OUT as checklists/ and rules/
    files, the catalog folder's layout, for review in version control."""
    published = published_versions(db.session)
    for version in published:
        for written in Draft(version.checklist_id, version.version, version.checklist_yaml, version.rules_yaml,
                             None).write(out):
            click.echo(f"Đã ghi {written}")
    if not published:
        click.echo("Chưa có phiên bản nào do Sở ban hành.")
