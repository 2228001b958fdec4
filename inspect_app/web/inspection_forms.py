"""WTForms forms of the inspection pages: starting an inspection and filtering the lists."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, SearchField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..models import MEMBER_ROLES
from ..services.inspections import team_head_problem
from .vn_fields import VietnameseForm, VnDateField, VnIntegerField, VnTimeField

TEAM_ROWS = 3
REP_ROWS = 2


def new_client_id() -> str:
    """A fresh idempotency key: the same form submitted twice creates one inspection."""
    return uuid.uuid4().hex


class MemberForm(Form):
    """One member of the inspection team (a sub-form: the parent carries the CSRF token)."""

    name = StringField("Họ và tên", validators=[Optional(), Length(max=120, message="Tối đa 120 ký tự.")])
    position = StringField("Chức vụ, đơn vị", validators=[Optional(), Length(max=200, message="Tối đa 200 ký tự.")])
    role = SelectField("Vai trò", choices=dict(MEMBER_ROLES), default="thanh_vien",
                       invalid_choice_message="Vai trò không hợp lệ.")


class RepForm(Form):
    """One representative of the commune being inspected."""

    name = StringField("Họ và tên", validators=[Optional(), Length(max=120, message="Tối đa 120 ký tự.")])
    position = StringField("Chức vụ", validators=[Optional(), Length(max=200, message="Tối đa 200 ký tự.")])


class PeopleRows:
    """The team and representative rows shared by the new-inspection and re-inspection forms."""

    team: Any
    commune_reps: Any

    def people(self) -> tuple[list[dict[str, str]], list[int], list[dict[str, str]], list[int]]:
        """The filled-in team and representative rows, with each one's row number in the form."""
        team, team_rows, reps, rep_rows = [], [], [], []
        for index, row in enumerate(self.team):
            name, position = (row.form.name.data or "").strip(), (row.form.position.data or "").strip()
            if name or position:
                team.append({"name": name, "position": position, "role": row.form.role.data})
                team_rows.append(index)
        for index, row in enumerate(self.commune_reps):
            name, position = (row.form.name.data or "").strip(), (row.form.position.data or "").strip()
            if name or position:
                reps.append({"name": name, "position": position})
                rep_rows.append(index)
        return team, team_rows, reps, rep_rows

    def simple_fields(self) -> dict[str, Any]:
        """The service's field names → this form's fields (None: no field shows that error)."""
        return {}

    def team_has_a_head(self, team: list[dict[str, str]]) -> bool:
        """The service's team-head rule, checked with the form's own so that every error shows at once,
        beside the first team row."""
        problem = team_head_problem(team)
        if problem:
            name = self.team[0].form.name
            name.errors = [*name.errors, problem[:1].upper() + problem[1:] + "."]
        return problem is None

    def show_service_errors(self, errors: dict[str, str], team_rows: list[int], rep_rows: list[int]) -> list[str]:
        """Put the service's field errors next to their fields; return those that fit no field."""
        simple = self.simple_fields()
        general = []
        for key, message in errors.items():
            text = message[:1].upper() + message[1:] if message else message
            if key in simple and simple[key] is not None:
                simple[key].errors = [*simple[key].errors, text]
                continue
            for prefix, rows, fields in (("team", team_rows, self.team), ("commune_reps", rep_rows, self.commune_reps)):
                if key.startswith(prefix + "[") and "]." in key:
                    index, attribute = key[len(prefix) + 1:].split("].", 1)
                    if index.isdigit() and int(index) < len(rows) and attribute in ("name", "position", "role"):
                        sub = getattr(fields[rows[int(index)]].form, attribute)
                        sub.errors = [*sub.errors, text]
                        break
            else:
                label = {"team": "Đoàn kiểm tra", "commune_reps": "Đại diện UBND xã",
                         "commune_code": "Xã, phường", "reinspection_of": "Phiếu lần trước"}.get(key, key)
                general.append(f"{label}: {text}")
        return general


