"""Evaluate one inspection: the evaluation contract of the spec, with no web server or database."""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .domain.assessment import InspectionInput, InvalidInput, assess, build_facts, missing_items, parse_document
from .domain.catalog import Catalog, load_catalog
from .domain.rules import Finding
from .domain.scores import assessed_dimensions, dimension_scores
from .engine import RuleEngine, get_engine

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def catalog_root() -> Path:
    """Where checklists/ and rules/ live: INSPECT_CATALOG_DIR, else the project folder."""
    return Path(os.environ.get("INSPECT_CATALOG_DIR") or PROJECT_ROOT)


@functools.lru_cache(maxsize=8)
def cached_catalog(root: Path) -> Catalog:
    """The validated catalog of `root`, loaded once per process."""
    return load_catalog(root)


@dataclass(frozen=True)
class Evaluation:
    inspection: InspectionInput
    findings: tuple[Finding, ...]
    scores: dict[str, float]
    missing: tuple[str, ...]

    @property
    def assessed(self) -> tuple[str, ...]:
        """The dimensions a draft may show a score for (see domain.scores.assessed_dimensions)."""
        return assessed_dimensions(self.inspection.checklist, self.inspection.answers)

    def to_contract(self) -> dict[str, Any]:
        return {
            "findings": [f.to_contract() for f in self.findings],
            "scores": dict(self.scores),
            "missing": list(self.missing),
        }


def evaluate_input(inspection: InspectionInput, catalog: Catalog, engine: RuleEngine | None = None) -> Evaluation:
    """Run the rules of the inspection's checklist over its answers."""
    ruleset = catalog.ruleset(inspection.checklist)
    firings = (engine or get_engine()).fire(ruleset, build_facts(inspection), inspection.inspection_date)
    findings = tuple(assess(inspection, ruleset, firings, catalog.calendar))
    scores = dimension_scores(inspection.checklist, inspection.answers, findings)
    return Evaluation(inspection, findings, scores, tuple(missing_items(inspection)))


def evaluate(doc: dict[str, Any], catalog: Catalog | None = None) -> dict[str, Any]:
    """The evaluation contract: a JSON-like document in, findings, scores and missing items out.

    Raises InvalidInput (one Vietnamese line per problem) when the document breaks the contract.
    """
    catalog = catalog or cached_catalog(catalog_root())
    return evaluate_input(parse_document(doc, catalog), catalog).to_contract()


__all__ = ["Evaluation", "InvalidInput", "evaluate", "evaluate_input", "cached_catalog", "catalog_root"]
