"""The command lines: `python -m inspect_app evaluate FILE|-` and `flask --app inspect_app catalog check`.

The evaluator runs as a real subprocess from the project root, exactly as the spec's
"Evaluation interface" describes it: result JSON on stdout with status 0, or status 2 with one
stderr line per problem (naming the item code or field) and nothing on stdout.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from inspect_app.evaluation import PROJECT_ROOT
from test_catalog import yaml_counts

COMPLIANT = PROJECT_ROOT / "tests" / "data" / "compliant.json"

# The input example of the spec's "Evaluation interface" section, verbatim.
SPEC_EXAMPLE = """\
{
  "checklist": "papi-xa",
  "inspection_date": "2020-09-15",
  "commune": {"code": "00001", "villages": 12},
  "answers": {"TG-01": "yes", "TG-02": 3, "CK-01": "cu_nat", "CK-06": "2020-01-05", "CK-07": null,
              "GT-09": 87.5, "TG-06": "na"},
  "evidence": {"CK-01": 2},
  "previous": {
    "inspection_date": "2020-03-10",
    "findings": [{"code": "GT-03", "deadline": "2020-03-13", "status": "open"}]
  }
}
"""


def run(*args: str, stdin: str | bytes | None = None, catalog_dir: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m inspect_app …` from the project root; stdout/stderr decoded as UTF-8."""
    env = {k: v for k, v in os.environ.items() if k != "INSPECT_CATALOG_DIR"}
    if catalog_dir is not None:
        env["INSPECT_CATALOG_DIR"] = str(catalog_dir)
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    done = subprocess.run(
        [sys.executable, "-m", "inspect_app", *args],
        cwd=PROJECT_ROOT, input=data, capture_output=True, env=env, timeout=120,
    )
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


def evaluate_doc(doc: dict) -> subprocess.CompletedProcess:
    return run("evaluate", "-", stdin=json.dumps(doc, ensure_ascii=False))


def assert_refused(done: subprocess.CompletedProcess, *expected: str) -> list[str]:
    """Status 2, nothing on stdout, one stderr line per expected token (in any order), each naming it."""
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == len(expected), lines
    for token in expected:
        assert any(line.startswith(f"{token}: ") for line in lines), (token, lines)
    return lines


@pytest.fixture
def broken_catalog(tmp_path: Path) -> Path:
    """A copy of the catalog with one malformed deadline and one unknown operator in the rules."""
    shutil.copytree(PROJECT_ROOT / "checklists", tmp_path / "checklists")
    shutil.copytree(PROJECT_ROOT / "rules", tmp_path / "rules")
    rules = tmp_path / "rules" / "papi-xa-v1.yaml"
    text = rules.read_text(encoding="utf-8")
    for old, new in (('deadline: "10wd"', 'deadline: "10 wd"'), ("{$lt: {value: 4}}", "{$foo: {value: 4}}")):
        assert old in text
        text = text.replace(old, new, 1)
    rules.write_text(text, encoding="utf-8")
    return tmp_path


# --------------------------------------------------------------------------- valid input


