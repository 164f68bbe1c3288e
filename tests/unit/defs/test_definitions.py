"""The Dagster code location loads and forms one lineage graph from release to publish."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster import AssetKey, Definitions
from dagster._core.definitions.assets.graph.asset_graph import AssetGraph

from orchestration.definitions import build_definitions
from orchestration.settings import Settings


def _defs(tmp_path: Path) -> Definitions:
    return build_definitions(Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path)}))


def _ancestors(graph: AssetGraph, key: AssetKey) -> set[AssetKey]:
    seen: set[AssetKey] = set()
    todo = [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_definitions_load_with_jobs_sensors_and_schedules(tmp_path: Path) -> None:
    defs = _defs(tmp_path)
    for job in ("ingest_asif", "ingest_fdi_city", "transform_and_publish", "refresh_job"):
        assert defs.resolve_job_def(job).name == job
    assert {s.name for s in defs.sensors} >= {"release_catalog_sensor", "run_failure_alert_sensor"}
    assert {s.name for s in defs.schedules} >= {"daily_refresh"}


def test_lineage_runs_from_release_partitions_to_the_publish(tmp_path: Path) -> None:
    graph = _defs(tmp_path).resolve_asset_graph()
    publish = AssetKey(["serve", "published_marts"])
    upstream = _ancestors(graph, publish)
    layers = {k.path[0] for k in upstream}
    assert {"raw", "seeds", "staging", "intermediate", "marts"} <= layers
    assert {AssetKey(["raw", "asif"]), AssetKey(["raw", "fdi_city"])} <= upstream
    assert AssetKey(["marts", "fct_city_indicators"]) in upstream
    assert graph.get(AssetKey(["raw", "asif"])).partitions_def.name == "asif_releases"
    # every mart has a blocking GX gate or dbt tests attached as asset checks
    checks = {c.asset_key for c in graph.asset_check_keys}
    assert AssetKey(["marts", "fct_city_indicators"]) in checks
    assert AssetKey(["staging", "stg_asif__firm_years"]) in checks


def test_loading_the_definitions_leaves_the_numeric_steps_unimported() -> None:
    """The UI, the daemon and every run load the definitions; pandas, NumPy and SciPy (the
    complexity and disclosure steps') load only when a step runs (0.7 s of a 2.8 s load)."""
    probe = (
        "import sys, orchestration.definitions; "
        "print(sorted(m for m in ('pandas', 'numpy', 'scipy', 'highspy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