class NewInspectionForm(PeopleRows, VietnameseForm):
    """Start an inspection: which commune, when, who inspects and who receives the team."""

    client_id = HiddenField(validators=[DataRequired("Thiếu mã phiếu; hãy tải lại trang."),
                                        Length(min=8, max=64, message="Mã phiếu không hợp lệ; hãy tải lại trang.")])
    checklist = SelectField("Biểu tiêu chí", validators=[DataRequired("Chọn biểu tiêu chí.")],
                            invalid_choice_message="Biểu tiêu chí không hợp lệ.")
    inspection_date = VnDateField("Ngày kiểm tra", invalid_value_message=(
                                      "Ngày kiểm tra không hợp lệ: cần một ngày có thật, dạng ngày/tháng/năm "
                                      "(ví dụ 15/09/2020)."),
                                validators=[InputRequired("Nhập ngày kiểm tra (ngày/tháng/năm).")])
    district = StringField("Địa bàn")  # only narrows the commune list; the commune decides
    commune = StringField("Xã, phường", validators=[DataRequired("Chọn xã, phường.")])
    villages = VnIntegerField("Số thôn, tổ dân phố", invalid_value_message="Cần một số nguyên.", validators=[
        InputRequired("Nhập số thôn, tổ dân phố."),
        NumberRange(min=1, max=500, message="Số thôn, tổ dân phố phải từ 1 đến 500.")])
    plan_reference = StringField("Kế hoạch, quyết định kiểm tra (nếu có)",
                                 validators=[Optional(), Length(max=500, message="Tối đa 500 ký tự.")])
    team = FieldList(FormField(MemberForm), min_entries=TEAM_ROWS, max_entries=30)
    commune_reps = FieldList(FormField(RepForm), min_entries=REP_ROWS, max_entries=30)

    district_choices: dict[str, str] = {}
    commune_groups: dict[str, dict[str, str]] = {}

    def validate_commune(self, field) -> None:
        """The commune must be one of those listed for the chosen date (and the user's district)."""
        if field.data and not any(field.data in group for group in self.commune_groups.values()):
            raise ValidationError("Xã không có trong danh sách của ngày kiểm tra đã chọn.")

    def set_units(self, districts: dict[str, str], communes: dict[str, dict[str, str]]) -> None:
        """The district and commune selects: {code: name}, and communes grouped by district name."""
        self.district_choices = {"": "— Tất cả địa bàn —"} | districts
        self.commune_groups = communes

    def payload(self) -> tuple[dict[str, Any], list[int], list[int]]:
        """The services.inspections.create_inspection document, and the row numbers it came from."""
        team, team_rows, reps, rep_rows = self.people()
        data = {
            "client_id": self.client_id.data, "checklist": self.checklist.data,
            "inspection_date": self.inspection_date.data.isoformat() if self.inspection_date.data else None,
            "commune_code": self.commune.data, "villages": self.villages.data,
            "plan_reference": self.plan_reference.data or "", "team": team, "commune_reps": reps,
        }
        return data, team_rows, rep_rows

    def simple_fields(self) -> dict[str, Any]:
        return {"inspection_date": self.inspection_date, "villages": self.villages, "commune_code": self.commune,
                "checklist": self.checklist, "plan_reference": self.plan_reference, "client_id": None}


class ReinspectionForm(PeopleRows, VietnameseForm):
    """Start a re-inspection (tái kiểm tra): the date, and the villages and people prefilled from last time."""

    client_id = HiddenField(validators=[DataRequired("Thiếu mã phiếu; hãy tải lại trang."),
                                        Length(min=8, max=64, message="Mã phiếu không hợp lệ; hãy tải lại trang.")])
    inspection_date = VnDateField("Ngày tái kiểm tra", invalid_value_message=(
                                      "Ngày tái kiểm tra không hợp lệ: cần một ngày có thật, dạng ngày/tháng/năm "
                                      "(ví dụ 15/09/2020)."),
                                validators=[InputRequired("Nhập ngày tái kiểm tra (ngày/tháng/năm).")])
    villages = VnIntegerField("Số thôn, tổ dân phố", invalid_value_message="Cần một số nguyên.", validators=[
        InputRequired("Nhập số thôn, tổ dân phố."),
        NumberRange(min=1, max=500, message="Số thôn, tổ dân phố phải từ 1 đến 500.")])
    plan_reference = StringField("Kế hoạch, quyết định tái kiểm tra (nếu có)",
                                 validators=[Optional(), Length(max=500, message="Tối đa 500 ký tự.")])
    team = FieldList(FormField(MemberForm), min_entries=TEAM_ROWS, max_entries=30)
    commune_reps = FieldList(FormField(RepForm), min_entries=REP_ROWS, max_entries=30)

    @classmethod
    def prefilled(cls, defaults: dict[str, Any], day: dt.date | None) -> "ReinspectionForm":
        """The form for a GET: the previous inspection's villages, team and representatives, one empty row more."""
        form = cls(formdata=None, data={"client_id": new_client_id(), "inspection_date": day,
                                        "villages": defaults["villages"], "team": defaults["team"],
                                        "commune_reps": defaults["commune_reps"]})
        for rows, kind in ((form.team, "team"), (form.commune_reps, "reps")):
            if len(rows) <= len(defaults["team" if kind == "team" else "commune_reps"]):
                rows.append_entry()
        return form

    def simple_fields(self) -> dict[str, Any]:
        return {"inspection_date": self.inspection_date, "villages": self.villages,
                "plan_reference": self.plan_reference, "client_id": None, "checklist": None}

    def payload(self, previous_id: int) -> tuple[dict[str, Any], list[int], list[int]]:
        """The create_inspection document of a re-inspection, and the row numbers it came from."""
        team, team_rows, reps, rep_rows = self.people()
        data = {
            "client_id": self.client_id.data, "reinspection_of": previous_id,
            "inspection_date": self.inspection_date.data.isoformat() if self.inspection_date.data else None,
            "villages": self.villages.data, "plan_reference": self.plan_reference.data or "",
            "team": team, "commune_reps": reps,
        }
        return data, team_rows, rep_rows


