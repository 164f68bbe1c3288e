"""Ingest one release: verify and land → read → release checks → write (docs/architecture.md).

A release that passes replaces exactly its own rows in raw.asif / raw.fdi_city in one
transaction, through Arrow (never row by row), and is recorded in ops.releases,
ops.release_files and ops.ingest_stats. A release that fails is quarantined (reason.json,
ops.releases status `quarantined` with "<reason_code>: <message>") and writes no raw rows.
Infrastructure problems (unreachable source: CatalogError; GX unable to evaluate:
GxInfrastructureError; database errors) propagate: they say nothing about the release.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import duckdb

from orchestration.ingest.catalog import CatalogSource, Release
from orchestration.ingest.checks import (
    CheckFailure,
    CheckReport,
    PreviousRelease,
    Stat,
    previous_from_count,
    run_asif_checks,
    run_fdi_checks,
)
from orchestration.ingest.landing import (
    LandedRelease,
    Quarantined,
    quarantine_release,
    verify_and_land,
)
from orchestration.ingest.readers import AsifFrame, FdiFrame, ReadError, read_asif, read_fdi_city
from orchestration.ingest.write import (
    record_rejections,
    stats_summary,
    write_loaded,
    write_quarantined,
)
from orchestration.settings import Settings

__all__ = [
    "AUTO",
    "IngestOutcome",
    "ingest_release",
    "previous_asif_release",
    "record_rejections",
]

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
    # Wall-clock seconds of each phase that ran: "land" (verify and land the files), "read"
    # (the readers), "checks" (the release checks and the previous-release lookup, GX time
    # excluded), "gx" (Great Expectations validation), "write" (the warehouse transaction:
    # raw rows and ops records, or the quarantine record).
    phase_seconds: dict[str, float] = field(default_factory=dict)


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


def _read(
    landed: LandedRelease,
) -> list[AsifFrame] | list[tuple[FdiFrame, Any]]:
    release = landed.release
    if release.dataset == "asif":
        return [read_asif(f.path, f.file.format, file=f.file.path) for f in landed.files]
    return [(read_fdi_city(f.path, f.file.format, file=f.file.path), f.file) for f in landed.files]


@dataclass
class _Ingest:
    """One release's ingest: its steps, each timed into `phase_seconds`."""

    con: duckdb.DuckDBPyConnection
    settings: Settings
    release: Release
    code_fingerprint: str | None
    phase_seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def _phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.phase_seconds[name] = time.perf_counter() - start

    def land(self, source: CatalogSource) -> LandedRelease | Quarantined:
        with self._phase("land"):
            return verify_and_land(source, self.release, self.settings)

    def read(self, landed: LandedRelease) -> list[AsifFrame] | list[tuple[FdiFrame, Any]]:
        with self._phase("read"):
            return _read(landed)

    def check(
        self, frames: Sequence[Any], previous_row_count: int | _Auto | None, run_gx: bool
    ) -> CheckReport:
        gx_settings = self.settings if run_gx else None
        with self._phase("checks"):
            if self.release.dataset == "asif":
                if previous_row_count is AUTO:
                    previous = previous_asif_release(self.con, self.release)
                else:
                    previous = previous_from_count(self.release, previous_row_count)
                report = run_asif_checks(frames, self.release, previous, gx_settings)
            else:
                report = run_fdi_checks(frames, self.release, gx_settings)
        if report.gx:
            self.phase_seconds["checks"] -= report.gx_seconds
            self.phase_seconds["gx"] = report.gx_seconds
        return report

    def write(
        self, landed: LandedRelease, frames: Sequence[Any], report: CheckReport
    ) -> IngestOutcome:
        with self._phase("write"):
            rows = write_loaded(
                self.con, self.settings, landed, frames, report.stats, self.code_fingerprint
            )
        return IngestOutcome(
            release_id=self.release.release_id,
            status="loaded",
            reason=None,
            rows=rows,
            stats=stats_summary(report.stats),
            gx=[outcome.metadata() for outcome in report.gx],
            phase_seconds=self.phase_seconds,
        )

    def quarantine(
        self,
        reason: str,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        row: int | None = None,
        failures: Sequence[CheckFailure] = (),
        landed: LandedRelease | None = None,
        stats: Sequence[Stat] = (),
    ) -> IngestOutcome:
        with self._phase("write"):
            quarantine_release(
                self.settings,
                self.release,
                reason,
                message,
                file=file,
                column=column,
                row=row,
                details=[f.as_dict() for f in failures],
            )
            write_quarantined(
                self.con,
                self.settings,
                self.release,
                f"{reason}: {message}",
                landed,
                stats,
                self.code_fingerprint,
            )
        return IngestOutcome(
            release_id=self.release.release_id,
            status="quarantined",
            reason=reason,
            rows=0,
            stats=stats_summary(stats),
            message=message,
            failures=list(failures),
            phase_seconds=self.phase_seconds,
        )

    def reject(self, report: CheckReport, landed: LandedRelease) -> IngestOutcome:
        """Quarantine for the first failed check (all of them go to reason.json)."""
        first = report.failures[0]
        outcome = self.quarantine(
            first.reason_code,
            first.message,
            file=first.file,
            column=first.column,
            row=first.row,
            failures=report.failures,
            landed=landed,
            stats=report.stats,
        )
        outcome.gx = [result.metadata() for result in report.gx]
        return outcome


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
    when code or seeds change. The outcome's `phase_seconds` times each step."""
    ingest = _Ingest(con, settings, release, code_fingerprint)
    landed = ingest.land(source)
    if not isinstance(landed, LandedRelease):
        return ingest.quarantine(landed.reason, landed.message, file=landed.file)
    try:
        frames = ingest.read(landed)
    except ReadError as exc:
        return ingest.quarantine(
            exc.reason,
            f"release {release.release_id}: {exc}",
            file=exc.file,
            column=exc.column,
            row=exc.row,
            landed=landed,
        )
    report = ingest.check(frames, previous_row_count, run_gx)
    if not report.passed:
        return ingest.reject(report, landed)
    return ingest.write(landed, frames, report)
