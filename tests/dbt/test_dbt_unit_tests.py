"""Every dbt unit test (`unit_tests:` in the model YAML: hand-worked inputs and expected rows)
runs and passes, fast, without any data: on a new DuckDB file with only the raw / ops tables,
the unit-tested models' ancestors are built empty (`--empty`, so the fixtures get their
columns' types) and the unit tests run in the same `dbt build`; data tests are left out.

    .venv/bin/python -m pytest -q tests/dbt/test_dbt_unit_tests.py

The refresh does not run them (its dbt build excludes test_type:unit).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.warehouse.schema import connect


def _declared_unit_tests() -> list[str]:
    names = []
    for path in sorted((DBT_PROJECT_DIR / "models").rglob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names += [test["name"] for test in doc.get("unit_tests") or []]
    return names


def test_every_dbt_unit_test_passes_on_an_empty_warehouse(tmp_path: Path) -> None:
    declared = _declared_unit_tests()
    assert declared, "no unit_tests in the model YAML"
    with connect(tmp_path / "warehouse.duckdb"):
        pass  # the raw and ops tables the sources read, empty
    argv = [
        str(Path(sys.executable).with_name("dbt")),
        "build",
        "--empty",
        "--select",
        "+test_type:unit",
        "--exclude",
        "test_type:data",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(tmp_path / "target"),
        "--log-path",
        str(tmp_path / "logs"),
    ]
    env = {**os.environ, "CITYGVC_DATA_DIR": str(tmp_path)}
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-6000:]}"

    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    unit = {
        r["unique_id"].rsplit(".", 1)[-1]: r["status"]
        for r in results
        if r["unique_id"].startswith("unit_test.")
    }
    assert len(unit) >= len(declared) and set(declared) <= set(unit), (declared, unit)
    assert set(unit.values()) == {"pass"}, unit
