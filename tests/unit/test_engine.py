"""The durable_rules adapter's defences (inspect_app/engine/__init__.py), each shown to hold.

Private engines are subclasses of RuleEngine built here, so that the production code stays as it
is: they record the thread and session every action runs in, count `delete_state`, or make the
recording of a firing raise. A missing session is what durable reports for a deleted state:
`get_state` raises durable_rules_engine.error with code 309 (ERR_SID_NOT_FOUND).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import durable_rules_engine
import pytest
from durable import engine as durable

import inspect_app
import inspect_app.engine as engine_module
from bench import plain_rules
from bench.answer_sets import answer_sets
from inspect_app import evaluate
from inspect_app.domain.assessment import build_facts, parse_document
from inspect_app.domain.catalog import load_catalog
from inspect_app.engine import MAX_RULESETS, SENTINEL_RULE, EngineError, RuleEngine, Screen, _TimerlessHost, compile_rule, \
    get_engine
from inspect_app.evaluation import PROJECT_ROOT, evaluate_input

SID_NOT_FOUND = "309"


class CountingHost(_TimerlessHost):
    """The adapter's host, recording every state deletion and every fact no rule matched."""

    def __init__(self):
        super().__init__()
        self.deleted: list[tuple[str, str]] = []
        self.not_handled = 0

    def delete_state(self, ruleset_name, sid=None):
        self.deleted.append((ruleset_name, sid))
        return super().delete_state(ruleset_name, sid)

    def assert_fact(self, ruleset_name, fact, complete=None):
        try:
            return super().assert_fact(ruleset_name, fact, complete)
        except durable.MessageNotHandledException:
            self.not_handled += 1
            raise


class Exploding(list):
    def append(self, firing):
        raise Boom(f"cannot record {firing.rule_id}")


class Boom(Exception):
    pass


class SpyEngine(RuleEngine):
    """A private engine: records (rule, thread, session, state seen) per action; can fail on demand."""

    def __init__(self):
        self.fail = False
        super().__init__()
        self._host = CountingHost()
        self.calls: list[tuple[str, int, str | None, str | None]] = []

    @property
    def _firings(self):
        return self.__dict__["_recorded"]

    @_firings.setter
    def _firings(self, value):  # fire() starts every evaluation with a fresh list: swap it here
        self.__dict__["_recorded"] = Exploding(value) if self.fail else value

    def _action(self, rule_id):
        record = super()._action(rule_id)

        def run(closure):
            name = next(iter(self._names))
            seen = self._host.get_state(name, self._session)["sid"]  # the live session's state
            self.calls.append((rule_id, threading.get_ident(), self._session, seen))
            record(closure)

        return run


def with_engine(doc, catalog, engine):
    """The contract result of evaluate_input() through `engine` (None: the process engine)."""
    return evaluate_input(parse_document(doc, catalog), catalog, engine).to_contract()


def assert_state_gone(engine, name, sid):
    with pytest.raises(durable_rules_engine.error, match=SID_NOT_FOUND):
        engine._host.get_state(name, sid)
    with pytest.raises(durable_rules_engine.error, match=SID_NOT_FOUND):
        engine._host.get_facts(name, sid)


def assert_idle(engine):
    assert engine._session is None and engine._thread is None
    assert engine._lock.acquire(blocking=False), "the evaluation lock was left held"
    engine._lock.release()


def durable_timers():
    """Live threads that are threading.Timer instances or run durable code."""
    found = []
    for thread in threading.enumerate():
        target = getattr(thread, "function", None) or getattr(thread, "_target", None)
        if isinstance(thread, threading.Timer) or "durable" in (getattr(target, "__module__", None) or ""):
            found.append(thread)
    return found


@pytest.fixture
def busy(compliant):
    """An inspection that fires item, join (J-01), evidence (E-01), X-01 and X-02 rules.

    Its input-only answers (CK-06, TT-02, TT-06, DT-02) match no rule at all.
    """
    compliant["answers"].update({"TG-01": "no", "CK-05": "no", "GT-03": "khong", "TT-02": 7})
    compliant["evidence"] = {"CK-02": 1, "CK-03": 1, "GT-04": 1}
    compliant["previous"] = {"inspection_date": "2020-03-10",
                             "findings": [{"code": "GT-03", "deadline": "2020-03-13", "status": "open"}]}
    return compliant


