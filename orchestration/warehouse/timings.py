"""The product's own record of where a refresh's time goes: `ops.run_phases`, one row per
phase of each Dagster run (ingest phases per release, each dbt layer, each GX gate, the
publish). The benchmark and the Dagster metadata read these instead of timing functions from
outside. Never published (publish exports the marts only)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb

# Run tag naming the `citygvc refresh` a Dagster run belongs to; runs started elsewhere (the
# UI, a sensor) record their own run id as the refresh id.
REFRESH_TAG = "citygvc/refresh"

INGEST_PHASES = ("land", "read", "checks", "gx", "write")
DBT_PHASE = "dbt.{layer}"
GX_GATE_PHASE = "gx_gate.{suite}"
PUBLISH_PHASE = "publish"
# The Python steps between the intermediate models and the marts
COMPLEXITY_PHASE = "complexity"
DISCLOSURE_PHASE = "disclosure"


@dataclass(frozen=True)
class PhaseTiming:
    refresh_id: str
    dagster_run_id: str
    release_id: str | None
    phase: str
    seconds: float


def refresh_id_of(tags: Mapping[str, str], run_id: str) -> str:
    return tags.get(REFRESH_TAG) or run_id


def record_phases(
    con: duckdb.DuckDBPyConnection,
    refresh_id: str,
    dagster_run_id: str,
    phases: Mapping[str, float],
    release_id: str | None = None,
) -> None:
    """Append one row per phase (seconds of wall time)."""
    rows = [
        (refresh_id, dagster_run_id, release_id, phase, float(seconds))
        for phase, seconds in phases.items()
    ]
    if rows:
        con.executemany(
            "insert into ops.run_phases (refresh_id, dagster_run_id, release_id, phase, "
            "seconds, recorded_at) values (?, ?, ?, ?, ?, now())",
            rows,
        )


def read_phases(con: duckdb.DuckDBPyConnection, refresh_id: str) -> list[PhaseTiming]:
    rows = con.execute(
        "select refresh_id, dagster_run_id, release_id, phase, seconds from ops.run_phases "
        "where refresh_id = ? order by recorded_at, phase",
        [refresh_id],
    ).fetchall()
    return [PhaseTiming(*row) for row in rows]


def phase_totals(con: duckdb.DuckDBPyConnection, refresh_id: str) -> dict[str, float]:
    """Seconds per phase over the whole refresh (ingest phases summed over releases)."""
    totals: dict[str, float] = {}
    for timing in read_phases(con, refresh_id):
        totals[timing.phase] = totals.get(timing.phase, 0.0) + timing.seconds
    return totals