def assert_clean_result(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    result = json.loads(done.stdout)
    assert set(result) == {"findings", "scores", "missing"}
    assert result["findings"] == []
    assert result["missing"] == []
    assert result["scores"] == {"TG": 10.0, "CK": 10.0, "GT": 10.0, "TN": 10.0, "TT": 10.0, "DV": 10.0,
                                "MT": 10.0, "DT": 10.0, "total": 80.0}
    return result


def test_compliant_file_by_path():
    assert_clean_result(run("evaluate", str(COMPLIANT)))


def test_compliant_file_by_relative_path_from_project_root():
    assert_clean_result(run("evaluate", "tests/data/compliant.json"))


def test_compliant_document_on_stdin():
    assert_clean_result(run("evaluate", "-", stdin=COMPLIANT.read_bytes()))


def test_spec_example():
    done = run("evaluate", "-", stdin=SPEC_EXAMPLE)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    result = json.loads(done.stdout)
    assert set(result) == {"findings", "scores", "missing"}
    overdue = [f for f in result["findings"] if f["code"] == "X-02"]
    assert len(overdue) == 1
    assert overdue[0]["items"] == ["GT-03"]
    assert overdue[0]["kind"] == "violation"
    assert overdue[0]["deadline"] == "2020-09-22"  # 5 working days after Tuesday 15/09/2020
    assert "GT-03" in overdue[0]["title"]
    assert overdue[0]["legal_basis"]
    assert result["missing"], "the example answers only a few items"
    assert "TT-05" in result["missing"] and "TG-01" not in result["missing"]
    codes = [f["code"] for f in result["findings"]]
    assert "TG-02" in codes and "CK-01" in codes  # 3 < 4 tin, bài; cu_nat
    assert set(result["scores"]) == {"TG", "CK", "GT", "TN", "TT", "DV", "MT", "DT", "total"}


def test_output_is_utf8_vietnamese_not_escaped(compliant):
    compliant["answers"]["TG-01"] = "no"
    done = evaluate_doc(compliant)
    assert done.returncode == 0, done.stderr
    assert "Hệ thống truyền thanh" in done.stdout
    (finding,) = json.loads(done.stdout)["findings"]
    assert (finding["code"], finding["deadline"]) == ("TG-01", "2020-09-29")


# --------------------------------------------------------------------------- invalid input


def _set(path: str, value):
    def change(doc: dict) -> None:
        *parents, last = path.split(".")
        target = doc
        for key in parents:
            target = target[key]
        target[last] = value
    return change


def _delete(path: str):
    def change(doc: dict) -> None:
        *parents, last = path.split(".")
        target = doc
        for key in parents:
            target = target[key]
        del target[last]
    return change


def _previous(status: str):
    def change(doc: dict) -> None:
        doc["previous"] = {"inspection_date": "2020-03-10",
                           "findings": [{"code": "GT-03", "deadline": "2020-03-13", "status": status}]}
    return change


INVALID = {
    "unknown-code": (_set("answers.ZZ-01", "yes"), "ZZ-01"),
    "wrong-type-int-as-string": (_set("answers.TG-02", "4"), "TG-02"),
    "wrong-type-yesno-as-bool": (_set("answers.TG-01", True), "TG-01"),
    "wrong-type-int-as-float": (_set("answers.CK-10", 30.5), "CK-10"),
    "unknown-choice": (_set("answers.CK-01", "dep"), "CK-01"),
    "out-of-range-tt04": (_set("answers.TT-04", 4), "TT-04"),
    "out-of-range-pct": (_set("answers.GT-09", 100.5), "GT-09"),
    "pct-two-decimals": (_set("answers.DV-03", 95.55), "DV-03"),
    "negative-int": (_set("answers.TG-02", -1), "TG-02"),
    "na-not-allowed-yesno": (_set("answers.TG-01", "na"), "TG-01"),
    "na-not-allowed-int": (_set("answers.TG-03", "na"), "TG-03"),
    "malformed-answer-date": (_set("answers.CK-06", "05/01/2020"), "CK-06"),
    "impossible-answer-date": (_set("answers.CK-07", "2020-02-30"), "CK-07"),
    "malformed-inspection-date": (_set("inspection_date", "15/09/2020"), "inspection_date"),
    "missing-villages": (_delete("commune.villages"), "commune.villages"),
    "villages-zero": (_set("commune.villages", 0), "commune.villages"),
    "villages-string": (_set("commune.villages", "12"), "commune.villages"),
    "unknown-previous-status": (_previous("done"), "previous.findings[0].status"),
    "bad-evidence-count": (_set("evidence.CK-01", -1), "evidence.CK-01"),
}


@pytest.mark.parametrize("change, field", INVALID.values(), ids=INVALID.keys())
def test_invalid_document_is_refused_with_one_line_naming_the_field(compliant, change, field):
    change(compliant)
    assert_refused(evaluate_doc(compliant), field)


def test_three_problems_give_exactly_three_lines(compliant):
    compliant["answers"]["TT-04"] = 4
    compliant["answers"]["TG-01"] = "na"
    del compliant["commune"]["villages"]
    lines = assert_refused(evaluate_doc(compliant), "TT-04", "TG-01", "commune.villages")
    assert len(lines) == 3


def test_bad_json_text():
    done = run("evaluate", "-", stdin='{"checklist": "papi-xa", "answers": {')
    (line,) = assert_refused(done, "-")
    assert "JSON không hợp lệ" in line


def test_json_that_is_not_an_object():
    (line,) = assert_refused(run("evaluate", "-", stdin="[1, 2, 3]"), "tài liệu")
    assert "đối tượng JSON" in line


def test_bad_json_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{'single': 'quotes'}", encoding="utf-8")
    (line,) = assert_refused(run("evaluate", str(path)), str(path))
    assert "JSON không hợp lệ ở dòng 1" in line


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"checklist": "papi-xá"}'.encode("latin-1"))
    (line,) = assert_refused(run("evaluate", str(path)), str(path))
    assert "UTF-8" in line