BUSY_RULES = ["TG-01", "E-01", "CK-05", "J-01", "GT-03", "TT-03", "X-01", "X-02"]


# --- one engine per process --------------------------------------------------------------


def test_get_engine_is_one_object_across_calls_and_apps():
    first = get_engine()
    assert get_engine() is first and engine_module._engine is first
    for _ in range(3):
        app = inspect_app.create_app({"TESTING": True})
        with app.app_context():
            assert get_engine() is first


def test_get_engine_creates_one_engine_under_a_race(monkeypatch):
    monkeypatch.setattr(engine_module, "_engine", None)
    start = threading.Barrier(8)

    def get():
        start.wait()
        return get_engine()

    with ThreadPoolExecutor(8) as pool:
        engines = list(pool.map(lambda _: get(), range(8)))
    assert len({id(e) for e in engines}) == 1


def test_evaluating_through_two_apps_registers_the_ruleset_once(compliant):
    engine = get_engine()
    compliant["answers"]["TG-01"] = "no"
    counts = []
    for _ in range(2):
        app = inspect_app.create_app({"TESTING": True})
        with app.app_context():
            catalog = app.extensions["catalog"].loaded
            assert [f["code"] for f in with_engine(compliant, catalog, None)["findings"]] == ["TG-01"]
            counts.append(engine.registered)
    # a catalog loaded afresh is other objects with the same content: still the same ruleset
    fresh = load_catalog(PROJECT_ROOT)
    assert [f["code"] for f in with_engine(compliant, fresh, None)["findings"]] == ["TG-01"]
    counts.append(engine.registered)
    assert counts[0] >= 1 and counts == [counts[0]] * 3
    assert len(engine._host._ruleset_list) == engine.registered == len(engine._names)


# --- no background dispatch threads --------------------------------------------------------


def test_no_durable_timer_threads_after_evaluations(busy, catalog):
    engine = get_engine()
    for day in ("2020-09-15", "2023-07-03", "2025-06-30"):
        busy["inspection_date"] = day
        busy["answers"].update({"CK-06": f"{day[:4]}-01-05", "CK-07": None, "CK-08": None})
        evaluate(busy)
    SpyEngine().fire(catalog.rulesets["papi-xa@1"], [], dt.date(2020, 9, 15))
    time.sleep(0.15)  # durable's timers would have started 0.1 s after the host was built
    assert durable_timers() == []
    assert isinstance(engine._host, _TimerlessHost)
    assert not hasattr(engine._host, "_d_timer") and not hasattr(engine._host, "_t_timer")
    assert _TimerlessHost._run is not durable.Host._run


# --- actions run synchronously in the calling thread --------------------------------------


@pytest.mark.parametrize("in_worker_thread", [False, True])
def test_every_action_runs_in_the_calling_thread_before_fire_returns(busy, catalog, in_worker_thread):
    engine = SpyEngine()
    out = {}

    def run():
        out["thread"] = threading.get_ident()
        out["result"] = with_engine(busy, catalog, engine)
        out["calls_at_return"] = list(engine.calls)

    if in_worker_thread:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(10)
        assert not worker.is_alive()
    else:
        run()
    assert engine._host.not_handled >= 4  # CK-06, TT-02, TT-06, DT-02 at least: no rule matches them
    calls = out["calls_at_return"]
    assert [rule for rule, *_ in calls] == [SENTINEL_RULE, *BUSY_RULES]
    (sid,) = {session for _, _, session, _ in calls}
    assert sid is not None and all(seen == sid for *_, seen in calls)
    assert {thread for _, thread, _, _ in calls} == {out["thread"]}
    assert [f["code"] for f in out["result"]["findings"]] == [
        "TG-01", "CK-05", "GT-03", "TT-03", "J-01", "E-01", "X-02"]
    assert out["result"] == evaluate(busy)
    time.sleep(0.3)  # nothing is left pending for a timer thread to run later
    assert engine.calls == calls
    assert engine._errors == []
    assert engine._host.deleted == [(next(iter(engine._names)), sid)]
    assert_state_gone(engine, *engine._host.deleted[0])
    assert_idle(engine)


