"""Backup, restore and verify-minutes through the real commands, on SQLite (and pg_dump/pg_restore on PostgreSQL).

The SQLite backup runs while another connection holds a transaction committed to the WAL but not yet
checkpointed, and one not yet committed: the restored copy has the first and not the second.
"""
from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import tarfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url

from conftest import PASSWORD, finalize_with_details, make_app, seed, tiny_pdf
from inspect_app.extensions import db
from inspect_app.models import Inspection, MinutesDocument, Photo, RemediationAction, RemediationEvidence, User
from inspect_app.services import inspections, remediation

DATA = Path(__file__).resolve().parent.parent / "data"
VARIED = {"GT-03": "khong", "CK-05": "no", "TG-02": 3}  # compliant but for a few findings: actions to evidence


def user(name):
    return db.session.scalar(select(User).where(User.username == name))


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def finalised_inspection(app, catalog) -> int:
    """A finalised inspection with a photo, its frozen minutes, and PDF evidence for one finding."""
    with app.app_context():
        answers = json.loads((DATA / "compliant.json").read_text(encoding="utf-8"))["answers"] | VARIED
        inspection, _ = inspections.create_inspection(db.session, catalog, user("inspector"), {
            "client_id": "tablet-backup-0001", "checklist": "papi-xa", "commune_code": "00001",
            "inspection_date": "2020-09-15", "villages": 12,
            "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}],
            "commune_reps": [{"name": "Nguyễn Văn Cường", "position": "Chủ tịch UBND phường"}]})
        inspections.save_answers(db.session, catalog, user("inspector"), inspection.id, answers, None,
                                 inspection.version)
        photo_dir = Path(app.config["PHOTO_DIR"])
        inspections.add_photo(db.session, user("inspector"), inspection.id, "CK-01", io.BytesIO(jpeg()), "anh.jpg",
                              photo_dir, catalog)
        finalize_with_details(db.session, catalog, user("inspector"), inspection.id)
        action = db.session.scalars(select(RemediationAction)).first()
        remediation.submit_evidence(db.session, user("commune-phucxa"), action.id, "Đã niêm yết",
                                    remediation.Upload(io.BytesIO(tiny_pdf()), "mc.pdf",
                                                       "application/pdf"), photo_dir)
        return inspection.id


@pytest.fixture
def source(tmp_path, password_hash, catalog):
    (tmp_path / "live").mkdir()
    app = make_app(f"sqlite:///{tmp_path / 'live' / 'inspect.db'}", tmp_path / "live")
    seed(app, password_hash)
    inspection_id = finalised_inspection(app, catalog)
    yield app, inspection_id
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def empty_app(root: Path):
    """An app configured on a place with nothing in it yet: where a backup is restored."""
    return make_app(f"sqlite:///{root / 'inspect.db'}", root)


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_backup_while_writes_are_pending_then_restore_into_an_empty_place(source, tmp_path):
    app, inspection_id = source
    database = tmp_path / "live" / "inspect.db"
    committed = sqlite3.connect(database)
    committed.execute("PRAGMA wal_autocheckpoint=0")  # the commit stays in inspect.db-wal
    committed.execute("UPDATE inspection SET place = 'Hội trường (đã ghi vào WAL)' WHERE id = ?", (inspection_id,))
    committed.commit()
    pending = sqlite3.connect(database, isolation_level=None)
    pending.execute("BEGIN IMMEDIATE")  # a writer holding the lock, with a change not yet committed
    pending.execute("UPDATE user_account SET full_name = 'chưa lưu' WHERE username = 'admin'")
    marker = "đã ghi vào WAL".encode()
    assert marker in Path(f"{database}-wal").read_bytes() and marker not in database.read_bytes()
    try:
        done = run(app, "backup", str(tmp_path / "backups"))
    finally:
        pending.execute("ROLLBACK")
        pending.close()
        committed.close()
    assert done.exit_code == 0, done.output
    assert "Đã sao lưu cơ sở dữ liệu và 2 tệp" in done.output
    archive = next((tmp_path / "backups").glob("inspect-backup-*.tar.gz"))
    with tarfile.open(archive) as opened:
        names = opened.getnames()
        manifest = json.load(opened.extractfile("manifest.json"))
    assert names[-1] == "manifest.json" and manifest["backend"] == "sqlite"
    assert {entry["path"].split("/")[0] for entry in manifest["files"]} == {"database", "files"}

    restored = empty_app(tmp_path / "restored")
    done = run(restored, "restore", str(archive))
    assert done.exit_code == 0, done.output
    assert "tất cả nguyên vẹn" in done.output
    with restored.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        assert inspection.place == "Hội trường (đã ghi vào WAL)"
        assert user("admin").full_name != "chưa lưu"
        folder = Path(restored.config["PHOTO_DIR"])
        for row in [*db.session.scalars(select(Photo)), *db.session.scalars(select(RemediationEvidence))]:
            assert hashlib.sha256((folder / row.stored_name).read_bytes()).hexdigest() == row.sha256
        frozen = db.session.scalar(select(MinutesDocument.pdf))
    assert run(restored, "verify-minutes").exit_code == 0

    client = restored.test_client()
    assert client.post("/api/v1/login", json={"username": "inspector", "password": PASSWORD}).status_code == 200
    served = client.get(f"/api/v1/inspections/{inspection_id}/minutes.pdf")
    assert served.status_code == 200 and served.data == frozen
    with restored.app_context():
        db.session.remove()
        db.engine.dispose()


