"""What an ingest writes: a loaded release's raw rows (Parquet from Arrow through DuckDB, never
row by row, staged by the process that read it and put in place by the writer) with its ops
records (an ASIF release's include the firm ids the duplicate rule resolved), a quarantined
release's ops records, and the catalog's rejections. Each write is one transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from orchestration.ingest.catalog import Rejection, Release
from orchestration.ingest.checks import Stat
from orchestration.ingest.duplicates import record_duplicate_firm_ids
from orchestration.ingest.landing import LandedRelease
from orchestration.ingest.readers import AsifFrame, FdiFrame
from orchestration.settings import Settings
from orchestration.warehouse.raw_store import (
    StagedRaw,
    installed,
    removed,
    staging_folder,
    write_part,
)
from orchestration.warehouse.schema import (
    ASIF_OPTIONAL,
    ASIF_REQUIRED,
    asif_column_sql,
    ensure_raw_views,
)


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.begin()
    try:
        yield
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, rows: pa.Table) -> Iterator[None]:
    """The Arrow table `rows` readable as `name` while the body runs."""
    con.register(name, rows)
    try:
        yield
    finally:
        con.unregister(name)


def _insert_arrow(
    con: duckdb.DuckDBPyConnection,
    name: str,
    rows: pa.Table,
    sql: str,
    params: dict[str, Any] | None = None,
) -> None:
    """Run `sql` (with `params`) while the Arrow table `rows` is registered as `name`."""
    with _registered(con, name, rows):
        con.execute(sql, params)


# ops records -------------------------------------------------------------------------------


def _upsert_release(
    con: duckdb.DuckDBPyConnection,
    release: Release,
    status: str,
    reason: str | None,
    rows: int | None,
    code_fingerprint: str | None,
) -> None:
    con.execute("delete from ops.releases where release_id = ?", [release.release_id])
    con.execute(
        """
        insert into ops.releases (release_id, dataset, period, revision, city_codes,
            published_at, provisional, sha256, entry_json, status, status_reason,
            code_fingerprint, rows_loaded, updated_at)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)
        """,
        [
            release.release_id,
            release.dataset,
            release.period,
            release.revision,
            release.city_codes,
            release.published_at,
            release.provisional,
            release.content_sha256,
            release.entry_json(),
            status,
            reason,
            code_fingerprint,
            rows,
        ],
    )


def _record_files(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    release: Release,
    landed: LandedRelease | None,
) -> None:
    paths = {f.file.path: f.path for f in landed.files} if landed else {}
    con.execute("delete from ops.release_files where release_id = ?", [release.release_id])
    rows = pa.table(
        {
            "release_id": [release.release_id] * len(release.files),
            "path": [f.path for f in release.files],
            "format": [f.format for f in release.files],
            "sha256": [f.sha256 for f in release.files],
            "bytes": pa.array([f.bytes for f in release.files], pa.int64()),
            "city_code": pa.array([f.city_code for f in release.files], pa.string()),
            # Relative to the data folder: the warehouse holds no absolute paths.
            "landed_path": pa.array(
                [
                    str(paths[f.path].relative_to(settings.data_dir)) if f.path in paths else None
                    for f in release.files
                ],
                pa.string(),
            ),
        }
    )
    _insert_arrow(
        con,
        "incoming_release_files",
        rows,
        "insert into ops.release_files by name select * from incoming_release_files",
    )


def _record_stats(con: duckdb.DuckDBPyConnection, release_id: str, stats: Sequence[Stat]) -> None:
    con.execute("delete from ops.ingest_stats where release_id = ?", [release_id])
    if not stats:
        return
    rows = pa.table(
        {
            "release_id": [release_id] * len(stats),
            "source_file": [s.file for s in stats],
            "metric": [s.metric for s in stats],
            "detail": [s.detail for s in stats],
            "value": pa.array([float(s.value) for s in stats], pa.float64()),
        }
    )
    _insert_arrow(
        con,
        "incoming_stats",
        rows,
        "insert into ops.ingest_stats by name select * from incoming_stats",
    )


def stats_summary(stats: Sequence[Stat]) -> dict[str, Any]:
    """Stats as plain values for Dagster metadata: metric → total, or detail → value."""
    summary: dict[str, Any] = {}
    for stat in stats:
        if stat.detail:
            summary.setdefault(stat.metric, {})
            key = f"{stat.file}:{stat.detail}" if stat.file else stat.detail
            summary[stat.metric][key] = stat.value
        else:
            summary[stat.metric] = summary.get(stat.metric, 0) + stat.value
    return summary


# Raw rows --------------------------------------------------------------------------------------


def _asif_select(frame: AsifFrame) -> tuple[pa.Table, str]:
    """The frame with its unmapped columns appended, and the select list that gives it the
    raw.asif columns (unmapped columns kept as one JSON object per row, built by DuckDB)."""
    data = frame.table
    extra_names = frame.unmapped_columns
    for i, name in enumerate(extra_names):
        data = data.append_column(f"__extra_{i}", frame.extras.column(name))
    select = [f"{asif_column_sql(c)} as {c}" for c in ASIF_REQUIRED + ASIF_OPTIONAL]
    extras = (
        "to_json(struct_pack("
        + ", ".join(f"{_quote(n)} := __extra_{i}" for i, n in enumerate(extra_names))
        + "))"
        if extra_names
        else "null"
    )
    return data, f"{', '.join(select)}, {extras} as extra_columns"


def _stage_asif(
    con: duckdb.DuckDBPyConnection, folder: Path, release: Release, frames: Sequence[AsifFrame]
) -> int:
    """One part per file, in catalog file order, rows in file order."""
    for index, frame in enumerate(frames):
        data, select = _asif_select(frame)
        with _registered(con, "incoming_asif", data):
            write_part(
                con,
                folder,
                index,
                "asif",
                f"""
                select $release_id as release_id, $source_file as source_file, source_row,
                    $period as period, {select}
                from incoming_asif
                order by source_row
                """,
                {
                    "release_id": release.release_id,
                    "source_file": frame.file,
                    "period": release.period,
                },
            )
    return sum(frame.num_rows for frame in frames)


def _stage_fdi(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    release: Release,
    frames: Sequence[tuple[FdiFrame, Any]],
) -> int:
    """Every file of the release in one part (a national release has one file per city),
    rows in file order, then sheet and row."""
    parts = [
        frame.table.append_column("file_index", pa.array([i] * frame.num_rows, pa.int32()))
        .append_column("source_file", pa.array([frame.file] * frame.num_rows, pa.string()))
        .append_column("city_code", pa.array([entry.city_code] * frame.num_rows, pa.string()))
        for i, (frame, entry) in enumerate(frames)
    ]
    if not parts:
        return 0
    with _registered(con, "incoming_fdi", pa.concat_tables(parts, promote_options="default")):
        write_part(
            con,
            folder,
            0,
            "fdi_city",
            """
            select $release_id as release_id, source_file, source_row, source_sheet, layout,
                $period as period, city_code, year, file_city_code, industry_code,
                industry_name, ownership, measure, value, unit
            from incoming_fdi
            order by file_index, source_sheet, source_row
            """,
            {"release_id": release.release_id, "period": release.period},
        )
    return sum(frame.num_rows for frame, _ in frames)


def stage_raw(
    settings: Settings,
    release: Release,
    frames: Sequence[AsifFrame] | Sequence[tuple[FdiFrame, Any]],
) -> StagedRaw:
    """Write the release's raw rows into a private folder for the writer to put in place
    (run by the process that read the release)."""
    folder = staging_folder(settings.raw_dir, release.release_id)
    with duckdb.connect() as con:
        if release.dataset == "asif":
            rows = _stage_asif(con, folder, release, frames)
        else:
            rows = _stage_fdi(con, folder, release, frames)
    return StagedRaw(release.dataset, release.release_id, folder, rows)


# A release's outcome -------------------------------------------------------------------------


def write_loaded(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    landed: LandedRelease,
    staged: StagedRaw,
    stats: Sequence[Stat],
    code_fingerprint: str | None,
) -> int:
    """Put the release's raw rows in place (replacing its former ones) and record it as
    loaded, all or nothing; returns the rows loaded."""
    release = landed.release
    with installed(settings.raw_dir, staged), _transaction(con):
        ensure_raw_views(con, settings.raw_dir)
        if release.dataset == "asif":
            record_duplicate_firm_ids(con, release.release_id, release.period)
        _record_files(con, settings, release, landed)
        _record_stats(con, release.release_id, stats)
        _upsert_release(con, release, "loaded", None, staged.rows, code_fingerprint)
    return staged.rows


def write_quarantined(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    release: Release,
    status_reason: str,
    landed: LandedRelease | None,
    stats: Sequence[Stat],
    code_fingerprint: str | None,
) -> None:
    """Record the release as quarantined with `status_reason`; raw holds loaded releases
    only, so a re-ingest that now fails leaves none of its rows."""
    with removed(settings.raw_dir, release.dataset, release.release_id), _transaction(con):
        ensure_raw_views(con, settings.raw_dir)
        # raw holds none of its rows now: neither does the list of ids they resolved
        con.execute("delete from ops.duplicate_firm_ids where release_id = ?", [release.release_id])
        _record_files(con, settings, release, landed)
        _record_stats(con, release.release_id, stats)
        _upsert_release(con, release, "quarantined", status_reason, 0, code_fingerprint)


# Catalog rejections --------------------------------------------------------------------------


def record_rejections(
    con: duckdb.DuckDBPyConnection,
    rejections: Iterable[Rejection],
    *,
    code_fingerprint: str | None = None,
) -> None:
    """Record catalog rejections in ops.catalog_rejections (once per distinct rejection) and,
    for a valid id that is not loaded, as a quarantined release in ops.releases. A loaded
    release stays loaded (duplicate or mutated copies never replace it)."""
    rejections = list(rejections)
    if not rejections:
        return
    with _transaction(con):
        for rejection in rejections:
            con.execute(
                """
                insert into ops.catalog_rejections (raw_release_id, reason, detail, seen_at)
                select ?, ?, ?, current_timestamp
                where not exists (
                    select 1 from ops.catalog_rejections
                    where raw_release_id is not distinct from ? and reason = ?
                      and detail is not distinct from ?)
                """,
                [rejection.raw_release_id, rejection.reason, rejection.detail] * 2,
            )
            if rejection.valid_id:
                _quarantine_rejected(con, rejection, code_fingerprint)


def _quarantine_rejected(
    con: duckdb.DuckDBPyConnection, rejection: Rejection, code_fingerprint: str | None
) -> None:
    """A rejected entry with a valid id as a quarantined release, unless that id is loaded."""
    status = con.execute(
        "select status from ops.releases where release_id = ?",
        [rejection.raw_release_id],
    ).fetchone()
    if status is not None and status[0] == "loaded":
        return
    entry = dict(rejection.entry or {})
    con.execute("delete from ops.releases where release_id = ?", [rejection.raw_release_id])
    con.execute(
        """
        insert into ops.releases (release_id, dataset, period, revision, published_at,
            provisional, entry_json, status, status_reason, code_fingerprint,
            rows_loaded, updated_at)
        values (?, ?, ?, ?, ?, ?, ?, 'quarantined', ?, ?, 0, current_timestamp)
        """,
        [
            rejection.raw_release_id,
            _typed(entry.get("dataset"), str),
            _typed(entry.get("period"), int),
            _typed(entry.get("revision"), int),
            _typed(entry.get("published_at"), str),
            _typed(entry.get("provisional"), bool),
            json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str),
            f"{rejection.reason}: {rejection.detail}",
            code_fingerprint,
        ],
    )


def _typed(value: Any, kind: type) -> Any:
    """A raw catalog value when it has the expected type and fits the column (INTEGER);
    bool is not an int here."""
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        return None
    if kind is int and not -(2**31) < value < 2**31:
        return None
    return value if isinstance(value, kind) else None
