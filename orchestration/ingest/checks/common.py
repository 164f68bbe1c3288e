"""What every release check shares: the failure and stat records, the report they go into,
the Arrow helpers the rules count with, and the one GX run of a release's raw rows."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.catalog import Release
from orchestration.ingest.gx import GxOutcome, suite_columns, validate_dataframe
from orchestration.settings import Settings

# Values quoted in a failure message.
SAMPLE = 3


@dataclass(frozen=True)
class CheckFailure:
    reason_code: str
    message: str
    file: str | None = None
    column: str | None = None
    row: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason_code,
            "message": self.message,
            "file": self.file,
            "column": self.column,
            "row": self.row,
        }


@dataclass(frozen=True)
class Stat:
    """One row of ops.ingest_stats."""

    file: str
    metric: str
    detail: str
    value: float


@dataclass
class CheckReport:
    failures: list[CheckFailure] = field(default_factory=list)
    stats: list[Stat] = field(default_factory=list)
    gx: list[GxOutcome] = field(default_factory=list)
    # Wall-clock seconds spent in GX validation (part of the checks' time).
    gx_seconds: float = 0.0
    # ASIF: the release's rows and median positive gross output, and where in `failures` the
    # comparison with the previous release reports (after the file rules, before the
    # duplicate rule), so it can be added once the previous release is known.
    rows: int = 0
    median_gross_output: float | None = None
    compare_at: int = 0

    @property
    def passed(self) -> bool:
        return not self.failures


# Helpers --------------------------------------------------------------------------------


def _where(release: Release, file: str | None, column: str | None, row: int | None) -> str:
    parts = [f"release {release.release_id}"]
    if file:
        parts.append(f"file {file}")
    if column:
        parts.append(f"column {column}")
    if row is not None:
        parts.append(f"row {row}")
    return ", ".join(parts)


def failure(
    release: Release,
    reason: str,
    text: str,
    file: str | None = None,
    column: str | None = None,
    row: int | None = None,
) -> CheckFailure:
    """A failure whose message starts with where it is (release, file, column, row)."""
    return CheckFailure(reason, f"{_where(release, file, column, row)}: {text}", file, column, row)


def count_true(mask: pa.ChunkedArray | pa.Array) -> int:
    return int(pc.sum(pc.cast(pc.fill_null(mask, False), pa.int64())).as_py() or 0)


def first_hit(
    mask: pa.ChunkedArray | pa.Array, rows: pa.ChunkedArray, values: Any
) -> tuple[int, Any]:
    """The source row and value of the first row where `mask` is true."""
    index = pc.indices_nonzero(pc.fill_null(mask, False))[0].as_py()
    return rows[index].as_py(), values[index].as_py()


def samples(mask: pa.ChunkedArray | pa.Array, values: pa.ChunkedArray) -> list[Any]:
    picked = pc.unique(pc.filter(values, pc.fill_null(mask, False)))
    return picked.slice(0, SAMPLE).to_pylist()


def pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.2f}%" if whole else "n/a"


@dataclass(frozen=True)
class FileScope:
    """One file of a release under check: its failures and stats go into `report`."""

    release: Release
    report: CheckReport
    file: str

    def stat(self, metric: str, detail: str, value: float) -> None:
        self.report.stats.append(Stat(self.file, metric, detail, value))

    def fail(
        self, reason: str, text: str, column: str | None = None, row: int | None = None
    ) -> None:
        self.report.failures.append(failure(self.release, reason, text, self.file, column, row))


# Great Expectations ---------------------------------------------------------------------


def run_gx(
    tables: Sequence[tuple[str, pa.Table]],
    suite: str,
    release: Release,
    settings: Settings,
    report: CheckReport,
) -> None:
    """One GX validation per release (each run costs about a second whatever the size):
    the files' rows together, with `source_file` and `source_row` as the sample keys, and
    only the columns the suite reads."""
    keys = ["source_file", "source_row"]
    needed = suite_columns(suite)
    parts = []
    for file, table in tables:
        table = table.append_column("source_file", pa.array([file] * table.num_rows, pa.string()))
        if needed is not None:
            table = table.select([c for c in table.column_names if c in {*needed, *keys}])
        parts.append(table)
    frame = pa.concat_tables(parts).to_pandas()
    start = time.perf_counter()
    try:
        # Data Docs only for a run that failed an expectation: a release's stored result
        # is enough when it passed, and rendering would cost every release.
        outcome = validate_dataframe(frame, suite, settings, key_columns=keys, docs="on_failure")
    finally:
        report.gx_seconds += time.perf_counter() - start
    report.gx.append(outcome)
    for result in outcome.results:
        if not result.success:
            label = "warning" if result.severity == "warning" else "critical"
            report.stats.append(
                Stat(
                    "",
                    f"gx_{label}",
                    result.expectation_type + (f":{result.column}" if result.column else ""),
                    result.unexpected_count or 1,
                )
            )
    for result in outcome.critical_failures:
        first = result.sample_keys[0] if result.sample_keys else {}
        report.failures.append(
            failure(
                release,
                "expectation_failed",
                f"GX {outcome.suite_name}: {result.summary()}",
                first.get("source_file"),
                result.column,
                first.get("source_row"),
            )
        )