def test_verify_minutes_names_a_changed_and_a_missing_pdf(db_app, catalog):
    app, inspection_id = db_app, finalised_inspection(db_app, catalog)
    assert run(app, "verify-minutes").output.startswith("Đã kiểm tra 1 biên bản: tất cả nguyên vẹn.")
    with app.app_context():
        document = db.session.scalar(select(MinutesDocument))
        number = document.number
        pdf = document.pdf
        document.pdf = pdf[:100] + bytes([pdf[100] ^ 1]) + pdf[101:]  # one bit flipped, same length
        db.session.commit()
    done = run(app, "verify-minutes")
    assert done.exit_code == 1
    assert f"Biên bản số {number} của phiếu kiểm tra #{inspection_id} (Phường Phúc Xá, 15/09/2020) bị thay đổi" \
        in done.output
    with app.app_context():  # the PDF and its hash changed together: the inspection's copy of the hash differs
        document = db.session.scalar(select(MinutesDocument))
        document.sha256 = hashlib.sha256(document.pdf).hexdigest()
        db.session.commit()
    done = run(app, "verify-minutes")
    assert done.exit_code == 1 and f"Biên bản số {number}" in done.output and "bị thay đổi" in done.output
    with app.app_context():
        db.session.execute(MinutesDocument.__table__.delete())
        db.session.commit()
    done = run(app, "verify-minutes")
    assert done.exit_code == 1
    assert f"Biên bản (không còn số) của phiếu kiểm tra #{inspection_id} (Phường Phúc Xá, 15/09/2020) bị mất" \
        in done.output


def test_restore_refuses_a_tampered_archive_and_a_non_empty_target(source, tmp_path):
    app, _ = source
    archive = tmp_path / "one.tar.gz"
    assert run(app, "backup", str(archive)).exit_code == 0
    assert run(app, "backup", str(archive)).exit_code == 1  # never overwrites a backup

    done = run(app, "restore", str(archive))
    assert done.exit_code == 1 and "Nơi khôi phục đã có dữ liệu" in done.output and "--force" in done.output

    target = tmp_path / "restored"
    tampered = rewritten(archive, tmp_path / "tampered.tar.gz", ".pdf", lambda data: data + b"x")
    done = run(empty_app(target), "restore", str(tampered))
    assert done.exit_code == 1 and "sai SHA-256" in done.output and ".pdf" in done.output
    assert not (target / "inspect.db").exists() and not any((target / "photos").glob("*"))

    def from_the_future(data: bytes) -> bytes:
        return json.dumps(json.loads(data) | {"alembic_revision": "9999"}).encode()

    newer = rewritten(archive, tmp_path / "newer.tar.gz", "manifest.json", from_the_future)
    done = run(empty_app(target), "restore", str(newer))
    assert done.exit_code == 1 and "phiên bản cơ sở dữ liệu 9999, mới hơn mã nguồn" in done.output
    assert not (target / "inspect.db").exists()


