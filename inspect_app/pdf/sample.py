"""A realistic set of minutes, for tests, the benchmark and template work.

Phường Phúc Xá (Quận Ba Đình), inspected on 15/09/2020 with the real papi-xa checklist: every
item answered, notes on some rows, and the real rule engine's findings (a repeat offence, a
late remediation from the previous inspection, findings without deadline) and scores.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from .build import checklist_sections, finding_lines, score_lines
from .minutes import CommuneRep, MinutesData, TeamMember, place_date_line

INSPECTION_DATE = dt.date(2020, 9, 15)

ANSWERS: dict[str, Any] = {
    "TG-01": "yes", "TG-02": 3, "TG-03": 10, "TG-04": "yes", "TG-05": 12, "TG-06": "na",
    "TG-07": "yes", "TG-08": "yes", "TG-09": "no",
    "CK-01": "cu_nat", "CK-02": "yes", "CK-03": "yes", "CK-04": 12, "CK-05": "no",
    "CK-06": "2020-01-05", "CK-07": "2020-03-02", "CK-08": "2020-07-10", "CK-09": "yes", "CK-10": 30,
    "CK-11": "yes", "CK-12": "yes", "CK-13": "na",
    "GT-01": "yes", "GT-02": 2, "GT-03": "thieu", "GT-04": "yes", "GT-05": 4, "GT-06": "yes",
    "GT-07": "yes", "GT-08": 1, "GT-09": 87.5, "GT-10": "yes",
    "TN-01": "yes", "TN-02": "yes", "TN-03": 0, "TN-04": "na",
    "TT-01": "yes", "TT-02": 5, "TT-03": 5, "TT-04": 3, "TT-05": "yes", "TT-06": 2, "TT-07": 2,
    "DV-01": "yes", "DV-02": 98.5, "DV-03": 95.5, "DV-04": 100, "DV-05": 100, "DV-06": "yes", "DV-07": "yes",
    "MT-01": 0, "MT-02": "yes", "MT-03": "no",
    "DT-01": "yes", "DT-02": 10, "DT-03": 8, "DT-04": "yes",
}
EVIDENCE = {"CK-01": 2, "CK-03": 1, "GT-03": 1, "GT-04": 1}  # CK-02 answered "Có" without a photo
PREVIOUS = {"inspection_date": "2020-03-10",
            "findings": [{"code": "GT-03", "deadline": "2020-03-13", "status": "open"}]}
NOTES = {
    "TG-02": "Sổ nhật ký phát thanh tháng 8/2020 ghi nhận 3 tin, bài.",
    "TG-03": "Tổ dân phố số 7 và số 11 chưa có bảng tin.",
    "TG-06": "Trong kỳ không tổ chức bầu tổ trưởng tổ dân phố.",
    "CK-01": "Bảng tin bị bong tróc, chữ mờ (ảnh 1, 2).",
    "CK-07": "Công khai ngày 02/3/2020, chậm so với quy định.",
    "GT-03": "Lịch tiếp công dân thiếu số điện thoại người tiếp.",
    "GT-08": "01 đơn khiếu nại về đất đai quá hạn 12 ngày.",
    "GT-09": "Còn 2 tổ trưởng dân phố chưa được tập huấn.",
    "DV-02": "Theo báo cáo của Trạm y tế phường tháng 8/2020.",
    "MT-03": "Điểm tập kết tại ngõ 20 Phúc Xá còn tồn đọng rác sau 9 giờ.",
    "DT-03": "Còn 2 phản ánh gửi ngày 20/8/2020 chưa trả lời.",
}


def evaluation_document() -> dict[str, Any]:
    """The inspection as the evaluation contract's JSON document."""
    return {"checklist": "papi-xa", "inspection_date": INSPECTION_DATE.isoformat(),
            "commune": {"code": "00001", "villages": 12}, "answers": dict(ANSWERS),
            "evidence": dict(EVIDENCE), "previous": json.loads(json.dumps(PREVIOUS))}


def sample_minutes(root: Path | None = None, *, draft: bool = True) -> MinutesData:
    """The realistic minutes, built from the real catalog, rule engine and Item.display()."""
    from ..domain.assessment import parse_document
    from ..evaluation import PROJECT_ROOT, cached_catalog, evaluate_input

    catalog = cached_catalog(root or PROJECT_ROOT)
    document = evaluation_document()
    in_force = catalog.checklist_for("papi-xa", INSPECTION_DATE).on(INSPECTION_DATE)
    for code, item in in_force.items.items():  # an item added since these answers were written
        document["answers"].setdefault(code, item.sample_answer(INSPECTION_DATE, document["commune"]["villages"]))
    evaluation = evaluate_input(parse_document(document, catalog), catalog)
    checklist = evaluation.inspection.checklist
    scores, total = score_lines(checklist, evaluation.scores)
    record = json.dumps(evaluation.to_contract(), ensure_ascii=False, sort_keys=True).encode()
    return MinutesData(
        team_name="ĐOÀN KIỂM TRA SỞ NỘI VỤ",
        number="15/BB-ĐKT",
        place_date_line=place_date_line("Hà Nội", INSPECTION_DATE),
        commune_name="Phường Phúc Xá",
        district_name="Quận Ba Đình",
        inspection_date=INSPECTION_DATE,
        start_time="08:30",
        end_time="11:45",
        place="trụ sở UBND Phường Phúc Xá, số 2 Phúc Xá, Quận Ba Đình, Hà Nội",
        plan_reference=("Kế hoạch số 145/KH-SNV ngày 01/9/2020 của Sở Nội vụ thành phố Hà Nội về kiểm tra việc "
                        "thực hiện các nhiệm vụ cải thiện Chỉ số PAPI tại UBND cấp xã năm 2020"),
        team=[
            TeamMember("Nguyễn Thị Thu Hường", "Phó Giám đốc Sở Nội vụ", "Trưởng đoàn"),
            TeamMember("Trần Văn Đức", "Trưởng phòng Xây dựng chính quyền, Sở Nội vụ", "Thành viên"),
            TeamMember("Lê Hoàng Yến", "Chuyên viên phòng Cải cách hành chính, Sở Nội vụ", "Thành viên"),
        ],
        commune_reps=[
            CommuneRep("Phạm Quốc Khánh", "Chủ tịch UBND Phường Phúc Xá"),
            CommuneRep("Đỗ Thị Ngọc Ánh", "Công chức Văn phòng - Thống kê"),
        ],
        sections=checklist_sections(checklist, evaluation.inspection.answers, NOTES),
        findings=finding_lines(evaluation.findings, catalog.calendar),
        scores=scores,
        total=total,
        commune_opinion=("UBND Phường Phúc Xá thống nhất với kết luận của Đoàn kiểm tra và cam kết khắc phục "
                         "các tồn tại trong thời hạn đã nêu.\nĐề nghị Đoàn kiểm tra xem xét gia hạn thời hạn "
                         "trang bị bảng tin cho tổ dân phố số 7 và số 11 do đang chờ bố trí kinh phí."),
        copies=2,
        commune_signer="Phạm Quốc Khánh",
        team_head="Nguyễn Thị Thu Hường",
        inspection_id=1024,
        revision=1,
        checklist_version=checklist.key,
        record_sha256="" if draft else hashlib.sha256(record).hexdigest(),
        draft=draft,
    )


__all__ = ["ANSWERS", "INSPECTION_DATE", "NOTES", "evaluation_document", "sample_minutes"]
