"""A plain-Python evaluation of the same compiled rules, the yardstick for the engine adapter's cost.

It compiles the subset of durable_rules' JSON grammar the catalog allows (domain.catalog's
condition checker) into Python closures, once per ruleset, and runs them over the same facts (each
pattern only over the facts of its item), with the same day bounds (engine.compile_rule), and
returns the same firings. bench/evaluate.py times both in one run and prints the ratio; the
results must agree on every answer set.
"""
from __future__ import annotations

import datetime as dt
import itertools
import operator
from typing import Any, Callable

from inspect_app.domain.assessment import InspectionInput, assess, build_facts, missing_items
from inspect_app.domain.catalog import Catalog
from inspect_app.domain.rules import INSPECTION_DATE, PREVIOUS_MONTH, RuleSet, first_day_of_previous_month
from inspect_app.domain.scores import dimension_scores
from inspect_app.engine import DAY_FIELDS, Firing, compile_rule

COMPARE = {"$lt": operator.lt, "$lte": operator.le, "$gt": operator.gt, "$gte": operator.ge, "$neq": operator.ne}


Test = Callable[[dict[str, Any]], bool]


def compile_test(expression: dict[str, Any]) -> Test:
    """One pattern as a Python closure over a fact, built once per ruleset."""
    (key, operand), = expression.items()
    if key in ("$and", "$or"):
        parts = tuple(compile_test(part) for part in operand)
        combine = all if key == "$and" else any
        return lambda fact: combine(part(fact) for part in parts)
    if key in COMPARE:
        (field, value), = operand.items()
        compare = COMPARE[key]
        return lambda fact: fact.get(field) is not None and compare(fact[field], value)
    if key == "$ex":
        field = next(iter(operand))
        return lambda fact: field in fact
    if key == "$nex":
        field = next(iter(operand))
        return lambda fact: field not in fact
    return lambda fact: key in fact and fact[key] == operand


def _item_of(pattern: dict[str, Any]) -> str | None:
    """The item a pattern is about, when its $and (however nested) requires one."""
    (key, operand), = pattern.items()
    if key == "item":
        return operand
    if key == "$and":
        return next((item for part in operand if (item := _item_of(part))), None)
    return None


_COMPILED: dict[int, tuple[RuleSet, tuple]] = {}


def _compiled(ruleset: RuleSet) -> tuple[tuple[str, str, tuple[tuple[str | None, Test], ...]], ...]:
    """Each rule's id, join and (item, test) pairs with their day bounds, compiled once per ruleset."""
    known = _COMPILED.get(id(ruleset))
    if known and known[0] is ruleset:
        return known[1]
    rules = []
    for rule in ruleset.rules:
        condition = compile_rule(rule)
        join = "all" if "all" in condition else "any"
        patterns = (next(iter(p.values())) for p in condition[join])
        rules.append((rule.id, join, tuple((_item_of(p), compile_test(p)) for p in patterns)))
    _COMPILED[id(ruleset)] = (ruleset, tuple(rules))
    return tuple(rules)


def fire(ruleset: RuleSet, facts: list[dict[str, Any]], day: dt.date) -> list[Firing]:
    """Every rule that fires, as the engine reports it (one firing per combination of matching facts)."""
    days = {DAY_FIELDS[INSPECTION_DATE]: day.toordinal(),
            DAY_FIELDS[PREVIOUS_MONTH]: first_day_of_previous_month(day).toordinal()}
    dated = [{**fact, **days} for fact in facts]
    by_item: dict[Any, list[int]] = {}
    for index, fact in enumerate(dated):
        by_item.setdefault(fact.get("item"), []).append(index)
    everything = range(len(dated))
    firings = []
    for rule_id, join, patterns in _compiled(ruleset):
        matched = [[i for i in (by_item.get(item, ()) if item else everything) if test(dated[i])]
                   for item, test in patterns]
        if join == "all":
            firings.extend(Firing(rule_id, tuple(facts[i] for i in combination))
                           for combination in itertools.product(*matched))
        else:
            firings.extend(Firing(rule_id, (facts[i],)) for indexes in matched for i in indexes)
    return firings


def evaluate_plain(inspection: InspectionInput, catalog: Catalog) -> dict[str, Any]:
    """inspect_app.evaluation.evaluate_input with the plain-Python firings instead of the engine's."""
    ruleset = catalog.ruleset(inspection.checklist)
    findings = tuple(assess(inspection, ruleset, fire(ruleset, build_facts(inspection), inspection.inspection_date),
                            catalog.calendar))
    scores = dimension_scores(inspection.checklist, inspection.answers, findings)
    return {"findings": [f.to_contract() for f in findings], "scores": dict(scores),
            "missing": list(missing_items(inspection))}