def rewritten(archive: Path, into: Path, suffix: str, change) -> Path:
    """A copy of the archive with the members named …suffix changed."""
    with tarfile.open(archive) as original, tarfile.open(into, "w:gz") as copy:
        for member in original.getmembers():
            data = original.extractfile(member).read()
            if member.name.endswith(suffix):
                data = change(data)
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return into


def test_forced_restore_replaces_the_data_and_drops_the_old_wal(source, tmp_path):
    app, inspection_id = source
    archive = tmp_path / "one.tar.gz"
    assert run(app, "backup", str(archive)).exit_code == 0
    with app.app_context():
        db.session.execute(update(Inspection).values(place="đổi sau khi sao lưu"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    done = run(app, "restore", "--force", str(archive))
    assert done.exit_code == 0, done.output
    with app.app_context():
        assert db.session.get(Inspection, inspection_id).place != "đổi sau khi sao lưu"


def test_postgresql_backup_restores_into_another_database(tmp_path, password_hash, catalog, postgres_url,
                                                          monkeypatch):
    """pg_dump (custom format) of a throwaway database, pg_restore into another: same rows, same minutes."""
    server = make_url(postgres_url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    copy_name = f"{server.database}_restored"
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {copy_name}")
        connection.exec_driver_sql(f"CREATE DATABASE {copy_name}")
    app = make_app(postgres_url, tmp_path / "live")
    seed(app, password_hash)
    restored = make_app(server.set(database=copy_name).render_as_string(hide_password=False), tmp_path / "copy")
    try:
        inspection_id = finalised_inspection(app, catalog)
        archive = tmp_path / "pg.tar.gz"
        done = run(app, "backup", str(archive))
        assert done.exit_code == 0, done.output
        done = run(restored, "restore", str(archive))
        assert done.exit_code == 0, done.output
        counts = {}
        for each in (app, restored):
            with each.app_context():
                counts[each] = {table.name: db.session.scalar(select(func.count()).select_from(table))
                                for table in db.metadata.sorted_tables}
                db.session.remove()
        assert counts[app] == counts[restored] and counts[restored]["minutes_document"] == 1
        assert run(restored, "verify-minutes").exit_code == 0
        with restored.app_context():
            assert db.session.get(Inspection, inspection_id).minutes_sha256
            assert db.session.execute(text("SELECT count(*) FROM answer")).scalar() > 50
        assert run(restored, "restore", str(archive)).exit_code == 1  # not over data without --force
        done = run(restored, "restore", "--force", str(archive))  # --clean: the tables dropped, then restored
        assert done.exit_code == 0, done.output
        with restored.app_context():
            assert db.session.scalar(select(func.count()).select_from(MinutesDocument)) == 1
            db.session.remove()
        monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump: a clear refusal, not a traceback
        done = run(app, "backup", str(tmp_path / "again.tar.gz"))
        assert done.exit_code == 1 and "Không tìm thấy pg_dump" in done.output and "README.md" in done.output
        assert not (tmp_path / "again.tar.gz").exists()
    finally:
        for each in (app, restored):
            with each.app_context():
                db.session.remove()
                db.engine.dispose()
        with app.app_context():
            db.drop_all()
            db.engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {copy_name} WITH (FORCE)")
        admin.dispose()
