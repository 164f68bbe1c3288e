"""Ingest one release: verify and land → read → release checks → write (DESIGN §1, §4).

A release that passes replaces exactly its own rows in raw.asif / raw.fdi_city in one
transaction, through Arrow (never row by row), and is recorded in ops.releases,
ops.release_files and ops.ingest_stats. A release that fails is quarantined (reason.json,
ops.releases status `quarantined` with "<reason_code>: <message>") and writes no raw rows.
Infrastructure problems (unreachable source: CatalogError; GX unable to evaluate:
GxInfrastructureError; database errors) propagate: they say nothing about the release.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import duckdb
import pyarrow as pa

from orchestration.ingest.catalog import CatalogSource, Rejection, Release
from orchestration.ingest.landing import LandedRelease, quarantine_release, verify_and_land
from orchestration.ingest.readers import AsifFrame, FdiFrame, ReadError, read_asif, read_fdi_city
from orchestration.ingest.release_checks import (
    CheckFailure,
    CheckReport,
    PreviousRelease,
    Stat,
    previous_from_count,
    run_asif_checks,
    run_fdi_checks,
)
from orchestration.settings import Settings
from orchestration.warehouse.schema import (
    ASIF_INT_COLUMNS,
    ASIF_MONEY_COLUMNS,
    ASIF_OPTIONAL,
    ASIF_REQUIRED,
    MONEY_TYPE,
)

# Years back to look for the previous ASIF release of a new year (a missing year in between
# still gives a comparison).
PREVIOUS_YEAR_WINDOW = 2


class _Auto(Enum):
    AUTO = "auto"


AUTO = _Auto.AUTO


@dataclass
class IngestOutcome:
    release_id: str
    status: str  # loaded | quarantined
    reason: str | None
    rows: int
    stats: dict[str, Any] = field(default_factory=dict)
    message: str | None = None
    failures: list[CheckFailure] = field(default_factory=list)
    gx: list[dict[str, Any]] = field(default_factory=list)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Previous release (row-count band and unit scale) ------------------------------------------


def previous_asif_release(
    con: duckdb.DuckDBPyConnection, release: Release
) -> PreviousRelease | None:
    """What a new ASIF release is compared with: the highest loaded lower revision of the
    same period, else the newest loaded revision of the nearest earlier year (within
    PREVIOUS_YEAR_WINDOW years)."""
    row = con.execute(
        """
        select release_id, period, revision, rows_loaded,
               case when period = $period then 'revision' else 'year' end as kind
        from ops.releases
        where dataset = 'asif' and status = 'loaded' and release_id <> $id
          and ((period = $period and revision < $revision)
               or (period < $period and period >= $period - $window))
        order by period desc, revision desc
        limit 1
        """,
        {
            "period": release.period,
            "revision": release.revision,
            "id": release.release_id,
            "window": PREVIOUS_YEAR_WINDOW,
        },
    ).fetchone()
    if row is None or row[3] is None:
        return None
    median = con.execute(
        "select median(gross_output)::double from raw.asif "
        "where release_id = ? and gross_output > 0",
        [row[0]],
    ).fetchone()[0]
    return PreviousRelease(
        release_id=row[0],
        period=row[1],
        revision=row[2],
        row_count=row[3],
        kind=row[4],
        median_gross_output=median,
    )


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
    con.register("incoming_release_files", rows)
    try:
        con.execute("insert into ops.release_files by name select * from incoming_release_files")
    finally:
        con.unregister("incoming_release_files")


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
    con.register("incoming_stats", rows)
    try:
        con.execute("insert into ops.ingest_stats by name select * from incoming_stats")
    finally:
        con.unregister("incoming_stats")


def _stats_summary(stats: Sequence[Stat]) -> dict[str, Any]:
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


# Raw inserts -------------------------------------------------------------------------------


def _insert_asif(
    con: duckdb.DuckDBPyConnection, release: Release, frames: Sequence[AsifFrame]
) -> int:
    columns = ASIF_REQUIRED + ASIF_OPTIONAL
    total = 0
    for frame in frames:
        data = frame.table
        extra_names = frame.unmapped_columns
        for i, name in enumerate(extra_names):
            data = data.append_column(f"__extra_{i}", frame.extras.column(name))
        select = []
        for column in columns:
            if column in ASIF_MONEY_COLUMNS:
                select.append(f"cast({column} as {MONEY_TYPE})")
            elif column in ASIF_INT_COLUMNS:
                select.append(f"cast(round({column}) as integer)")
            else:
                select.append(column)
        # Unmapped columns are kept as one JSON object per row, built by DuckDB.
        extras = (
            "to_json(struct_pack("
            + ", ".join(f"{_quote(n)} := __extra_{i}" for i, n in enumerate(extra_names))
            + "))"
            if extra_names
            else "null"
        )
        con.register("incoming_asif", data)
        try:
            con.execute(
                f"""
                insert into raw.asif (release_id, source_file, source_row, period,
                    {", ".join(columns)}, extra_columns)
                select $release_id, $source_file, source_row, $period,
                    {", ".join(select)}, {extras}
                from incoming_asif
                order by source_row
                """,
                {
                    "release_id": release.release_id,
                    "source_file": frame.file,
                    "period": release.period,
                },
            )
        finally:
            con.unregister("incoming_asif")
        total += frame.num_rows
    return total


def _insert_fdi(
    con: duckdb.DuckDBPyConnection, release: Release, frames: Sequence[tuple[FdiFrame, Any]]
) -> int:
    total = 0
    for frame, entry in frames:
        con.register("incoming_fdi", frame.table)
        try:
            con.execute(
                """
                insert into raw.fdi_city (release_id, source_file, source_row, source_sheet,
                    layout, period, city_code, year, file_city_code, industry_code,
                    industry_name, ownership, measure, value, unit)
                select $release_id, $source_file, source_row, source_sheet, layout, $period,
                    $city_code, cast(year as integer), file_city_code, industry_code,
                    industry_name, ownership, measure, cast(value as decimal(20, 4)), unit
                from incoming_fdi
                order by source_sheet, source_row
                """,
                {
                    "release_id": release.release_id,
                    "source_file": frame.file,
                    "period": release.period,
                    "city_code": entry.city_code,
                },
            )
        finally:
            con.unregister("incoming_fdi")
        total += frame.num_rows
    return total


# Ingest ------------------------------------------------------------------------------------


def _quarantine(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    release: Release,
    reason: str,
    message: str,
    *,
    file: str | None = None,
    column: str | None = None,
    row: int | None = None,
    failures: Sequence[CheckFailure] = (),
    landed: LandedRelease | None = None,
    stats: Sequence[Stat] = (),
    code_fingerprint: str | None = None,
) -> IngestOutcome:
    quarantine_release(
        settings,
        release,
        reason,
        message,
        file=file,
        column=column,
        row=row,
        details=[f.as_dict() for f in failures],
    )
    table = "raw.asif" if release.dataset == "asif" else "raw.fdi_city"
    con.begin()
    try:
        # raw holds loaded releases only: a re-ingest that now fails leaves none of its rows.
        con.execute(f"delete from {table} where release_id = ?", [release.release_id])
        _record_files(con, settings, release, landed)
        _record_stats(con, release.release_id, stats)
        _upsert_release(con, release, "quarantined", f"{reason}: {message}", 0, code_fingerprint)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return IngestOutcome(
        release_id=release.release_id,
        status="quarantined",
        reason=reason,
        rows=0,
        stats=_stats_summary(stats),
        message=message,
        failures=list(failures),
    )


def _read(
    landed: LandedRelease,
) -> list[AsifFrame] | list[tuple[FdiFrame, Any]]:
    release = landed.release
    if release.dataset == "asif":
        return [read_asif(f.path, f.file.format, file=f.file.path) for f in landed.files]
    return [(read_fdi_city(f.path, f.file.format, file=f.file.path), f.file) for f in landed.files]


def ingest_release(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    source: CatalogSource,
    release: Release,
    previous_row_count: int | _Auto | None = AUTO,
    *,
    code_fingerprint: str | None = None,
    run_gx: bool = True,
) -> IngestOutcome:
    """Ingest `release` into the warehouse open on `con` (the single writer).

    `previous_row_count`: AUTO (default) compares with `previous_asif_release` from the
    warehouse (row count and median gross output); an int compares with that row count as
    the previous revision's (revision > 1) or year's; None skips the row-count band.
    `code_fingerprint` is stored with the status so quarantined releases can be retried
    when code or seeds change."""
    landed = verify_and_land(source, release, settings)
    if not isinstance(landed, LandedRelease):
        return _quarantine(
            con,
            settings,
            release,
            landed.reason,
            landed.message,
            file=landed.file,
            code_fingerprint=code_fingerprint,
        )
    try:
        frames = _read(landed)
    except ReadError as exc:
        return _quarantine(
            con,
            settings,
            release,
            exc.reason,
            f"release {release.release_id}: {exc}",
            file=exc.file,
            column=exc.column,
            row=exc.row,
            landed=landed,
            code_fingerprint=code_fingerprint,
        )

    gx_settings = settings if run_gx else None
    report: CheckReport
    if release.dataset == "asif":
        if previous_row_count is AUTO:
            previous = previous_asif_release(con, release)
        else:
            previous = previous_from_count(release, previous_row_count)
        report = run_asif_checks(frames, release, previous, gx_settings)
    else:
        report = run_fdi_checks(frames, release, gx_settings)
    gx = [outcome.metadata() for outcome in report.gx]
    if not report.passed:
        first = report.failures[0]
        outcome = _quarantine(
            con,
            settings,
            release,
            first.reason_code,
            first.message,
            file=first.file,
            column=first.column,
            row=first.row,
            failures=report.failures,
            landed=landed,
            stats=report.stats,
            code_fingerprint=code_fingerprint,
        )
        outcome.gx = gx
        return outcome

    con.begin()
    try:
        if release.dataset == "asif":
            con.execute("delete from raw.asif where release_id = ?", [release.release_id])
            rows = _insert_asif(con, release, frames)
        else:
            con.execute("delete from raw.fdi_city where release_id = ?", [release.release_id])
            rows = _insert_fdi(con, release, frames)
        _record_files(con, settings, release, landed)
        _record_stats(con, release.release_id, report.stats)
        _upsert_release(con, release, "loaded", None, rows, code_fingerprint)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return IngestOutcome(
        release_id=release.release_id,
        status="loaded",
        reason=None,
        rows=rows,
        stats=_stats_summary(report.stats),
        gx=gx,
    )


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
    con.begin()
    try:
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
            if not rejection.valid_id:
                continue
            status = con.execute(
                "select status from ops.releases where release_id = ?",
                [rejection.raw_release_id],
            ).fetchone()
            if status is not None and status[0] == "loaded":
                continue
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
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _typed(value: Any, kind: type) -> Any:
    """A raw catalog value when it has the expected type and fits the column (INTEGER);
    bool is not an int here."""
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        return None
    if kind is int and not -(2**31) < value < 2**31:
        return None
    return value if isinstance(value, kind) else None
