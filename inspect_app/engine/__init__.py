"""The durable_rules adapter: the only module that imports durable.

durable-rules 2.0.28 is unmaintained and its C core crashes the process in several ways, so
this adapter confines it:

- one engine per process (`get_engine()`), never one per Flask app: ruleset names are global to
  the process, registering a name twice raises, and hosts are never freed;
- at most MAX_RULESETS rulesets registered, the least recently used deleted from durable (its
  host never frees one itself, and each holds about 1.3 MB: every criteria draft tried would
  otherwise stay in the worker until it restarts); a deleted one is registered again when used;
- a host without the background timer threads, which touch session state outside any lock and
  segfault when states are deleted;
- facts, not events; a fresh session id per evaluation; `delete_state` in `finally`; one lock
  around each evaluation, since the C core is not thread-safe;
- a sentinel fact asserted first, matched by a sentinel rule, because deleting a state in which
  no action ever ran can crash the C engine;
- every fact numbered, since durable refuses a second fact equal to one already asserted (two
  identical previous findings are two facts, not one);
- facts asserted one at a time: a batch holding one fact that matches no rule raises
  MessageNotHandledException before any action runs and leaves the actions to a timer thread;
  one at a time, every action runs synchronously in the calling thread;
- only facts that some pattern can match are asserted (`Screen`): each pattern's plain equality
  tests (its item, "value": "no", "t": "previous") are necessary conditions, checked in Python
  before the fact is serialised, so a compliant answer costs no JSON round trip and no exception;
- exceptions raised inside actions are swallowed by durable: they are captured and re-raised.

Rules never compare two facts' values (an upstream crash); the evaluator derives such values in
Python before asserting. Everything returned is plain data (`Firing`).
"""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import threading
import uuid
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import durable_rules_engine
from durable import engine as durable

from ..domain.rules import INSPECTION_DATE, PREVIOUS_MONTH, Rule, RuleSet, first_day_of_previous_month

MAX_RULESETS = 16  # the catalog's versions and the drafts being tried; more are deleted, least recently used first
SENTINEL_RULE = "__sentinel__"
SENTINEL_FACT = {"t": "__sentinel__"}
# Each fact carries, as ordinals, the days a rule may be judged on (Rule.measures).
DAY_FIELDS = {INSPECTION_DATE: "day", PREVIOUS_MONTH: "month_before"}
SEQUENCE_FIELD = "seq"  # durable refuses a fact equal to one already asserted (MessageObservedException)
INTERNAL_FIELDS = {"sid", SEQUENCE_FIELD, *DAY_FIELDS.values()}


class EngineError(RuntimeError):
    """The rule engine failed; the evaluation produced no result."""


@dataclass(frozen=True)
class Firing:
    """One rule that fired, with the facts it matched in pattern order."""

    rule_id: str
    facts: tuple[dict[str, Any], ...]


class Screen:
    """Which facts some pattern of a ruleset can match, from the plain equalities each pattern requires.

    A pattern {"$and": [{"item": "TG-01"}, {"value": "no"}, {"$gte": {"day": …}}]} can only match a
    fact with item TG-01 and value "no"; a pattern without equalities admits every fact. The
    engine still decides; the screen only spares it facts that cannot match anything.
    """

    def __init__(self, compiled: dict[str, dict[str, Any]]):
        by_item: dict[Any, list[tuple[tuple[str, Any], ...]]] = {}
        general: list[tuple[tuple[str, Any], ...]] = []
        for condition in compiled.values():
            for pattern in condition.get("all") or condition.get("any") or []:
                for expression in pattern.values():
                    required = self._equalities(expression)
                    if "item" in required:
                        by_item.setdefault(required.pop("item"), []).append(tuple(required.items()))
                    else:
                        general.append(tuple(required.items()))
        self._general = tuple(general)
        self._by_item = {item: tuple(gates) + self._general for item, gates in by_item.items()}

    @classmethod
    def _equalities(cls, expression: dict[str, Any]) -> dict[str, Any]:
        """The field = value tests of an expression that every match must pass (through nested $and)."""
        if len(expression) != 1:
            return {}
        (field, value), = expression.items()
        if field == "$and":
            return {k: v for test in value if isinstance(test, dict) for k, v in cls._equalities(test).items()}
        return {field: value} if not field.startswith("$") and isinstance(value, (str, int, float, bool)) else {}

    def admits(self, fact: dict[str, Any]) -> bool:
        """Whether some pattern's equalities all hold (Python's == admits more than durable's: never fewer)."""
        gates = self._by_item.get(fact.get("item", _ABSENT), self._general)
        return any(all(fact.get(field, _ABSENT) == value for field, value in gate) for gate in gates)


_ABSENT = object()


class _TimerlessHost(durable.Host):
    """A durable host whose background dispatch timers never start (they segfault, see above)."""

    def _run(self):
        """Deliberately empty: every action is run synchronously by `RuleEngine.fire`."""


