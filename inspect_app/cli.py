"""Flask commands: `flask --app inspect_app catalog check`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from .domain.catalog import CatalogError, load_catalog

catalog_group = AppGroup("catalog", help="Kiểm tra danh mục tiêu chí và luật.")


@catalog_group.command("check")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="Thư mục chứa checklists/ và rules/ (mặc định: thư mục của ứng dụng).")
def check_catalog(directory: str | None) -> None:
    """Validate checklists/ and rules/ and list every problem with its file and line."""
    from flask import current_app

    root = Path(directory or current_app.config["CATALOG_DIR"])
    try:
        catalog = load_catalog(root)
    except CatalogError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        raise click.exceptions.Exit(1)
    for versions in catalog.checklists.values():
        for checklist in versions:
            rules = catalog.rulesets[checklist.id].rules
            click.echo(f"{checklist.key}: {len(checklist.items)} tiêu chí, {len(rules)} luật — hợp lệ")


def register(app: Flask) -> None:
    app.cli.add_command(catalog_group)
