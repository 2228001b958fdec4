"""WTForms forms of the plan pages: drafting a plan, scheduling the riskiest communes, moving, cancelling,
starting a planned inspection. They turn fields into the services' documents; the services validate."""
from __future__ import annotations

from typing import Any

from wtforms import FieldList, FormField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..models import PLANNED_KINDS
from .inspection_forms import MemberForm, PeopleRows, RepForm, REP_ROWS
from .vn_fields import VietnameseForm, VnDateField, VnIntegerField


def _iso(field) -> str | None:
    return field.data.isoformat() if field.data else None


class PlanForm(VietnameseForm):
    """A new plan with its first team (more teams through the API)."""

    number = StringField("Số kế hoạch", validators=[DataRequired("Nhập số kế hoạch."), Length(max=40)])
    issued_on = VnDateField("Ngày ban hành", validators=[InputRequired("Nhập ngày ban hành.")])
    title = StringField("Trích yếu", validators=[DataRequired("Nhập trích yếu kế hoạch."), Length(max=300)])
    period_start = VnDateField("Thực hiện từ ngày", validators=[InputRequired("Nhập ngày bắt đầu.")])
    period_end = VnDateField("Đến ngày", validators=[InputRequired("Nhập ngày kết thúc.")])
    unit_report_due = VnDateField("Hạn các xã, phường báo cáo (ví dụ 31/10)", validators=[Optional()])
    department_report_due = VnDateField("Hạn Sở báo cáo Thành phố (ví dụ 15/11)", validators=[Optional()])
    areas = SelectMultipleField("Địa bàn trong phạm vi", choices={}, validate_choice=False)
    communes = StringField("Thêm xã, phường (mã, cách nhau bởi dấu phẩy)", validators=[Optional(), Length(max=2000)])
    team = SelectField("Đoàn kiểm tra", coerce=int, validate_choice=False)
    decision_number = StringField("Số quyết định thành lập đoàn", validators=[DataRequired("Nhập số quyết định."),
                                                                             Length(max=40)])
    decision_date = VnDateField("Ngày quyết định", validators=[InputRequired("Nhập ngày quyết định.")])
    leader_name = StringField("Trưởng đoàn: họ và tên", validators=[DataRequired("Nhập họ tên trưởng đoàn."),
                                                                   Length(max=120)])
    leader_position = StringField("Trưởng đoàn: chức vụ", validators=[DataRequired("Nhập chức vụ trưởng đoàn."),
                                                                     Length(max=200)])
    leader_user = SelectField("Tài khoản của trưởng đoàn (nếu có)", coerce=int, validate_choice=False)
    members = TextAreaField("Thành viên (mỗi dòng: họ và tên, chức vụ)", validators=[Optional(), Length(max=4000)])

    def payload(self) -> dict[str, Any]:
        leader = {"name": self.leader_name.data, "position": self.leader_position.data, "role": "truong_doan"}
        if self.leader_user.data:
            leader["user_id"] = self.leader_user.data
        members = [leader]
        for line in (self.members.data or "").splitlines():
            if line.strip():
                name, _, position = line.partition(",")
                members.append({"name": name.strip(), "position": position.strip(), "role": "thanh_vien"})
        communes = [code.strip() for code in (self.communes.data or "").split(",") if code.strip()]
        return {"number": self.number.data, "issued_on": _iso(self.issued_on), "title": self.title.data,
                "period_start": _iso(self.period_start), "period_end": _iso(self.period_end),
                "unit_report_due": _iso(self.unit_report_due),
                "department_report_due": _iso(self.department_report_due),
                "scope": {"areas": list(self.areas.data or []), "communes": communes},
                "teams": [{"team_id": self.team.data, "decision_number": self.decision_number.data,
                           "decision_date": _iso(self.decision_date), "members": members}]}

    def fields_by_key(self) -> dict[str, Any]:
        """The service's error keys → this form's fields (what fits none is shown above the form)."""
        return {"number": self.number, "issued_on": self.issued_on, "title": self.title,
                "period_start": self.period_start, "period_end": self.period_end,
                "unit_report_due": self.unit_report_due, "department_report_due": self.department_report_due,
                "scope": self.areas, "scope.areas": self.areas, "scope.communes": self.communes,
                "teams[0].team_id": self.team, "teams[0].decision_number": self.decision_number,
                "teams[0].decision_date": self.decision_date, "teams[0].members": self.members,
                "teams[0].members[0].name": self.leader_name, "teams[0].members[0].position": self.leader_position}


