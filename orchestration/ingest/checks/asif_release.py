"""The release-wide ASIF checks: row-count band against the previous revision or year, unit
scale (median gross output against absolute bounds and the previous release), and the
duplicate rule (exact duplicate rows counted; firm ids on differing rows resolved, counted,
and failing the release above a rate)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.catalog import Release
from orchestration.ingest.checks.common import CheckFailure, CheckReport, Stat, failure, pct
from orchestration.ingest.duplicates import ranked_records_sql
from orchestration.ingest.readers.asif import AsifFrame
from orchestration.warehouse.schema import ASIF_OPTIONAL, ASIF_REQUIRED, asif_column_sql

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
# Rows of a release the duplicate firm-id rule may drop (docs/schemas.md#duplicates): real
# files carry a few ids on two differing rows; more means a broken or concatenated file.
MAX_DUPLICATE_FIRM_ID_ROW_RATE = 0.01

ASIF_COLUMNS = ASIF_REQUIRED + ASIF_OPTIONAL


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


@dataclass(frozen=True)
class _Duplicates:
    """What the duplicate rule (orchestration.ingest.duplicates) finds in a release."""

    exact_rows: dict[str, int]  # per file: rows that repeat a record printed earlier
    firm_ids: int  # ids on two or more differing records
    rows_dropped: int  # rows of the records the rule drops, exact copies included
    first_dropped: tuple[str, int] | None  # (file, row) of the first of them


def _release_rows(frames: Sequence[AsifFrame]) -> pa.Table:
    """The canonical rows of every file, each with its file's path."""
    parts = [
        f.table.append_column("source_file", pa.array([f.file] * f.num_rows, pa.string()))
        for f in frames
    ]
    return pa.concat_tables(parts, promote_options="default")


def _measure_duplicates(con: duckdb.DuckDBPyConnection, frames: Sequence[AsifFrame]) -> _Duplicates:
    # Typed as the writer will type them, so a record here is a record in staging; try_cast
    # because the range check may have found values that do not fit.
    typed = ", ".join(f"{asif_column_sql(c, 'try_cast')} as {c}" for c in ASIF_COLUMNS)
    ranked = ranked_records_sql(f"(select source_file, source_row, {typed} from release_rows)")
    con.register("release_rows", _release_rows(frames))
    try:
        exact = con.execute(
            f"""
            {ranked}
            select files.source_file, coalesce(repeats.n, 0) - coalesce(firsts.n, 0)
            from (select distinct source_file from release_rows) as files
            left join (
                select source_file, count(*) as n from repeated_rows group by all
            ) as repeats using (source_file)
            left join (
                select first_row.source_file as source_file, count(*) as n
                from records group by all
            ) as firsts using (source_file)
            """
        ).fetchall()
        ((ids, dropped, first),) = con.execute(
            f"""
            {ranked}
            select
                count(*) filter (where firm_rank = 1 and firm_records > 1),
                coalesce(sum(copies) filter (where firm_rank > 1), 0),
                min(first_row) filter (where firm_rank > 1)
            from ranked
            """
        ).fetchall()
    finally:
        con.unregister("release_rows")
    return _Duplicates(
        exact_rows=dict(exact),
        firm_ids=ids,
        rows_dropped=int(dropped),
        first_dropped=(first["source_file"], first["source_row"]) if first else None,
    )


