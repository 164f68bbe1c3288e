"""The summary block a refresh ends with: releases by status, what went wrong, rows per mart,
the publish, where the time went (ops.run_phases), where BI tools connect and where the full
log is."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.settings import Settings
from orchestration.warehouse.schema import connect
from orchestration.warehouse.timings import (
    COMPLEXITY_PHASE,
    DISCLOSURE_PHASE,
    INGEST_PHASES,
    phase_totals,
)


@dataclass
class RefreshReport:
    refresh_id: str = ""
    ingested: list[str] = field(default_factory=list)
    quarantined: dict[str, str] = field(default_factory=dict)
    rejected: list[tuple[str | None, str]] = field(default_factory=list)
    published: bool = False
    transform_failed: str | None = None
    ingest_errors: dict[str, str] = field(default_factory=dict)
    # No release is loaded (all quarantined or rejected): the transform did not run.
    nothing_loaded: bool = False


def _served_statuses(settings: Settings) -> dict[str, int]:
    served = settings.serve_dir / "citygvc.duckdb"
    if not served.exists():
        return {}
    with duckdb.connect(str(served), read_only=True) as pub:
        rows = pub.execute("select status, count(*) from marts.dim_release group by status")
        return dict(rows.fetchall())


def timing_line(settings: Settings, refresh_id: str) -> str | None:
    """One line of where this refresh's time went, from the product's own records."""
    with connect(settings.warehouse_path) as con:
        totals = phase_totals(con, refresh_id)
    if not totals:
        return None
    parts = [f"{p} {totals[p]:.1f}" for p in INGEST_PHASES if p in totals]
    parts += [f"{p} {s:.1f}" for p, s in totals.items() if p.startswith("dbt.")]
    parts += [f"{p} {totals[p]:.1f}" for p in (COMPLEXITY_PHASE, DISCLOSURE_PHASE) if p in totals]
    gates = sum(s for p, s in totals.items() if p.startswith("gx_gate."))
    if gates:
        parts.append(f"gx gates {gates:.1f}")
    if "publish" in totals:
        parts.append(f"publish {totals['publish']:.1f}")
    return "time (s): " + ", ".join(parts)


def _nothing_loaded_line(report: RefreshReport) -> str:
    """The headline when no release is loaded: how many were turned away, and what to do."""
    turned_away = len(report.quarantined) + len(report.rejected)
    if not turned_away and not report.ingest_errors:
        return "nothing loaded: the catalog lists no release"
    entries = "entry" if len(report.rejected) == 1 else "entries"
    return (
        f"nothing loaded: {len(report.quarantined)} release(s) quarantined, "
        f"{len(report.rejected)} catalog {entries} rejected; nothing was built or published "
        "(reasons below; `citygvc check` re-checks the files without loading anything)"
    )


def print_summary(
    settings: Settings,
    report: RefreshReport,
    echo: Callable[[str], None],
    log_path: Path | None = None,
) -> None:
    manifest_path = settings.serve_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    statuses = _served_statuses(settings)
    echo("")
    echo("── citygvc refresh summary ──")
    if report.nothing_loaded:
        echo(_nothing_loaded_line(report))
    else:
        echo(
            f"releases: loaded {statuses.get('loaded', 0)}, superseded "
            f"{statuses.get('superseded', 0)}, quarantined {statuses.get('quarantined', 0)}"
        )
    for rid, reason in report.quarantined.items():
        echo(f"  quarantined {rid}: {reason}")
    for rid, error in report.ingest_errors.items():
        echo(f"  not ingested {rid} (retried next refresh): {error}")
    for rid, reason in report.rejected:
        echo(f"  rejected catalog entry {rid!r}: {reason}")
    if report.transform_failed:
        echo(
            f"transform FAILED, nothing published (last good publish kept): "
            f"{report.transform_failed}"
        )
    for table, rows in sorted(manifest.get("row_counts", {}).items()):
        echo(f"  {table}: {rows} rows")
    if manifest:
        publish_id, fingerprint = manifest.get("publish_id", "-"), manifest.get("fingerprint")
        unchanged = "" if report.published else " (unchanged)"
        echo(f"publish: {publish_id}  fingerprint {fingerprint}{unchanged}")
    else:
        echo("publish: none yet")
    timing = timing_line(settings, report.refresh_id) if report.refresh_id else None
    if timing:
        echo(timing)
    if manifest:
        echo(
            f"BI tools connect to: {settings.serve_dir / 'citygvc.duckdb'} (read only, schema "
            f"marts) or {settings.serve_dir / 'parquet'}/<table>.parquet"
        )
    if log_path is not None:
        echo(f"full log: {log_path}")