class TopForm(VietnameseForm):
    """Schedule the N riskiest communes not yet in the plan, one window after another per team."""

    count = VnIntegerField("Số xã, phường", validators=[InputRequired("Nhập số xã, phường."),
                                                        NumberRange(min=1, max=200, message="Từ 1 đến 200.")])
    first_day = VnDateField("Bắt đầu từ ngày", validators=[InputRequired("Nhập ngày bắt đầu.")])
    days = VnIntegerField("Số ngày làm việc mỗi xã", default=1, validators=[
        InputRequired("Nhập số ngày."), NumberRange(min=1, max=20, message="Từ 1 đến 20.")])
    kind = SelectField("Loại kiểm tra", choices=dict(PLANNED_KINDS), default="dot_xuat")

    def payload(self) -> dict[str, Any]:
        return {"count": self.count.data, "first_day": _iso(self.first_day), "days": self.days.data,
                "kind": self.kind.data}


class AddForm(VietnameseForm):
    """Schedule one commune of the scope by hand: which team, when, what kind."""

    commune = SelectField("Xã, phường", validate_choice=False)
    team = SelectField("Đoàn", coerce=int, validate_choice=False)
    window_start = VnDateField("Từ ngày", validators=[InputRequired("Nhập ngày.")])
    window_end = VnDateField("Đến ngày", validators=[InputRequired("Nhập ngày.")])
    kind = SelectField("Loại kiểm tra", choices=dict(PLANNED_KINDS), default="dinh_ky")

    def payload(self) -> list[dict[str, Any]]:
        return [{"commune_code": self.commune.data, "team_id": self.team.data, "kind": self.kind.data,
                 "window_start": _iso(self.window_start), "window_end": _iso(self.window_end)}]


class MoveForm(VietnameseForm):
    window_start = VnDateField("Từ ngày", validators=[InputRequired("Nhập ngày.")])
    window_end = VnDateField("Đến ngày", validators=[InputRequired("Nhập ngày.")])
    reason = StringField("Lý do dời lịch", validators=[DataRequired("Nêu lý do."), Length(max=1000)])

    def payload(self) -> dict[str, Any]:
        return {"window_start": _iso(self.window_start), "window_end": _iso(self.window_end), "reason": self.reason.data}


class CancelForm(VietnameseForm):
    reason = StringField("Lý do hủy", validators=[DataRequired("Nêu lý do."), Length(max=1000)])


class StartForm(PeopleRows, VietnameseForm):
    """Start a planned inspection: commune, team and citation come from the plan; the rest is asked."""

    client_id = HiddenField(validators=[DataRequired("Thiếu mã phiếu; hãy tải lại trang."),
                                        Length(min=8, max=64, message="Mã phiếu không hợp lệ; hãy tải lại trang.")])
    checklist = SelectField("Biểu tiêu chí", validators=[DataRequired("Chọn biểu tiêu chí.")],
                            invalid_choice_message="Biểu tiêu chí không hợp lệ.")
    inspection_date = VnDateField("Ngày kiểm tra", validators=[InputRequired("Nhập ngày kiểm tra (ngày/tháng/năm).")])
    villages = VnIntegerField("Số thôn, tổ dân phố", validators=[
        InputRequired("Nhập số thôn, tổ dân phố."),
        NumberRange(min=1, max=500, message="Số thôn, tổ dân phố phải từ 1 đến 500.")])
    team = FieldList(FormField(MemberForm), min_entries=1, max_entries=30)
    commune_reps = FieldList(FormField(RepForm), min_entries=REP_ROWS, max_entries=30)

    def simple_fields(self) -> dict[str, Any]:
        return {"inspection_date": self.inspection_date, "villages": self.villages, "checklist": self.checklist,
                "client_id": None, "commune_code": None, "plan_reference": None}

    def payload(self, planned_id: int) -> tuple[dict[str, Any], list[int], list[int]]:
        team, team_rows, reps, rep_rows = self.people()
        return ({"client_id": self.client_id.data, "planned_inspection_id": planned_id,
                 "checklist": self.checklist.data, "inspection_date": _iso(self.inspection_date),
                 "villages": self.villages.data, "team": team, "commune_reps": reps}, team_rows, rep_rows)
