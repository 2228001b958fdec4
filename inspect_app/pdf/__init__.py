"""The inspection minutes (biên bản kiểm tra) as PDF: no Flask, no database."""
from .build import checklist_sections, finding_lines, finding_title, score_lines
from .fetch import ForbiddenURL
from .minutes import (
    ChecklistRow, CommuneRep, FindingLine, MinutesData, MinutesRenderError, ScoreLine, SectionResult, TeamMember,
    place_date_line, render_html, render_minutes, vn_date, vn_score,
)

__all__ = [
    "ChecklistRow", "CommuneRep", "FindingLine", "ForbiddenURL", "MinutesData", "MinutesRenderError", "ScoreLine",
    "SectionResult", "TeamMember", "checklist_sections", "finding_lines", "finding_title", "place_date_line", "render_html",
    "render_minutes", "score_lines", "vn_date", "vn_score",
]
