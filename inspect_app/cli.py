"""Flask commands: init-db, units import, catalog check; backups and integrity in cli_backup."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select

from . import cli_backup
from .audit_cli import audit_group
from .criteria.cli import criteria_group
from .domain.catalog import CatalogError, load_catalog
from .extensions import db
from .models import ROLES, AdminUnit, Team, User
from .services import ServiceError
from .services.accounts import add_account, create_user, reset_password, set_active
from .services.demo import seed_demo_command
from .services.plan_reminders import plan_digests
from .services.reminders import build_digests, send_digests
from .services.teams import set_photo_location
from .services.units import import_groups, import_merges, import_units

catalog_group = AppGroup("catalog", help="Kiểm tra danh mục tiêu chí và luật.")
units_group = AppGroup("units", help="Nhập danh mục đơn vị hành chính.")
teams_group = AppGroup("teams", help="Thiết lập của các đoàn kiểm tra.")
UNITS_2020 = ("hanoi_units_2020.csv", dt.date(2020, 1, 1))
MERGES_2025 = ("hanoi_units_2025_merges.csv", dt.date(2025, 7, 1))
GROUPS_2025 = ("hanoi_groups_2025.csv", dt.date(2025, 7, 1))
DEMO_TEAM = "Đoàn kiểm tra số 1 - Sở Nội vụ"
DEMO_ACCOUNTS = [
    ("admin", "Nguyễn Văn An", "Chuyên viên Sở Nội vụ", "admin", {}),
    ("inspector", "Trần Thị Bình", "Chuyên viên Phòng Xây dựng chính quyền", "inspector", {"team": True}),
    ("district-badinh", "Lê Minh Châu", "Chuyên viên Sở Nội vụ theo dõi địa bàn Ba Đình", "district",
     {"district_code": "001"}),
    ("district-hoankiem", "Phạm Thu Dung", "Chuyên viên Sở Nội vụ theo dõi địa bàn Hoàn Kiếm", "district",
     {"district_code": "002"}),
    ("commune-badinh", "Vũ Thị Giang", "Chuyên viên Văn phòng HĐND và UBND phường Ba Đình", "commune",
     {"commune_code": "00004"}),
    ("commune-phucxa", "Hoàng Văn Em", "Công chức Văn phòng - Thống kê phường Phúc Xá (đến 30/6/2025)", "commune",
     {"commune_code": "00001"}),
]


def _fail(message: str) -> None:
    click.echo(message, err=True)
    raise click.exceptions.Exit(1)


@catalog_group.command("check")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="Thư mục chứa checklists/ và rules/ (mặc định: thư mục của ứng dụng).")
def check_catalog(directory: str | None) -> None:
    """Validate checklists/ and rules/ and list every problem with its file and line."""
    root = Path(directory or current_app.config["CATALOG_DIR"])
    try:
        catalog = load_catalog(root)
    except CatalogError as error:
        _fail("\n".join(error.problems))
    for versions in catalog.checklists.values():
        for checklist in versions:
            rules = catalog.ruleset(checklist).rules
            click.echo(f"{checklist.key}: {len(checklist.items)} tiêu chí, {len(rules)} luật — hợp lệ")
    instruments = catalog.register.instruments.values()
    click.echo(f"Sổ đăng ký văn bản: {len(instruments)} văn bản, "
               f"{sum(i.verified for i in instruments)} đã xác minh.")
    for warning in catalog.warnings:
        click.echo(f"Cảnh báo: {warning}")


@units_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--valid-from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Ngày bắt đầu hiệu lực.")
def units_import(path: Path, valid_from: dt.datetime) -> None:
    """Import districts and communes (columns of hanoi_units_2020.csv)."""
    try:
        result = import_units(db.session, path, valid_from.date())
    except ServiceError as error:
        _fail(error.message)
    db.session.commit()
    click.echo(f"Đã thêm {result.created} đơn vị, bỏ qua {result.skipped} đơn vị đã có.")


@units_group.command("import-merges")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--effective", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Ngày sáp nhập có hiệu lực.")
def units_import_merges(path: Path, effective: dt.datetime) -> None:
    """Import a reform (columns of hanoi_units_2025_merges.csv): new communes, old ones ended."""
    try:
        result = import_merges(db.session, path, effective.date())
    except ServiceError as error:
        _fail(error.message)
    db.session.commit()
    click.echo(f"Đã thêm {result.created} xã mới, kết thúc hiệu lực {result.ended} đơn vị cũ.")


@units_group.command("import-groups")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--effective", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Ngày áp dụng cách chia cụm.")
def units_import_groups(path: Path, effective: dt.datetime) -> None:
    """Group the communes into the department's areas (columns of hanoi_groups_2025.csv)."""
    try:
        result = import_groups(db.session, path, effective.date())
    except ServiceError as error:
        _fail(error.message)
    db.session.commit()
    click.echo(f"Đã thêm {result.created} cụm, kết thúc {result.ended} cụm cũ.")


