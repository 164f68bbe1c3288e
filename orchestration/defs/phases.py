"""Recording a step's phase timings (ops.run_phases) under the refresh its run belongs to."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
from dagster import AssetCheckExecutionContext, AssetExecutionContext

from orchestration.warehouse.timings import record_phases, refresh_id_of


def record_step_phases(
    con: duckdb.DuckDBPyConnection,
    context: AssetExecutionContext | AssetCheckExecutionContext,
    phases: Mapping[str, float],
    release_id: str | None = None,
) -> None:
    run = context.run
    refresh_id = refresh_id_of(run.tags, run.run_id)
    record_phases(con, refresh_id, run.run_id, phases, release_id=release_id)
