"""The disclosure step on a real DuckDB warehouse (orchestration/disclosure/step.py): it reads
the two intermediate tables dbt builds, writes `disclosure.secondary_completions`, reuses a
year and magnitude whose inputs are unchanged, forgets a year that is gone, and stops on a
value it cannot protect, naming it, without writing that year.

The hand table: a 2 × 2 table with its margins, gross output of one city and year,

          c1   c2 |  r
    r1    10   20 |  30
    r2    30   40 |  70
    ------------------
          40   60 | 100

with the inner cell a11 = 10 primary (protection 3) and everything else published, as a
greedy pattern that found no partner would leave it: a11 = r1 − a12. Hiding a11's row or
column partner alone still pins it (a12 = c2 − a22); the least a perturbation of ±3 must move
is the three other inner cells (±3 each: a rectangle), the same amount as through r1, c1
and the total, and the completion's size tie-break picks the smaller inner cells. Exports
of the same cells are all published and pass (nothing to add)."""

from __future__ import annotations

import functools
from pathlib import Path

import duckdb
import pytest

from orchestration.disclosure import completion, step
from orchestration.disclosure.completion import UnprotectedCellsError
from orchestration.disclosure.step import run_disclosure_step
from orchestration.warehouse.schema import connect

VALUES = {"a11": 10, "a12": 20, "a21": 30, "a22": 40, "r1": 30, "r2": 70, "c1": 40, "c2": 60}
VALUES["t"] = 100
RELATIONS = {
    "row:1": ("r1", ["a11", "a12"]),
    "row:2": ("r2", ["a21", "a22"]),
    "col:1": ("c1", ["a11", "a21"]),
    "col:2": ("c2", ["a12", "a22"]),
    "rows": ("t", ["r1", "r2"]),
    "cols": ("t", ["c1", "c2"]),
}


def _warehouse(path: Path, years: dict[int, float]) -> Path:
    """The step's two inputs for `years` (year → a factor on every export value, which keeps
    the relations), the same gross output table each year."""
    with connect(path) as con:
        con.execute("create schema if not exists intermediate")
        con.execute(
            "create or replace table intermediate.int_asif_industry_cells_audit_inputs ("
            " year integer, cell_id varchar, magnitude varchar, value double,"
            " audit_status varchar, protection double, built_from varchar)"
        )
        con.execute(
            "create or replace table intermediate.int_disclosure_groups ("
            " group_id varchar, cell_id varchar, member_role varchar, year integer)"
        )
        for year, export_factor in years.items():
            for cell, value in VALUES.items():
                primary = cell == "a11"
                for magnitude in ("gross_output", "export_value"):
                    status, protection = (
                        ("C", 3.0) if primary and magnitude == "gross_output" else ("F", 0.0)
                    )
                    factor = export_factor if magnitude == "export_value" else 1.0
                    con.execute(
                        "insert into intermediate.int_asif_industry_cells_audit_inputs"
                        " values (?, ?, ?, ?, ?, ?, ?)",
                        [year, cell, magnitude, value * factor, status, protection, "digest"],
                    )
            for relation, (parent, children) in RELATIONS.items():
                for cell in [parent, *children]:
                    role = "parent" if cell == parent else "child"
                    con.execute(
                        "insert into intermediate.int_disclosure_groups values (?, ?, ?, ?)",
                        [relation, cell, role, year],
                    )
    return path


def _completions(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select year, cell_id, magnitude from disclosure.secondary_completions order by all"
        ).fetchall()


def test_the_step_hides_the_cheapest_partners_and_writes_them(tmp_path: Path) -> None:
    path = _warehouse(tmp_path / "warehouse.duckdb", {2012: 1.0})
    audits = run_disclosure_step(path)
    assert [(a.year, a.magnitude, a.primary_values) for a in audits] == [
        (2012, "export_value", 0),
        (2012, "gross_output", 1),
    ]
    expected = [(2012, cell, "gross_output") for cell in ("a12", "a21", "a22")]
    assert _completions(path) == expected


def test_unchanged_magnitudes_are_reused_and_gone_years_forgotten(tmp_path: Path) -> None:
    path = _warehouse(tmp_path / "warehouse.duckdb", {2011: 1.0, 2012: 1.0})
    audited = [(a.year, a.magnitude) for a in run_disclosure_step(path)]
    assert audited == [(y, m) for y in (2011, 2012) for m in ("export_value", "gross_output")]
    assert run_disclosure_step(path) == []  # nothing changed: nothing audited
    # 2012's exports change (gross output does not), 2011 is gone: only 2012's exports are
    # audited again; 2012's gross output completions stay, 2011's go
    _warehouse(path, {2012: 2.0})
    assert [(a.year, a.magnitude) for a in run_disclosure_step(path)] == [(2012, "export_value")]
    assert _completions(path) == [(2012, cell, "gross_output") for cell in ("a12", "a21", "a22")]


def test_a_value_left_unprotected_stops_the_step_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no round of completion allowed the greedy pattern stands, and a11 is derivable:
    the step raises, naming the cell and both sides, and writes nothing for the year."""
    path = _warehouse(tmp_path / "warehouse.duckdb", {2012: 1.0})
    monkeypatch.setattr(
        step, "complete_tables", functools.partial(completion.complete_tables, max_rounds=0)
    )
    with pytest.raises(UnprotectedCellsError, match=r"a11 \(lower, upper\)"):
        run_disclosure_step(path)
    assert _completions(path) == []


def test_a_magnitude_with_other_cells_gets_its_own_relation_index(tmp_path: Path) -> None:
    """The magnitudes of a year share one index of the relations only when their cells are
    the same: gross output without a22 (which the relations hold) is named, not misread
    through the exports' index."""
    path = _warehouse(tmp_path / "warehouse.duckdb", {2012: 1.0})
    with connect(path) as con:
        con.execute(
            "delete from intermediate.int_asif_industry_cells_audit_inputs"
            " where cell_id = 'a22' and magnitude = 'gross_output'"
        )
    with pytest.raises(ValueError, match="relations: unknown cell_id a22"):
        run_disclosure_step(path)


def test_one_core_audits_the_years_in_turn_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a second core the years are read, audited and written one after another on
    one connection (no worker pool): the same completions as the pool writes."""
    path = _warehouse(tmp_path / "warehouse.duckdb", {2011: 1.0, 2012: 1.0})
    monkeypatch.setattr(step.os, "cpu_count", lambda: 1)
    audited = [(a.year, a.magnitude) for a in run_disclosure_step(path)]
    assert audited == [(y, m) for y in (2011, 2012) for m in ("export_value", "gross_output")]
    expected = [(y, cell, "gross_output") for y in (2011, 2012) for cell in ("a12", "a21", "a22")]
    assert _completions(path) == expected
