"""`flask --app inspect_app audit verify`: recompute the audit trail's hash chain."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from .extensions import db
from .services.audit import verify_chain

audit_group = AppGroup("audit", help="Nhật ký thay đổi.")


@audit_group.command("verify")
def verify() -> None:
    """Check every entry against its hash and the one before; exit 1 at the first that does not hold."""
    report = verify_chain(db.session)
    if report.broken_at is not None:
        click.echo(f"Nhật ký thay đổi KHÔNG còn nguyên vẹn: {report.problem}. "
                   f"Đã kiểm tra {report.entries} mục; các mục trước đó vẫn khớp.", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"Nhật ký thay đổi nguyên vẹn: {report.entries} mục, mã băm cuối chuỗi {report.head}. "
               "Hãy ghi lại mã này ở nơi khác để phát hiện cả việc xóa các mục mới nhất.")
