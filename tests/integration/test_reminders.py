"""Reminders: digests per district, printed or sent to a real local SMTP server (aiosmtpd)."""
from __future__ import annotations

import datetime as dt
import json
import socket
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from conftest import finalize_with_details
from inspect_app.extensions import db
from inspect_app.models import RemediationAction, User
from inspect_app.services import inspections as service
from inspect_app.services.reminders import SmtpSettings, build_digests, send_digests

DATA = Path(__file__).resolve().parent.parent / "data"


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    with socket.socket() as probe:  # a free port: aiosmtpd's start() cannot be told port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def finalised(catalog, actor, client_id, commune, answers):
    user = db.session.scalar(select(User).where(User.username == actor))
    base = json.loads((DATA / "compliant.json").read_text(encoding="utf-8"))["answers"]
    inspection, _ = service.create_inspection(db.session, catalog, user, {
        "client_id": client_id, "checklist": "papi-xa", "commune_code": commune, "inspection_date": "2020-09-15",
        "villages": 12, "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}]})
    service.save_answers(db.session, catalog, user, inspection.id, base | answers, {}, inspection.version)
    return finalize_with_details(db.session, catalog, user, inspection.id)[0]


@pytest.fixture
def reminders_app(db_app, catalog):
    """Ba Đình: GT-04 due 18/09 and GT-03 due 18/09/2020 (3wd); Hoàn Kiếm: MT-03 due 22/09 (5wd)."""
    with db_app.app_context():
        finalised(catalog, "inspector", "reminder-badinh-01", "00001", {"GT-03": "khong", "GT-04": "no"})
        finalised(catalog, "admin", "reminder-hoankiem-1", "00037", {"MT-03": "no", "CK-02": "no"})
        for user in db.session.scalars(select(User)):
            user.email = f"{user.username}@example.test"
        verified = db.session.scalar(select(RemediationAction).where(RemediationAction.commune_code == "00037",
                                                                     RemediationAction.deadline == dt.date(2020, 9, 22))
                                     .order_by(RemediationAction.id).limit(1))
        verified.status = "verified"  # CK-02 (5wd, 22/09) fixed: never reminded
        db.session.commit()
    return db_app


def digests_on(app, day):
    with app.app_context():
        return {d.district_code: d for d in build_digests(db.session, app.extensions["catalog"].loaded.calendar, day)}


def test_due_within_five_working_days_and_overdue(reminders_app):
    before = digests_on(reminders_app, dt.date(2020, 9, 10))  # 18/09 is 6 working days away: nothing yet
    assert before == {}
    soon = digests_on(reminders_app, dt.date(2020, 9, 11))  # 18/09 is the 5th working day after 11/09
    assert set(soon) == {"001"}
    assert [line.code for line in soon["001"].due_soon] == ["GT-03", "GT-04"] and soon["001"].overdue == []
    later = digests_on(reminders_app, dt.date(2020, 9, 21))
    assert [line.code for line in later["001"].overdue] == ["GT-03", "GT-04"]
    assert [line.code for line in later["002"].due_soon] == ["MT-03"]
    assert later["001"].recipients == ["district-badinh@example.test"]
    body = later["001"].body(dt.date(2020, 9, 21))
    assert "hạn 18/09/2020 (quá hạn 3 ngày)" in body and "Phường Phúc Xá" in body


def test_sent_to_a_real_smtp_server(reminders_app, smtp_server):
    inbox, port = smtp_server
    reminders_app.config["SMTP"] = SmtpSettings(host="127.0.0.1", port=port, sender="kiemtra@example.test")
    result = reminders_app.test_cli_runner().invoke(args=["remind", "--as-of", "2020-09-21"])
    assert result.exit_code == 0, result.output
    assert "Đã gửi 2 thư" in result.output
    by_recipient = {tuple(rcpt): message for rcpt, message in inbox.messages}
    badinh = by_recipient[("district-badinh@example.test",)]
    assert badinh["Subject"] == "[Kiểm tra PAPI] Quận Ba Đình: 2 việc quá hạn, 0 việc sắp đến hạn (21/09/2020)"
    assert "[GT-03] Phường Phúc Xá" in badinh.get_content()
    hoankiem = by_recipient[("district-hoankiem@example.test",)]
    assert "MT-03" in hoankiem.get_content() and "CK-02" not in hoankiem.get_content()


def test_printed_when_smtp_is_not_configured(reminders_app):
    reminders_app.config["SMTP"] = None
    result = reminders_app.test_cli_runner().invoke(args=["remind", "--as-of", "2020-09-21"])
    assert result.exit_code == 0
    assert "Quận Ba Đình: 2 việc quá hạn" in result.output and "Chưa cấu hình SMTP" in result.output
    bad = reminders_app.test_cli_runner().invoke(args=["remind", "--as-of", "21/09/2020"])
    assert bad.exit_code == 2


def test_send_digests_skips_districts_without_recipients(smtp_server):
    inbox, port = smtp_server
    from inspect_app.services.reminders import DistrictDigest, ReminderLine

    line = ReminderLine("GT-03", "Phường Phúc Xá", "Không niêm yết", dt.date(2020, 9, 18), "open")
    digests = [DistrictDigest("001", "Quận Ba Đình", ["a@example.test"], overdue=[line]),
               DistrictDigest("002", "Quận Hoàn Kiếm", [], overdue=[line])]
    assert send_digests(digests, dt.date(2020, 9, 21), SmtpSettings(host="127.0.0.1", port=port)) == 1
    assert len(inbox.messages) == 1