def load_reference_units() -> None:
    """Load the bundled 2020 units, the 2025 merges and the department's groups unless units are there."""
    if db.session.scalar(select(func.count(AdminUnit.id))):
        return
    units_dir = Path(current_app.config["UNITS_DIR"])
    files = (UNITS_2020, MERGES_2025, GROUPS_2025)
    for name, _ in files:
        if not (units_dir / name).is_file():
            _fail(f"Không tìm thấy tệp đơn vị hành chính {units_dir / name} (đặt INSPECT_UNITS_DIR).")
    for (name, day), load in zip(files, (import_units, import_merges, import_groups)):
        load(db.session, units_dir / name, day)
    db.session.commit()


def create_demo_accounts(password: str) -> int:
    team = db.session.scalar(select(Team).where(Team.name == DEMO_TEAM)) or Team(name=DEMO_TEAM)
    db.session.add(team)
    created = 0
    for username, name, position, role, scope in DEMO_ACCOUNTS:
        if db.session.scalar(select(User).where(User.username == username)):
            continue
        create_user(db.session, username, password, name, role, position=position,
                    district_code=scope.get("district_code"), commune_code=scope.get("commune_code"),
                    team=team if scope.get("team") else None)
        created += 1
    db.session.commit()
    return created


@click.command("init-db")
@with_appcontext
@click.option("--demo", is_flag=True, help="Tạo thêm các tài khoản mẫu (mật khẩu: INSPECT_DEMO_PASSWORD).")
def init_db(demo: bool) -> None:
    """Create or upgrade the schema, load the administrative units, optionally demo accounts."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    load_reference_units()
    click.echo("Đã khởi tạo cơ sở dữ liệu.")
    if demo:
        created = create_demo_accounts(current_app.config["DEMO_PASSWORD"])
        names = ", ".join(a[0] for a in DEMO_ACCOUNTS)
        click.echo(f"Đã tạo {created} tài khoản mẫu: {names}." if created else f"Các tài khoản mẫu đã có: {names}.")


@click.command("remind")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Ngày tính hạn (YYYY-MM-DD).")
@click.option("--print", "print_only", is_flag=True, help="Chỉ in bản tin, không gửi thư.")
@with_appcontext
def remind(as_of: dt.datetime, print_only: bool) -> None:
    """Send (or print) each district's digest of remediation due soon and overdue, and the plans' reminders:
    report deadlines to the department, planned windows to each team."""
    day = as_of.date()
    calendar = current_app.extensions["catalog"].current(db.session).calendar
    digests = [*build_digests(db.session, calendar, day), *plan_digests(db.session, calendar, day)]
    smtp = current_app.config.get("SMTP")
    if print_only or not smtp:
        for digest in digests:
            click.echo(f"== {digest.subject(day)}\nNgười nhận: {', '.join(digest.recipients) or '(chưa có địa chỉ thư)'}")
            click.echo(digest.body(day) + "\n")
        click.echo(f"{len(digests)} bản tin." + ("" if smtp or print_only else " (Chưa cấu hình SMTP: chỉ in ra.)"))
        return
    sent = send_digests(digests, day, smtp)
    click.echo(f"Đã gửi {sent} thư nhắc việc ({len(digests)} bản tin).")


@teams_group.command("photo-location")
@click.argument("team")
@click.argument("setting", type=click.Choice(["on", "off"]))
@click.option("--by", "admin", required=True, help="Tên đăng nhập của quản trị viên thực hiện (ghi vào nhật ký).")
def team_photo_location(team: str, setting: str, admin: str) -> None:
    """Keep (on) or strip (off, the default) where the team's photos were taken; TEAM is its id or name."""
    actor = db.session.scalar(select(User).where(User.username == admin))
    if actor is None:
        _fail(f"Không có tài khoản “{admin}”.")
    try:
        found, changed = set_photo_location(db.session, actor, team, setting == "on")
    except ServiceError as error:
        _fail(error.message)
    state = "lưu vị trí chụp ảnh" if found.keep_photo_location else "không lưu vị trí chụp ảnh (mặc định)"
    click.echo(f"{found.name}: {'đã chuyển sang' if changed else 'vẫn'} {state}.")