def test_an_action_run_outside_its_evaluation_is_refused(catalog):
    engine = SpyEngine()
    engine._register(catalog.rulesets["papi-xa@1"])

    class Closure:
        class s:
            sid = "not-the-session"

        _m = {}

    RuleEngine._action(engine, "TG-01")(Closure())  # the production action, not the spy
    assert [type(e) for e in engine._errors] == [EngineError]
    assert engine._firings == []


# --- exceptions inside actions -----------------------------------------------------------


def test_an_exception_inside_an_action_is_reraised_and_the_engine_stays_usable(busy, catalog):
    engine = SpyEngine()
    engine.fail = True
    with pytest.raises(EngineError, match="rule action failed") as failure:
        with_engine(busy, catalog, engine)
    assert isinstance(failure.value.__cause__, Boom)
    assert len(engine._host.deleted) == 1
    failed = engine._host.deleted[0]
    assert failed[1] == engine.calls[0][2]  # the session of the failed evaluation was deleted
    assert_state_gone(engine, *failed)
    assert_idle(engine)

    engine.fail = False
    engine.calls.clear()
    assert with_engine(busy, catalog, engine) == evaluate(busy)
    assert [rule for rule, *_ in engine.calls] == [SENTINEL_RULE, *BUSY_RULES]
    assert len(engine._host.deleted) == 2 and engine._host.deleted[1][1] != failed[1]
    assert_state_gone(engine, *engine._host.deleted[1])
    assert_idle(engine)


def test_delete_state_runs_exactly_once_per_evaluation_failed_or_not(busy, compliant, catalog):
    engine = SpyEngine()
    plan = [False, True, False, True, True, False]
    for fail in plan:
        engine.fail = fail
        if fail:
            with pytest.raises(EngineError):
                with_engine(busy, catalog, engine)
        else:
            with_engine(compliant, catalog, engine)
    assert len(engine._host.deleted) == len(plan)
    assert len({sid for _, sid in engine._host.deleted}) == len(plan)
    sessions = list(dict.fromkeys(session for _, _, session, _ in engine.calls))
    assert sessions == [sid for _, sid in engine._host.deleted]
    for deleted in engine._host.deleted:
        assert_state_gone(engine, *deleted)


# --- rules in force, and the sentinel --------------------------------------------------------


def firings_of(doc, catalog, engine=None):
    inspection = parse_document(doc, catalog)
    ruleset = catalog.ruleset(inspection.checklist)
    return (engine or get_engine()).fire(ruleset, build_facts(inspection), inspection.inspection_date)


def test_dv03_out_of_force_in_2021_never_fires(compliant, catalog):
    dv03 = catalog.rulesets["papi-xa@1"].by_code("DV-03")
    bounds = compile_rule(dv03)["all"][0]["m"]["$and"][1:]
    assert bounds == [{"$gte": {"day": dt.date(2020, 6, 11).toordinal()}},
                      {"$lte": {"day": dt.date(2020, 12, 31).toordinal()}}]
    compliant["answers"].update({"DV-03": 80.0, "CK-06": "2020-01-05", "CK-07": "2020-01-20", "CK-08": "2020-10-10"})
    for day, fires in (("2020-12-31", True), ("2021-01-01", False), ("2021-06-15", False), ("2025-03-03", False)):
        compliant["inspection_date"] = day
        assert ("DV-03" in [f.rule_id for f in firings_of(compliant, catalog)]) is fires, day
        assert ("DV-03" in [f["code"] for f in evaluate(compliant)["findings"]]) is fires, day


