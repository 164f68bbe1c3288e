"""Ingest one release: verify and land → read → release checks → write (docs/architecture.md).

A release that passes gets exactly its own raw rows — one Parquet folder, replacing a former
one, read through raw.asif / raw.fdi_city — and is recorded in ops.releases,
ops.release_files and ops.ingest_stats, all or nothing. A release that fails is quarantined
(reason.json, ops.releases status `quarantined` with "<reason_code>: <message>") and keeps no
raw rows.
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

from orchestration.ingest.caps import over_cap
from orchestration.ingest.catalog import CatalogSource, Release
from orchestration.ingest.checks import (
    CheckFailure,
    CheckReport,
    PreviousRelease,
    Stat,
    compare_with_previous,
    previous_from_count,
)
from orchestration.ingest.landing import (
    LandedRelease,
    Quarantined,
    quarantine_release,
    verify_and_land,
)
from orchestration.ingest.prepare import Prepared, prepare_release
from orchestration.ingest.write import (
    record_rejections,
    stats_summary,
    write_loaded,
    write_quarantined,
)
from orchestration.settings import Settings
from orchestration.warehouse.raw_store import StagedRaw, clear_incoming, discard

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
            # "write" may have begun where the release was read (its raw rows staged there)
            self.phase_seconds[name] = (
                self.phase_seconds.get(name, 0.0) + time.perf_counter() - start
            )

    def land(self, source: CatalogSource) -> LandedRelease | Quarantined:
        with self._phase("land"):
            return verify_and_land(source, self.release, self.settings)

    def compare(self, prepared: Prepared, previous_row_count: int | _Auto | None) -> CheckReport:
        """The checks against the previous release (ASIF), once it is in the warehouse."""
        report = prepared.report
        assert report is not None
        if self.release.dataset != "asif":
            return report
        start = time.perf_counter()
        if previous_row_count is AUTO:
            previous = previous_asif_release(self.con, self.release)
        else:
            previous = previous_from_count(self.release, previous_row_count)
        compare_with_previous(report, self.release, previous)
        self.phase_seconds["checks"] += time.perf_counter() - start
        return report

    def write(self, landed: LandedRelease, staged: StagedRaw, report: CheckReport) -> IngestOutcome:
        with self._phase("write"):
            rows = write_loaded(
                self.con, self.settings, landed, staged, report.stats, self.code_fingerprint
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


def land_release(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    source: CatalogSource,
    release: Release,
    code_fingerprint: str | None,
) -> tuple[_Ingest, LandedRelease | IngestOutcome]:
    """Verify and land `release`: its ingest and landed files, or its quarantine outcome (a
    release over a size cap is quarantined without downloading anything)."""
    ingest = _Ingest(con, settings, release, code_fingerprint)
    capped = over_cap(release, settings)
    if capped is not None:
        return ingest, ingest.quarantine(capped.reason, capped.message, file=capped.file)
    landed = ingest.land(source)
    if isinstance(landed, LandedRelease):
        return ingest, landed
    return ingest, ingest.quarantine(landed.reason, landed.message, file=landed.file)


def finish_release(
    ingest: _Ingest, prepared: Prepared, previous_row_count: int | _Auto | None = AUTO
) -> IngestOutcome:
    """Quarantine a release that could not be read or failed a check; else write it."""
    landed, error = prepared.landed, prepared.read_error
    # The release's read and own checks (maybe in a worker) join its timed phases.
    ingest.phase_seconds.update(prepared.phase_seconds)
    if error is not None:
        return ingest.quarantine(
            error.reason,
            f"release {ingest.release.release_id}: {error}",
            file=error.file,
            column=error.column,
            row=error.row,
            landed=landed,
        )
    report = ingest.compare(prepared, previous_row_count)
    if not report.passed:
        discard(prepared.staged)
        return ingest.reject(report, landed)
    assert prepared.staged is not None  # staged whenever the release's own checks passed
    return ingest.write(landed, prepared.staged, report)


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
    clear_incoming(settings.raw_dir)
    ingest, landed = land_release(con, settings, source, release, code_fingerprint)
    if isinstance(landed, IngestOutcome):
        return landed
    return finish_release(ingest, prepare_release(landed, settings, run_gx), previous_row_count)