class ListFilterForm(FlaskForm):
    """The filters of the inspection lists (GET, so no CSRF token)."""

    q = SearchField("Tìm theo tên xã, phường hoặc địa bàn (gõ có dấu hay không dấu)")
    mine = SelectField("Phạm vi", choices={"": "Tất cả phiếu tôi được xem", "1": "Phiếu do tôi lập"}, default="")
    commune = SelectField("Xã, phường", validate_choice=False, default="")
    status = SelectField("Trạng thái", validate_choice=False, default="")

    class Meta:
        csrf = False


class MinutesDetailsForm(VietnameseForm):
    """What the minutes print besides the answers: times, place, copies, opinions, refusals to sign."""

    start_time = VnTimeField("Giờ bắt đầu", validators=[Optional()])
    end_time = VnTimeField("Giờ kết thúc", validators=[Optional()])
    place = StringField("Địa điểm", validators=[Optional(), Length(max=200, message="Tối đa 200 ký tự.")])
    copies = VnIntegerField("Số bản", default=2, validators=[InputRequired("Nhập số bản."),
                                                          NumberRange(1, 20, "Từ 1 đến 20 bản.")])
    plan_reference = StringField("Căn cứ (kế hoạch, quyết định kiểm tra)",
                                 validators=[Optional(), Length(max=500, message="Tối đa 500 ký tự.")])
    commune_opinion = TextAreaField("Ý kiến của UBND xã",
                                    validators=[Optional(), Length(max=4000, message="Tối đa 4000 ký tự.")])
    commune_refusal_reason = TextAreaField("Lý do đại diện xã không ký (nếu có)",
                                           validators=[Optional(), Length(max=1000, message="Tối đa 1000 ký tự.")])
    team_refusal_reason = TextAreaField("Lý do trưởng đoàn không ký (nếu có)",
                                        validators=[Optional(), Length(max=1000, message="Tối đa 1000 ký tự.")])

    @classmethod
    def of(cls, inspection) -> "MinutesDetailsForm":
        """The form filled from a stored inspection (times are stored as HH:MM text)."""
        def clock(text):
            return dt.datetime.strptime(text, "%H:%M").time() if text else None

        return cls(formdata=None, data={
            "start_time": clock(inspection.start_time), "end_time": clock(inspection.end_time),
            "place": inspection.place, "copies": inspection.copies, "plan_reference": inspection.plan_reference,
            "commune_opinion": inspection.commune_opinion,
            "commune_refusal_reason": inspection.commune_refusal_reason,
            "team_refusal_reason": inspection.team_refusal_reason})

    def payload(self) -> dict[str, Any]:
        """The form as the service's update_details expects it."""
        def clock(field):
            return field.data.strftime("%H:%M") if field.data else None

        return {"start_time": clock(self.start_time), "end_time": clock(self.end_time), "place": self.place.data,
                "copies": self.copies.data, "plan_reference": self.plan_reference.data,
                "commune_opinion": self.commune_opinion.data,
                "commune_refusal_reason": self.commune_refusal_reason.data,
                "team_refusal_reason": self.team_refusal_reason.data}