def test_gt05_rules_each_fire_only_in_the_month_they_measure(catalog):
    """GT-05 measures the month before the inspection: the engine bounds it on that month's first day."""
    gt05, gt05_2026 = (catalog.rulesets["papi-xa@2"].rules[i] for i in
                       [n for n, r in enumerate(catalog.rulesets["papi-xa@2"].rules) if r.code == "GT-05"])
    assert compile_rule(gt05_2026)["all"][0]["m"]["$and"][1:] == [
        {"$gte": {"month_before": dt.date(2026, 7, 1).toordinal()}}]
    facts = [{"item": "GT-05", "value": 1, "photos": 0, "evidence": False}]
    for day, rule in (("2026-07-01", gt05.id), ("2026-07-31", gt05.id), ("2026-08-01", gt05_2026.id)):
        fired = get_engine().fire(catalog.rulesets["papi-xa@2"], facts, dt.date.fromisoformat(day))
        assert [f.rule_id for f in fired] == [rule], day
        assert all("day" not in fact and "month_before" not in fact for f in fired for fact in f.facts)


def test_no_rule_fires_before_it_came_into_force(catalog):
    facts = [{"item": "TG-01", "value": "no", "photos": 0, "evidence": False}]
    assert get_engine().fire(catalog.rulesets["papi-xa@1"], facts, dt.date(2020, 6, 10)) == []
    assert [f.rule_id for f in get_engine().fire(catalog.rulesets["papi-xa@1"], facts, dt.date(2020, 6, 11))] == ["TG-01"]


def test_the_sentinel_never_appears_in_results(catalog):
    assert get_engine().fire(catalog.rulesets["papi-xa@1"], [], dt.date(2020, 9, 15)) == []
    for doc in answer_sets(50, seed=7):
        assert SENTINEL_RULE not in [f.rule_id for f in firings_of(doc, catalog)]
        result = evaluate(doc)
        assert SENTINEL_RULE not in json.dumps(result)


def test_two_identical_previous_findings_are_two_facts_and_internal_fields_stay_inside(compliant, catalog):
    entry = {"code": "GT-03", "deadline": "2020-03-13", "status": "open"}
    compliant["previous"] = {"inspection_date": "2020-03-10", "findings": [entry, dict(entry)]}
    firings = firings_of(compliant, catalog)  # durable alone raises MessageObservedException here
    assert [f.rule_id for f in firings] == ["X-01", "X-02", "X-01", "X-02"]
    assert all(set(fact) == {"t", "code", "status", "days_overdue"} for f in firings for fact in f.facts)
    assert [f["code"] for f in evaluate(compliant)["findings"]] == ["X-02", "X-02"]


# --- concurrency ---------------------------------------------------------------------------


def test_10000_evaluations_on_8_threads_match_the_single_threaded_results():
    docs = answer_sets(50, seed=2020)
    expected = [evaluate(doc) for doc in docs]
    # the answer sets really vary: findings of many kinds, drafts, repeats, different years
    assert len({json.dumps(r, sort_keys=True) for r in expected}) >= 45
    codes = {f["code"] for r in expected for f in r["findings"]}
    assert {"E-01", "X-02", "CK-07"} <= codes and len(codes) >= 30
    assert any(f["repeat"] for r in expected for f in r["findings"])
    assert any(r["findings"] == [] for r in expected) or any(len(r["findings"]) <= 2 for r in expected)
    assert len({doc["inspection_date"][:4] for doc in docs}) >= 6
    assert sum("previous" in doc for doc in docs) >= 5

    engine = get_engine()
    registered = engine.registered
    host = engine._host
    original = host.delete_state
    deleted: list[str] = []

    def counting_delete(name, sid=None):
        deleted.append(sid)
        return original(name, sid)

    threads = set()

    def run(index):
        threads.add(threading.get_ident())
        return index, evaluate(docs[index % len(docs)])

    host.delete_state = counting_delete
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            mismatches = [i for i, result in pool.map(run, range(10_000)) if result != expected[i % len(docs)]]
    finally:
        del host.delete_state
    assert mismatches == []
    assert len(threads) >= 2
    assert len(deleted) == 10_000 and len(set(deleted)) == 10_000
    name = next(n for n in engine._names)
    for sid in deleted[::997]:
        assert_state_gone(engine, name, sid)
    assert engine.registered == registered
    assert_idle(engine)
    assert durable_timers() == []


# --- an evaluation with no findings ------------------------------------------------------------


