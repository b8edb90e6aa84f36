"""The hazard log (docs/safety/hazard-log.md) is checked: every field present, every risk value from the
matrix of nhs-standards.md, every control with evidence, and every evidence id an existing test function.
The suite itself runs those tests, so a control whose evidence fails fails the build."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LOG = ROOT / "docs" / "safety" / "hazard-log.md"

SEVERITIES = ["minor", "significant", "considerable", "major", "catastrophic"]
MATRIX = {  # likelihood -> risk by severity (nhs-standards.md)
    "very high": [3, 4, 4, 5, 5],
    "high": [2, 3, 3, 4, 5],
    "medium": [2, 2, 3, 3, 4],
    "low": [1, 2, 2, 3, 4],
    "very low": [1, 1, 2, 2, 3],
}
FIELDS = ["Condition", "Causes", "Effect", "Possible harm", "Existing controls", "Initial", "Added controls",
          "Residual", "Owner", "Status"]
RISK = re.compile(r"severity (?P<s>[a-z ]+), likelihood (?P<l>[a-z ]+), risk (?P<r>\d)")
NODE = re.compile(r"`(partners/[\w/]+\.py::[\w:]+)`")


def risk(severity: str, likelihood: str) -> int:
    return MATRIX[likelihood][SEVERITIES.index(severity)]


def hazards() -> dict[str, dict[str, str]]:
    entries: dict[str, dict[str, str]] = {}
    for block in re.split(r"^## ", LOG.read_text(), flags=re.M)[1:]:
        title, _, body = block.partition("\n")
        fields: dict[str, str] = {}
        current = None
        for line in body.splitlines():
            match = re.match(r"- \*\*(.+?)\*\*: ?(.*)", line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif current and line.startswith("  - "):
                fields[current] += "\n" + line.strip()
        entries[title.split()[0]] = {"title": title, **fields}
    return entries


@cache
def defined_functions(path: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text())
    names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        names |= {f"{cls.name}::{n.name}" for n in cls.body if isinstance(n, ast.FunctionDef)}
    return names


def test_the_log_has_hazards_in_normal_and_fault_conditions_and_for_third_party_components():
    entries = hazards()
    assert len(entries) >= 10
    assert {e["Condition"] for e in entries.values()} == {"normal", "fault", "third-party"}
    assert all(re.fullmatch(r"H\d\d", key) for key in entries)


@pytest.mark.parametrize("hazard", sorted(hazards()))
def test_each_hazard_has_every_field_and_risks_that_follow_the_matrix(hazard):
    entry = hazards()[hazard]
    assert [f for f in FIELDS if not entry.get(f, "").strip()] == []
    assert entry["Status"] in {"open", "transferred", "closed"}
    values = {}
    for stage in ("Initial", "Residual"):
        match = RISK.fullmatch(entry[stage].strip())
        assert match, f"{hazard} {stage}: write 'severity S, likelihood L, risk R'"
        severity, likelihood, value = match.group("s"), match.group("l"), int(match.group("r"))
        assert value == risk(severity, likelihood), f"{hazard} {stage}: the matrix gives {risk(severity, likelihood)}"
        values[stage] = value
    assert values["Residual"] <= values["Initial"]
    assert values["Residual"] <= 3, "residual risk 4 or 5 cannot be released"
    if values["Residual"] == 3:
        assert entry["Status"] == "transferred", "a residual risk of 3 needs the CSO to transfer or justify it"


@pytest.mark.parametrize("hazard", sorted(hazards()))
def test_every_added_control_cites_tests_that_exist(hazard):
    controls = [line for line in hazards()[hazard]["Added controls"].splitlines() if line.startswith("- ")]
    assert controls, f"{hazard} has no added controls"
    for control in controls:
        kind = control[2:].split(":", 1)[0]
        assert kind in {"design", "test", "training", "business process"}, control
        nodes = NODE.findall(control)
        assert nodes, f"{hazard}: a control without evidence: {control}"
        for node in nodes:
            path, _, name = node.partition("::")
            assert (ROOT / path).exists(), f"{hazard}: {path} does not exist"
            assert name.split("::")[-1].startswith("test_") and name in defined_functions(path), \
                f"{hazard}: {node} is not a test in {path}"


def test_the_checker_refuses_a_made_up_test():
    assert "test_that_does_not_exist" not in defined_functions("partners/common/tests/test_faults.py")
    assert risk("catastrophic", "very high") == 5 and risk("minor", "very low") == 1
