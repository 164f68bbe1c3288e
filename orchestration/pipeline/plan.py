"""What a refresh has to do — shared by `python -m orchestration.refresh` and the sensor.

The truth is the warehouse's own record of releases (ops.releases). Because sensors never open
warehouse.duckdb (one writer), the writer mirrors that record into `state.json` after every
change; the sensor, `citygvc catalog` and `citygvc check` plan from the mirror, the refresh
from the warehouse itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.catalog import Release
from orchestration.settings import Settings

STATE_FILE = "state.json"


@dataclass(frozen=True)
class RecordedRelease:
    release_id: str
    dataset: str
    sha256: str
    status: str  # loaded | quarantined
    code_fingerprint: str | None
    # What a dry run compares a new ASIF release with (the refresh reads them from the
    # warehouse). Defaults: a state.json written before these fields existed.
    period: int | None = None
    revision: int | None = None
    rows_loaded: int | None = None
    median_gross_output: float | None = None


def recorded_releases(con: duckdb.DuckDBPyConnection) -> dict[str, RecordedRelease]:
    # The median is the one the release checks measured (ops.ingest_stats), not a scan of
    # raw.asif: state.json is rewritten after every ingest and must stay cheap.
    rows = con.execute(
        """
        select r.release_id, r.dataset, r.sha256, r.status, r.code_fingerprint,
               r.period, r.revision, r.rows_loaded, m.median_gross_output
        from ops.releases r
        left join (
            select release_id, max(value) as median_gross_output
            from ops.ingest_stats where metric = 'median_gross_output'
            group by release_id
        ) m using (release_id)
        """
    ).fetchall()
    return {r[0]: RecordedRelease(*r) for r in rows}


def any_loaded(recorded: dict[str, RecordedRelease]) -> bool:
    """Whether the warehouse holds any loaded release: without one there is nothing to build
    or publish, and the transform does not run (its gates would only judge an empty warehouse)."""
    return any(r.status == "loaded" for r in recorded.values())


def releases_to_ingest(
    catalog: list[Release],
    recorded: dict[str, RecordedRelease],
    code_fingerprint: str,
    retry: str | None = None,
) -> list[Release]:
    """New releases, plus quarantined ones when the code/seed fingerprint changed or when
    `retry` names them (`quarantined` = all of them). Ordered so revisions follow originals."""
    todo = []
    for release in catalog:
        seen = recorded.get(release.release_id)
        if seen is None or (
            seen.status == "quarantined"
            and (
                seen.code_fingerprint != code_fingerprint
                or retry in {"quarantined", release.release_id}
            )
        ):
            todo.append(release)
    return sorted(todo, key=lambda r: (r.dataset, r.period, r.revision, r.release_id))


def publish_fingerprint(
    recorded: dict[str, RecordedRelease], code_fingerprint: str, settings: Settings
) -> str:
    """Fingerprint of everything a publish is made from (docs/architecture.md)."""
    payload = {
        "releases": sorted(
            (r.release_id, r.sha256) for r in recorded.values() if r.status == "loaded"
        ),
        "code": code_fingerprint,
        "engine": settings.engine,
        "disclosure": {
            "on": settings.disclosure,
            "min_firms": settings.sdc_min_firms,
            "dominance": settings.sdc_dominance,
            "p": settings.sdc_p,
        },
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def published_fingerprint(settings: Settings) -> str | None:
    manifest = settings.serve_dir / "manifest.json"
    if not manifest.exists():
        return None
    return json.loads(manifest.read_text()).get("fingerprint")


def write_state(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Mirror ops.releases for readers that must not open the warehouse (the sensor)."""
    state = {rid: asdict(r) for rid, r in sorted(recorded_releases(con).items())}
    _atomic_write(settings.data_dir / STATE_FILE, json.dumps({"releases": state}, indent=1))


def read_state(settings: Settings) -> dict[str, RecordedRelease]:
    path = settings.data_dir / STATE_FILE
    if not path.exists():
        return {}
    return {k: RecordedRelease(**v) for k, v in json.loads(path.read_text())["releases"].items()}


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
