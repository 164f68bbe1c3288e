"""The release-wide ASIF checks: row-count band against the previous revision or year, unit
scale (median gross output against absolute bounds and the previous release), firm_id unique
after exact duplicates are removed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.catalog import Release
from orchestration.ingest.checks.common import SAMPLE, CheckReport, Stat, failure
from orchestration.ingest.readers.asif import AsifFrame

# Rows of a new revision against the revision it replaces, and of a new year against the
# previous year. ASIF's real breaks (2004 census frame +40%, 2011 threshold −30%) fit the
# year band with room to spare (docs/schemas.md).
REVISION_ROW_BAND = (0.5, 2.0)
YEAR_ROW_BAND = (0.4, 2.5)
# Median gross output of firms with positive output, thousand yuan. Above-scale firms sell at
# least 5 million yuan (5,000 thousand); a median outside these bounds means the file is not
# in thousand yuan (e.g. yuan: 1000× too large).
MEDIAN_OUTPUT_BOUNDS = (500.0, 1_000_000.0)
# Against the previous release's median: real years move the median by well under 2×, unit
# mistakes by 10× or more.
MEDIAN_RATIO_BAND = (1 / 8, 8.0)


@dataclass(frozen=True)
class PreviousRelease:
    """The release a new one is compared with: a lower revision of the same period
    (`kind` 'revision') or the nearest earlier year ('year')."""

    release_id: str
    period: int
    revision: int
    row_count: int
    kind: str
    median_gross_output: float | None = None


def previous_from_count(release: Release, row_count: int | None) -> PreviousRelease | None:
    """A bare previous row count: the previous revision's when `release.revision` > 1, else
    the previous year's (no median, so the unit check uses the absolute bounds only)."""
    if row_count is None:
        return None
    return PreviousRelease(
        release_id="(given)",
        period=release.period,
        revision=release.revision - 1,
        row_count=row_count,
        kind="revision" if release.revision > 1 else "year",
    )


def positive_outputs(frame: AsifFrame) -> pa.ChunkedArray | None:
    """The file's positive gross outputs, for the unit check."""
    if "gross_output" in frame.missing_required:
        return None
    output = frame.table.column("gross_output")
    return pc.filter(output, pc.fill_null(pc.greater(output, 0), False))


def _duplicate_firms(con: duckdb.DuckDBPyConnection, frame: AsifFrame) -> tuple[int, list]:
    """Exact duplicate rows, and the firm_ids left on two different rows after those are
    removed (most rows first)."""
    data = frame.table.drop_columns(["source_row"])
    for i, name in enumerate(frame.extras.column_names):
        data = data.append_column(f"__extra_{i}", frame.extras.column(name))
    con.register("frame_rows", data)
    try:
        exact = con.execute(
            "select count(*) - (select count(*) from (select distinct * from frame_rows)) "
            "from frame_rows"
        ).fetchone()[0]
        dup = con.execute(
            """
            select firm_id, count(*) as n
            from (select distinct * from frame_rows)
            where firm_id is not null
            group by firm_id having count(*) > 1
            order by n desc, firm_id
            """
        ).fetchall()
    finally:
        con.unregister("frame_rows")
    return exact, dup


def duplicate_checks(frames: Sequence[AsifFrame], release: Release, report: CheckReport) -> None:
    """Exact duplicate rows are counted (staging drops them); a firm_id left on two
    different rows after that fails the release."""
    con = duckdb.connect()
    try:
        for frame in frames:
            if "firm_id" in frame.missing_required:
                continue
            exact, dup = _duplicate_firms(con, frame)
            report.stats.append(Stat(frame.file, "exact_duplicate_rows", "", exact))
            if dup:
                report.stats.append(Stat(frame.file, "duplicate_firm_id", "", len(dup)))
                table = frame.table
                first = pc.index(table.column("firm_id"), dup[0][0]).as_py()
                report.failures.append(
                    failure(
                        release,
                        "duplicate_firm_id",
                        f"{len(dup)} firm_id value(s) appear on rows that differ, e.g. "
                        f"{[d[0] for d in dup[:SAMPLE]]} (exact duplicate rows are tolerated)",
                        frame.file,
                        frame.describe_column("firm_id"),
                        table.column("source_row")[first].as_py(),
                    )
                )
    finally:
        con.close()


def row_count_check(
    total: int, release: Release, previous: PreviousRelease | None, report: CheckReport
) -> None:
    if previous is None or previous.row_count <= 0:
        return
    low, high = REVISION_ROW_BAND if previous.kind == "revision" else YEAR_ROW_BAND
    ratio = total / previous.row_count
    if not low <= ratio <= high:
        against = (
            f"revision {previous.revision} ({previous.release_id})"
            if previous.kind == "revision"
            else f"{previous.period} ({previous.release_id})"
        )
        report.failures.append(
            failure(
                release,
                "row_count_out_of_band",
                f"{total} rows is {ratio:.2f}× the {previous.row_count} rows of {against}; "
                f"the accepted band is {low}×–{high}×",
            )
        )


def _unit_problem(median: float, previous: PreviousRelease | None) -> str | None:
    """Why a median firm gross output is not in thousand yuan, or None."""
    low, high = MEDIAN_OUTPUT_BOUNDS
    if not low <= median <= high:
        return f"outside the plausible {low:,.0f}–{high:,.0f} thousand yuan"
    if previous is not None and previous.median_gross_output:
        ratio = median / previous.median_gross_output
        r_low, r_high = MEDIAN_RATIO_BAND
        if not r_low <= ratio <= r_high:
            return (
                f"{ratio:.3g}× the median of {previous.release_id} "
                f"({previous.median_gross_output:,.1f}); accepted {r_low:.3g}×–{r_high:.3g}×"
            )
    return None


def unit_check(
    outputs: list[pa.ChunkedArray],
    release: Release,
    previous: PreviousRelease | None,
    report: CheckReport,
) -> None:
    values = pa.chunked_array([c for part in outputs for c in part.chunks], pa.float64())
    if len(values) == 0:
        return
    median = pc.quantile(values, q=0.5)[0].as_py()
    report.stats.append(Stat("", "median_gross_output", "", median))
    problem = _unit_problem(median, previous)
    if problem:
        report.failures.append(
            failure(
                release,
                "unit_error",
                f"median firm gross output {median:,.1f} (thousand yuan expected) is {problem}",
                None,
                "gross_output",
            )
        )