def test_missing_file(tmp_path):
    path = tmp_path / "khong-co.json"
    (line,) = assert_refused(run("evaluate", str(path)), str(path))
    assert "không đọc được tệp" in line


def test_broken_catalog_exits_1(broken_catalog):
    done = run("evaluate", str(COMPLIANT), catalog_dir=broken_catalog)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "Hạn khắc phục không hợp lệ: '10 wd'" in done.stderr
    assert "toán tử '$foo' không được hỗ trợ" in done.stderr


def test_evaluate_without_a_file_is_a_usage_error():
    done = run("evaluate")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "usage" in done.stderr.lower()


# --------------------------------------------------------------------------- flask catalog check


def test_catalog_check_on_the_project_catalog(runner, catalog):
    result = runner.invoke(args=["catalog", "check"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    counts = [yaml_counts(PROJECT_ROOT, version) for version in (1, 2)]
    assert lines[:3] == [*(f"papi-xa@{v}: {items} tiêu chí, {rules} luật — hợp lệ" for v, (items, rules) in
                           enumerate(counts, 1)),
                         f"Sổ đăng ký văn bản: {len(catalog.register.instruments)} văn bản, "
                         f"{sum(i.verified for i in catalog.register.instruments.values())} đã xác minh."]
    assert lines[3:] == [f"Cảnh báo: {warning}" for warning in catalog.warnings] and catalog.warnings


def test_catalog_check_on_a_pristine_copy(runner, tmp_path):
    shutil.copytree(PROJECT_ROOT / "checklists", tmp_path / "checklists")
    shutil.copytree(PROJECT_ROOT / "rules", tmp_path / "rules")
    result = runner.invoke(args=["catalog", "check", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "papi-xa@2: 60 tiêu chí, 66 luật — hợp lệ" in result.stdout


def test_catalog_check_on_a_broken_copy(runner, broken_catalog):
    result = runner.invoke(args=["catalog", "check", "--dir", str(broken_catalog)])
    assert result.exit_code == 1
    assert result.stdout == ""
    rules_file = broken_catalog / "rules" / "papi-xa-v1.yaml"
    rule_lines = {line.strip(): n for n, line in enumerate(rules_file.read_text(encoding="utf-8").splitlines(), 1)}
    lines = result.stderr.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{rules_file}:{rule_lines['- id: TG-01']}: luật TG-01: Hạn khắc phục không hợp lệ: '10 wd'")
    assert lines[1].startswith(f"{rules_file}:{rule_lines['- id: TG-02']}: luật TG-02: toán tử '$foo' không được hỗ trợ")