users_group = AppGroup("users", help="Tài khoản: tạo, đặt lại mật khẩu, khóa, mở khóa, liệt kê.")


def _new_password() -> str:
    """Typed twice, never echoed, never an argument (it would show in the process list and the shell history)."""
    return click.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")


def _account_call(action, *args, **kwargs):
    try:
        return action(db.session, *args, **kwargs)
    except ServiceError as error:
        problems = error.details.get("errors", {})
        _fail(error.message + "".join(f"\n  {field}: {text}" for field, text in problems.items()))


@users_group.command("create")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Họ và tên.")
@click.option("--role", required=True, type=click.Choice(list(ROLES)), help="Vai trò.")
@click.option("--position", default="", help="Chức vụ, đơn vị.")
@click.option("--email", default=None, help="Thư điện tử nhận nhắc việc.")
@click.option("--district", "district_code", default=None, help="Mã địa bàn (vai trò district).")
@click.option("--commune", "commune_code", default=None, help="Mã xã, phường (vai trò commune).")
@click.option("--team", "team_name", default=None, help="Tên đoàn kiểm tra (vai trò inspector; tạo mới nếu chưa có).")
def users_create(username: str, **fields) -> None:
    """Tạo tài khoản; mật khẩu được hỏi (nhập hai lần, không hiện)."""
    user = _account_call(add_account, username, _new_password(), **fields)
    click.echo(f"Đã tạo tài khoản {user.username} ({ROLES[user.role]}).")


@users_group.command("reset-password")
@click.argument("username")
def users_reset_password(username: str) -> None:
    """Đặt lại mật khẩu của một tài khoản; mọi phiên đăng nhập của tài khoản đó kết thúc."""
    user = _account_call(reset_password, username, _new_password())
    click.echo(f"Đã đặt lại mật khẩu của {user.username}; các phiên đăng nhập cũ đã kết thúc.")


@users_group.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Khóa tài khoản (người đã chuyển công tác): không đăng nhập được, các phiên đang mở kết thúc."""
    user, changed = _account_call(set_active, username, False)
    click.echo(f"{'Đã khóa' if changed else 'Vẫn khóa'} tài khoản {user.username}.")


@users_group.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    """Mở khóa tài khoản."""
    user, changed = _account_call(set_active, username, True)
    click.echo(f"{'Đã mở khóa' if changed else 'Tài khoản vẫn đang mở:'} {user.username}.")


@users_group.command("list")
def users_list() -> None:
    """Mọi tài khoản: tên đăng nhập, vai trò, phạm vi, khóa hay không."""
    for user in db.session.scalars(select(User).order_by(User.role, User.username)):
        scope = user.district_code or user.commune_code or (user.team.name if user.team else "")
        click.echo("\t".join([user.username, user.role, user.full_name, scope, "" if user.active else "đã khóa"]))


def register(app: Flask) -> None:
    app.cli.add_command(users_group)
    app.cli.add_command(catalog_group)
    app.cli.add_command(units_group)
    app.cli.add_command(teams_group)
    app.cli.add_command(init_db)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(remind)
    cli_backup.register(app)
    app.cli.add_command(audit_group)
    app.cli.add_command(criteria_group)
