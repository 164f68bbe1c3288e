"""Where a refresh's time went, from the records the product keeps: its own phase timings
(`ops.run_phases` in the warehouse: ingest phases per release, each dbt layer, each GX gate,
the publish) and Dagster's event log (step and run boundaries, hence the overhead outside
steps). Read after the refresh process has exited; the warehouse is opened read-only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from tools.bench.measure import Measurement, dagster_runs, dbt_invocations, step_category

INGEST_PHASES = ("land", "read", "checks", "gx", "write")


@dataclass(frozen=True)
class Phase:
    refresh_id: str
    release_id: str | None
    phase: str
    seconds: float


def read_phases(warehouse: Path, skip_refresh_ids: set[str] | None = None) -> list[Phase]:
    """Every phase row of ops.run_phases, except those of the refreshes in `skip_refresh_ids`
    (the ones measured before)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select refresh_id, release_id, phase, seconds from ops.run_phases order by recorded_at"
        ).fetchall()
    skip = skip_refresh_ids or set()
    return [Phase(*row) for row in rows if row[0] not in skip]


def phase_totals(phases: list[Phase]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for p in phases:
        totals[p.phase] = totals.get(p.phase, 0.0) + p.seconds
    return totals


def _step_seconds(
    measurement: Measurement, dagster_home: Path
) -> tuple[dict[str, float], float, float, list[str]]:
    """Seconds in Dagster steps by category; seconds inside runs; when the first run began."""
    end = measurement.started_at + measurement.wall_s
    runs = dagster_runs(dagster_home, measurement.started_at, end)
    steps: dict[str, float] = {}
    for run in runs:
        for step in run.steps:
            category = step_category(step.step_key)
            steps[category] = steps.get(category, 0.0) + step.seconds
    first_event = min((r.start for r in runs), default=end)
    return steps, sum(r.seconds for r in runs), first_event, [r.run_id for r in runs]


def refresh_breakdown(
    measurement: Measurement, dagster_home: Path, dbt_target: Path, phases: list[Phase]
) -> dict:
    """Where a refresh's wall time went: the product's phases, Dagster steps by category and
    everything outside steps (Dagster overhead)."""
    steps, in_runs, first_event, run_ids = _step_seconds(measurement, dagster_home)
    totals = phase_totals(phases)
    ingest = {name: totals.get(name, 0.0) for name in INGEST_PHASES}
    ingest["ingest_other"] = steps.get("ingest", 0.0) - sum(ingest.values())
    dbt_layers = {p.removeprefix("dbt."): s for p, s in totals.items() if p.startswith("dbt.")}
    gates = sum(s for p, s in totals.items() if p.startswith("gx_gate."))
    wall, in_steps = measurement.wall_s, sum(steps.values())
    overhead = wall - in_steps
    gx_total = ingest["gx"] + steps.get("gx_checks", 0.0)
    before_first = first_event - measurement.started_at
    return {
        "wall_s": wall,
        "runs": len(run_ids),
        "refresh_ids": sorted({p.refresh_id for p in phases}),
        "releases_timed": len({p.release_id for p in phases if p.phase == "read"}),
        "steps_s": steps,
        "ingest_phases_s": ingest,
        "dbt_layers_s": dbt_layers,
        "publish_s": totals.get("publish", 0.0),
        "gx_s": {
            "ingest_suites": ingest["gx"],
            "gates": gates,
            "asset_check_steps": steps.get("gx_checks", 0.0),
            "total": gx_total,
        },
        "dagster_overhead_s": {
            "total": overhead,
            "before_first_run": before_first,
            "inside_runs_outside_steps": in_runs - in_steps,
            "between_and_after_runs": overhead - before_first - (in_runs - in_steps),
        },
        "shares": {
            "reading_files": ingest["read"] / wall,
            "gx": gx_total / wall,
            "dbt": steps.get("dbt", 0.0) / wall,
            "dagster_overhead": overhead / wall,
        },
        "dbt_invocations": dbt_invocations(dbt_target, measurement.started_at),
    }