def compile_rule(rule: Rule) -> dict[str, Any]:
    """The rule's durable definition, with its dates in force added to its first pattern.

    Every fact carries the day each rule is judged on as an ordinal (the inspection date, or the
    first day of the month before it), so the engine itself ignores rules that were not in force.
    """
    condition = copy.deepcopy(rule.condition)
    join = condition.get("all") or condition.get("any")
    name, expression = next(iter(join[0].items()))
    field = DAY_FIELDS[rule.measures]
    bounds = [{"$gte": {field: rule.effective_from.toordinal()}}]
    if rule.effective_to:
        bounds.append({"$lte": {field: rule.effective_to.toordinal()}})
    join[0] = {name: {"$and": [expression, *bounds]}}
    return condition


class RuleEngine:
    """The process-wide durable host with every ruleset registered once, by content."""

    def __init__(self) -> None:
        self._host = _TimerlessHost()
        self._lock = threading.Lock()
        self._names: OrderedDict[str, Screen] = OrderedDict()  # registered, least recently used first
        self._by_object: dict[int, tuple[weakref.ref, str]] = {}
        self._firings: list[Firing] = []
        self._errors: list[BaseException] = []
        self._session: str | None = None
        self._thread: int | None = None

    def _register(self, ruleset: RuleSet) -> str:
        """Register a ruleset under a name derived from its content; reuse it when seen before.

        The name is remembered per ruleset object (compiling and hashing 60 rules costs more
        than an evaluation) through a weak reference, so a draft's ruleset, tried and dropped,
        is forgotten here when it is collected.
        """
        known = self._by_object.get(id(ruleset))
        compiled = None
        if known is not None and known[0]() is ruleset:
            name = known[1]
        else:
            compiled = {rule.id: compile_rule(rule) for rule in ruleset.rules}
            digest = hashlib.sha256(json.dumps(compiled, sort_keys=True).encode()).hexdigest()[:16]
            name = f"{ruleset.checklist}-{ruleset.version}-{digest}"
            key = id(ruleset)
            self._by_object[key] = (weakref.ref(ruleset, lambda _, key=key: self._by_object.pop(key, None)), name)
        if name in self._names:
            self._names.move_to_end(name)
            return name
        compiled = compiled or {rule.id: compile_rule(rule) for rule in ruleset.rules}
        definition = {rule_id: dict(body, run=self._action(rule_id)) for rule_id, body in compiled.items()}
        definition[SENTINEL_RULE] = {"all": [{"m": {"t": SENTINEL_FACT["t"]}}], "run": self._action(SENTINEL_RULE)}
        self._host.register_rulesets({name: definition})
        self._names[name] = Screen(compiled)
        while len(self._names) > MAX_RULESETS:
            self._unregister(next(iter(self._names)))
        return name

    def _unregister(self, name: str) -> None:
        """Delete a ruleset from durable (no state of it is left: each evaluation deletes its own)."""
        ruleset = self._host._ruleset_directory.pop(name)
        self._host._ruleset_list.remove(ruleset)
        durable_rules_engine.delete_ruleset(ruleset._handle)
        del self._names[name]

    def _action(self, rule_id: str):
        def record(closure) -> None:
            try:
                if threading.get_ident() != self._thread or closure.s.sid != self._session:
                    raise EngineError(f"action {rule_id} ran outside its evaluation")
                matched = closure._m
                facts = tuple({k: v for k, v in matched[n].items() if k not in INTERNAL_FIELDS} for n in matched)
                self._firings.append(Firing(rule_id, facts))
            except BaseException as error:  # durable would swallow it: keep it for fire() to raise
                self._errors.append(error)

        return record

    def fire(self, ruleset: RuleSet, facts: list[dict[str, Any]], day: dt.date) -> list[Firing]:
        """Assert the facts in a fresh session and return every rule that fired, sentinel excluded."""
        with self._lock:
            name = self._register(ruleset)
            sid = uuid.uuid4().hex
            self._session, self._thread = sid, threading.get_ident()
            self._firings, self._errors = [], []
            days = {DAY_FIELDS[INSPECTION_DATE]: day.toordinal(),
                    DAY_FIELDS[PREVIOUS_MONTH]: first_day_of_previous_month(day).toordinal()}
            screen = self._names[name]
            try:
                for number, fact in enumerate([SENTINEL_FACT, *facts]):
                    if number and not screen.admits(fact):
                        continue
                    try:
                        self._host.assert_fact(name, {**fact, **days, "sid": sid, SEQUENCE_FIELD: number})
                    except durable.MessageNotHandledException:
                        pass  # this fact matches no rule; nothing is pending for it
                if self._errors:
                    raise EngineError(f"rule action failed: {self._errors[0]!r}") from self._errors[0]
                if not any(f.rule_id == SENTINEL_RULE for f in self._firings):
                    raise EngineError("the sentinel rule did not fire; the engine is unreliable")
                return [f for f in self._firings if f.rule_id != SENTINEL_RULE]
            finally:
                self._host.delete_state(name, sid)
                self._session = self._thread = None

    @property
    def registered(self) -> int:
        """How many distinct rulesets durable holds in this process now (at most MAX_RULESETS)."""
        return len(self._names)

    @property
    def remembered(self) -> int:
        """How many ruleset objects this engine remembers a name for (each one still alive)."""
        return len(self._by_object)


_engine: RuleEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> RuleEngine:
    """The one engine of this process, created on first use."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = RuleEngine()
        return _engine