def test_the_compliant_inspection_leaves_nothing_behind(compliant, catalog):
    engine = get_engine()
    host = engine._host
    original = host.delete_state
    deleted = []
    host.delete_state = lambda name, sid=None: (deleted.append((name, sid)), original(name, sid))[1]
    try:
        assert firings_of(compliant, catalog) == []
        result = evaluate(compliant)
    finally:
        del host.delete_state
    assert result["findings"] == [] and result["missing"] == [] and result["scores"]["total"] == 80.0
    assert len(deleted) == 2
    for name, sid in deleted:
        assert_state_gone(engine, name, sid)
    assert [f.rule_id for f in engine._firings] == [SENTINEL_RULE] and engine._errors == []
    assert_idle(engine)
    assert durable_timers() == []


# --- the screen: only facts some pattern can match reach durable ------------------------------


@pytest.fixture(scope="module")
def v2_screen(catalog):
    ruleset = catalog.rulesets["papi-xa@2"]
    return Screen({rule.id: compile_rule(rule) for rule in ruleset.rules})


@pytest.mark.parametrize("fact, admitted", [
    ({"item": "TG-01", "value": "yes", "photos": 0, "evidence": False}, False),  # compliant: no rule can match
    ({"item": "TG-01", "value": "no", "photos": 0, "evidence": False}, True),
    ({"item": "TG-02", "value": 9, "photos": 0, "evidence": False}, True),  # a threshold: the engine decides
    ({"item": "CK-03", "value": "yes", "photos": 0, "evidence": False}, True),  # J-01's first pattern
    ({"item": "DT-04", "value": "yes", "photos": 0, "evidence": True}, True),  # E-01: no photo of an evidence item
    ({"item": "DT-04", "value": "yes", "photos": 2, "evidence": True}, False),
    ({"t": "previous", "code": "GT-03", "status": "verified"}, True),
    ({"item": "ZZ-99", "value": "no", "photos": 1, "evidence": False}, False),  # an item no rule names
])
def test_the_screen_admits_exactly_the_facts_a_pattern_equality_allows(v2_screen, fact, admitted):
    assert v2_screen.admits(fact) is admitted


def test_the_engine_fires_exactly_as_a_plain_python_evaluation_of_the_same_rules(catalog):
    """The screen never hides a match: 500 varied answer sets, firing for firing."""
    def key(firings):
        return sorted((f.rule_id, json.dumps(f.facts, sort_keys=True)) for f in firings)

    fired = 0
    for doc in answer_sets(500, seed=11):
        inspection = parse_document(doc, catalog)
        ruleset, facts = catalog.ruleset(inspection.checklist), build_facts(inspection)
        by_engine = get_engine().fire(ruleset, facts, inspection.inspection_date)
        assert key(by_engine) == key(plain_rules.fire(ruleset, facts, inspection.inspection_date))
        fired += len(by_engine)
    assert fired > 1000


def test_drafts_tried_do_not_pile_up_in_the_engine(catalog):
    """durable never frees a ruleset (1.3 MB each): the adapter keeps MAX_RULESETS, deleting the least
    recently used, and registers one again when it is used again; dropped rulesets are forgotten."""
    day = dt.date(2026, 6, 15)
    ruleset = catalog.ruleset(catalog.checklist_for("papi-xa", day))
    engine = get_engine()

    def draft(threshold: int):
        condition = {"all": [{"m": {"$and": [{"item": "TG-02"}, {"$lt": {"value": threshold}}]}}]}
        return dataclasses.replace(ruleset, rules=tuple(dataclasses.replace(r, condition=condition)
                                                        if r.id == "TG-02" else r for r in ruleset.rules))

    remembered = engine.remembered
    first = draft(5)
    for threshold in range(5, 5 + 2 * MAX_RULESETS):
        fired = engine.fire(draft(threshold) if threshold > 5 else first, [{"item": "TG-02", "value": 4}], day)
        assert [f.rule_id for f in fired] == ["TG-02"]
        assert engine.registered <= MAX_RULESETS
        assert len(engine._host._ruleset_list) == len(engine._host._ruleset_directory) == engine.registered
    assert [f.rule_id for f in engine.fire(first, [{"item": "TG-02", "value": 4}], day)] == ["TG-02"]  # again
    assert engine.fire(draft(4), [{"item": "TG-02", "value": 4}], day) == []
    del first
    gc.collect()
    assert engine.remembered == remembered
