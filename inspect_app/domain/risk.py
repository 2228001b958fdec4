"""Risk-based selection: a readable score per commune from its history, with the reasons in Vietnamese.

Pure: the history is gathered by services.risk, the weights come from rules/risk.yaml and "today"
is passed in. Each part of the score is a count times a weight, so the page can show how the
total was reached.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from .vn_format import format_vn_decimal

MAX_TOTAL = 80  # the compliance score's maximum (domain.scores)


class RiskWeightsError(ValueError):
    """rules/risk.yaml is unreadable or wrong; lists every problem."""

    def __init__(self, problems: list[str], path: Path | str):
        super().__init__("\n".join(f"{path}: {problem}" for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class RiskWeights:
    score_gap: float
    open_action: float
    overdue_action: float
    repeat_finding: float
    month_since: float
    max_months: int
    never_inspected: float

    @classmethod
    def from_file(cls, path: Path | str) -> RiskWeights:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise RiskWeightsError([f"không đọc được tệp: {error}"], path) from error
        if not isinstance(data, dict):
            raise RiskWeightsError(["tệp phải là một bảng khóa: giá trị"], path)
        names = [f.name for f in fields(cls)]
        problems = [f"thiếu khóa {name}" for name in names if name not in data]
        problems += [f"khóa lạ {key!s} (các khóa hợp lệ: {', '.join(names)})" for key in data if key not in names]
        for name in names:
            value = data.get(name)
            if name in data and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0
                                 or not math.isfinite(value)):
                problems.append(f"{name}: cần một số không âm (nhận được: {value!r})")
        if isinstance(data.get("max_months"), float):
            problems.append("max_months: cần một số nguyên")
        if problems:
            raise RiskWeightsError(problems, path)
        return cls(**{name: data[name] for name in names})


@dataclass(frozen=True)
class CommuneHistory:
    """What the ranking knows of one commune on the day it is computed."""

    code: str
    name: str
    area: str | None
    latest_date: dt.date | None  # the latest finalised inspection
    latest_score: float | None  # its total, out of 80
    repeat_findings: int  # repeat findings in it
    open_actions: int  # remediation not yet verified, of any inspection
    overdue_actions: int  # of those, past their deadline


@dataclass(frozen=True)
class RiskPart:
    label: str  # "3 hành động quá hạn"
    points: float


@dataclass(frozen=True)
class RiskScore:
    history: CommuneHistory
    parts: tuple[RiskPart, ...]

    @property
    def total(self) -> float:
        return round(sum(part.points for part in self.parts), 2)

    @property
    def reasons(self) -> str:
        """The parts that count, largest first: "3 hành động quá hạn, chưa kiểm tra 14 tháng"."""
        shown = sorted((p for p in self.parts if p.points > 0), key=lambda p: -p.points)
        return ", ".join(p.label for p in shown) or "không có yếu tố rủi ro"


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole months from one day to another (14/03 to 13/05 is one month)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return max(0, months - (later.day < earlier.day))


def score(history: CommuneHistory, weights: RiskWeights, today: dt.date) -> RiskScore:
    parts = []
    if history.latest_date is None:
        parts.append(RiskPart("chưa từng được kiểm tra", weights.never_inspected))
    else:
        months = months_between(history.latest_date, today)
        parts.append(RiskPart(f"chưa kiểm tra {months} tháng", min(months, weights.max_months) * weights.month_since))
        if history.latest_score is not None:
            gap = max(0.0, MAX_TOTAL - history.latest_score)
            parts.append(RiskPart(f"điểm lần gần nhất {format_vn_decimal(history.latest_score)}/{MAX_TOTAL}",
                                  gap * weights.score_gap))
    parts.append(RiskPart(f"{history.overdue_actions} hành động quá hạn", history.overdue_actions * weights.overdue_action))
    parts.append(RiskPart(f"{history.open_actions} hành động chưa khắc phục xong", history.open_actions * weights.open_action))
    parts.append(RiskPart(f"{history.repeat_findings} phát hiện tái phạm", history.repeat_findings * weights.repeat_finding))
    return RiskScore(history, tuple(RiskPart(p.label, round(p.points, 2)) for p in parts))


def rank(histories: list[CommuneHistory], weights: RiskWeights, today: dt.date) -> list[RiskScore]:
    """Highest risk first; ties by commune code, so the order is stable."""
    return sorted((score(h, weights, today) for h in histories), key=lambda s: (-s.total, s.history.code))
