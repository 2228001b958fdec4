"""The load test's verdict on acknowledged answers (bench/load/run.py): it must catch a lost answer.

Without this, a check that passes vacuously would make the load test prove nothing.
"""
from __future__ import annotations

import importlib.util
import sys
from types import SimpleNamespace

from inspect_app.evaluation import PROJECT_ROOT

spec = importlib.util.spec_from_file_location("load_run", PROJECT_ROOT / "bench" / "load" / "run.py")
load_run = sys.modules["load_run"] = importlib.util.module_from_spec(spec)  # dataclasses look it up
spec.loader.exec_module(load_run)


def inspector(ledger):
    return SimpleNamespace(username="load-1-000", inspection_id=7, ledger=ledger)


def test_an_acknowledged_answer_must_be_stored_unless_a_later_lost_change_replaced_it():
    ledger = load_run.Ledger()
    ledger.ack({"TG-01": "yes", "TG-02": 3})
    ledger.lost({"TG-01": "no"})  # sent after, answer lost with the killed worker: stored or not
    assert load_run.check_acknowledged([inspector(ledger)], {7: {"TG-01": "no", "TG-02": 3}}) == []
    assert load_run.check_acknowledged([inspector(ledger)], {7: {"TG-01": "yes", "TG-02": 3}}) == []
    lost = load_run.check_acknowledged([inspector(ledger)], {7: {"TG-01": "yes", "TG-02": 4}})
    assert lost == ["load-1-000 TG-02: acknowledged 3, stored 4"]
    assert load_run.check_acknowledged([inspector(ledger)], {7: {"TG-01": "yes"}}) == \
        ["load-1-000 TG-02: acknowledged 3, stored '<absent>'"]


def test_a_later_acknowledgement_forgets_the_earlier_uncertainty():
    ledger = load_run.Ledger()
    ledger.lost({"TG-01": "no"})
    ledger.ack({"TG-01": "yes"})
    assert load_run.check_acknowledged([inspector(ledger)], {7: {"TG-01": "no"}}) == \
        ["load-1-000 TG-01: acknowledged 'yes', stored 'no'"]
    assert ledger.puts_acked == 1
