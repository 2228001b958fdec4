"""WTForms forms of the HTML pages (the JSON API validates through the services)."""
from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .vn_fields import VietnameseForm


class LoginForm(VietnameseForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired("Nhập tên đăng nhập."), Length(max=64)])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Nhập mật khẩu."), Length(max=200)])


class PasswordForm(VietnameseForm):
    current_password = PasswordField("Mật khẩu hiện tại", validators=[DataRequired("Nhập mật khẩu hiện tại."),
                                                                      Length(max=200)])
    new_password = PasswordField("Mật khẩu mới", validators=[DataRequired("Nhập mật khẩu mới."), Length(max=200)])
    confirm = PasswordField("Nhập lại mật khẩu mới", validators=[DataRequired("Nhập lại mật khẩu mới."),
                                                                 EqualTo("new_password", "Hai lần nhập không khớp.")])