def duplicate_checks(frames: Sequence[AsifFrame], release: Release, report: CheckReport) -> None:
    """Exact duplicate rows are counted (staging keeps one copy); firm_ids on differing rows
    are resolved by the duplicate rule and counted, and fail the release when the rule
    would drop more than MAX_DUPLICATE_FIRM_ID_ROW_RATE of its rows. Firm ids themselves
    never enter a stat or a reason (both are published)."""
    frames = [f for f in frames if "firm_id" not in f.missing_required]
    if not frames:
        return
    con = duckdb.connect()
    try:
        found = _measure_duplicates(con, frames)
    finally:
        con.close()
    for frame in frames:
        exact = found.exact_rows.get(frame.file, 0)
        report.stats.append(Stat(frame.file, "exact_duplicate_rows", "", exact))
    if not found.firm_ids:
        return
    report.stats.append(Stat("", "duplicate_firm_ids_resolved", "", found.firm_ids))
    report.stats.append(Stat("", "duplicate_firm_id_rows_dropped", "", found.rows_dropped))
    n = sum(f.num_rows for f in frames)
    if found.rows_dropped > MAX_DUPLICATE_FIRM_ID_ROW_RATE * n and found.first_dropped:
        file, row = found.first_dropped
        frame = next(f for f in frames if f.file == file)
        report.failures.append(
            failure(
                release,
                "duplicate_firm_id",
                f"{found.firm_ids} firm_id value(s) appear on rows that differ; keeping the "
                f"row with the largest gross output of each drops {found.rows_dropped} of {n} "
                f"rows ({pct(found.rows_dropped, n)}), the first of them here "
                f"(tolerance {MAX_DUPLICATE_FIRM_ID_ROW_RATE:.0%})",
                file,
                frame.describe_column("firm_id"),
                row,
            )
        )


def row_count_check(
    total: int, release: Release, previous: PreviousRelease | None
) -> CheckFailure | None:
    if previous is None or previous.row_count <= 0:
        return None
    low, high = REVISION_ROW_BAND if previous.kind == "revision" else YEAR_ROW_BAND
    ratio = total / previous.row_count
    if low <= ratio <= high:
        return None
    against = (
        f"revision {previous.revision} ({previous.release_id})"
        if previous.kind == "revision"
        else f"{previous.period} ({previous.release_id})"
    )
    return failure(
        release,
        "row_count_out_of_band",
        f"{total} rows is {ratio:.2f}× the {previous.row_count} rows of {against}; "
        f"the accepted band is {low}×–{high}×",
    )


def _unit_failure(release: Release, median: float, problem: str) -> CheckFailure:
    return failure(
        release,
        "unit_error",
        f"median firm gross output {median:,.1f} (thousand yuan expected) is {problem}",
        None,
        "gross_output",
    )


def unit_check(outputs: list[pa.ChunkedArray], release: Release, report: CheckReport) -> None:
    """The median positive gross output against the absolute bounds; the comparison with the
    previous release's median is `compare_with_previous`."""
    values = pa.chunked_array([c for part in outputs for c in part.chunks], pa.float64())
    if len(values) == 0:
        return
    median = pc.quantile(values, q=0.5)[0].as_py()
    report.median_gross_output = median
    report.stats.append(Stat("", "median_gross_output", "", median))
    low, high = MEDIAN_OUTPUT_BOUNDS
    if not low <= median <= high:
        problem = f"outside the plausible {low:,.0f}–{high:,.0f} thousand yuan"
        report.failures.append(_unit_failure(release, median, problem))


def _median_ratio_problem(median: float, previous: PreviousRelease) -> str | None:
    if not previous.median_gross_output:
        return None
    ratio = median / previous.median_gross_output
    r_low, r_high = MEDIAN_RATIO_BAND
    if r_low <= ratio <= r_high:
        return None
    return (
        f"{ratio:.3g}× the median of {previous.release_id} "
        f"({previous.median_gross_output:,.1f}); accepted {r_low:.3g}×–{r_high:.3g}×"
    )


def compare_with_previous(
    report: CheckReport, release: Release, previous: PreviousRelease | None
) -> None:
    """The checks that need the previous release (row-count band, median ratio), reported
    in their place in the check order (`report.compare_at`). A release's own checks can run
    before the previous release is loaded (in parallel); these run once it is."""
    at = report.compare_at
    band = row_count_check(report.rows, release, previous)
    if band is not None:
        report.failures.insert(at, band)
        at += 1
    median = report.median_gross_output
    # The ratio is checked only when the median passed the absolute bounds (a failure there
    # already sits at `at`); it goes after the row count, before the duplicate rule.
    if previous is None or median is None:
        return
    if any(f.reason_code == "unit_error" for f in report.failures):
        return
    problem = _median_ratio_problem(median, previous)
    if problem:
        report.failures.insert(at, _unit_failure(release, median, problem))
