"""Form fields that read the same in Vietnamese whatever the browser's language.

The browser's own date, time and number inputs follow its locale (mm/dd/yyyy, AM/PM, a decimal
point, English validation bubbles), so these fields are text inputs with a numeric keypad: the
server reads dd/mm/yyyy, 24-hour times and whole numbers and answers in Vietnamese beside the field.
"""
from __future__ import annotations

import datetime as dt

from flask_wtf import FlaskForm
from wtforms import Field, IntegerField
from wtforms.widgets import TextInput

from ..domain.vn_format import DATE_PLACEHOLDER, TIME_PLACEHOLDER, parse_vn_date, parse_vn_time


class _TextField(Field):
    """A text input that keeps what was typed when it could not be read, so the user can correct it."""

    widget = TextInput()
    default_invalid_message = ""
    render_defaults: dict[str, object] = {}

    def __init__(self, label=None, validators=None, invalid_value_message=None, **kwargs):
        kwargs["render_kw"] = self.render_defaults | (kwargs.get("render_kw") or {})
        super().__init__(label, validators, invalid_value_message=invalid_value_message or self.default_invalid_message,
                         **kwargs)

    def parse(self, text: str):
        raise NotImplementedError

    def show(self, value) -> str:
        raise NotImplementedError

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.show(self.data) if self.data else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = self.parse(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_value_message) from None


class VnDateField(_TextField):
    """A date typed as dd/mm/yyyy (ISO yyyy-mm-dd from links and scripts is read too)."""

    default_invalid_message = "Ngày không hợp lệ: cần một ngày có thật, dạng ngày/tháng/năm (ví dụ 15/09/2020)."
    render_defaults = {"inputmode": "numeric", "placeholder": DATE_PLACEHOLDER, "autocomplete": "off",
                       "maxlength": 10, "class": "vn-date", "data-vn-date": "1"}

    def parse(self, text: str) -> dt.date | None:
        return parse_vn_date(text)

    def show(self, value: dt.date) -> str:
        return value.strftime("%d/%m/%Y")


class VnTimeField(_TextField):
    """A 24-hour time typed as HH:MM (8:30, 8h30 and 0830 are read too)."""

    default_invalid_message = "Giờ không hợp lệ: cần dạng giờ:phút theo 24 giờ (ví dụ 08:30 hoặc 14:00)."
    render_defaults = {"inputmode": "numeric", "placeholder": TIME_PLACEHOLDER, "autocomplete": "off",
                       "maxlength": 5, "class": "vn-time", "data-vn-time": "1"}

    def parse(self, text: str) -> dt.time | None:
        return parse_vn_time(text)

    def show(self, value: dt.time) -> str:
        return value.strftime("%H:%M")


class VnIntegerField(IntegerField):
    """A whole number in a text input with a numeric keypad (no spinner, no English range bubble)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs["render_kw"] = {"inputmode": "numeric", "autocomplete": "off"} | (kwargs.get("render_kw") or {})
        kwargs.setdefault("invalid_value_message", "Cần một số nguyên (chỉ gồm chữ số).")
        super().__init__(label, validators, **kwargs)


class VietnameseForm(FlaskForm):
    """A form whose required fields say so to assistive technology, not through the browser's English bubble.

    WTForms writes `required` on every field with a DataRequired or InputRequired validator; the
    browser then holds an English "Please fill out this field." on it. The pages check required
    fields themselves (vn-inputs.js, the server), so the attribute becomes aria-required.
    """

    class Meta:
        def render_field(self, field, render_kw):
            if field.flags.required and "required" not in render_kw:
                render_kw = {**render_kw, "required": False, "aria-required": "true"}
            return super().render_field(field, render_kw)
