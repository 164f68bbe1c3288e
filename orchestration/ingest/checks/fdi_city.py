"""The fdi_city release checks: per-file rules (structure; then, for a file with cells, year,
city, labels known to the seeds, cells unique) and the GX raw suite."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.catalog import Release, ReleaseFile
from orchestration.ingest.checks.codes import (
    division_codes,
    division_names,
    fdi_labels,
    vintage_for,
)
from orchestration.ingest.checks.common import (
    CheckFailure,
    CheckReport,
    FileScope,
    count_true,
    first_hit,
    run_gx,
    samples,
)
from orchestration.ingest.readers.fdi import FdiFrame
from orchestration.settings import Settings

# Label columns that must carry a value in every cell.
REQUIRED_LABELS = ("ownership", "measure", "unit")


@dataclass(frozen=True)
class FdiFile(FileScope):
    frame: FdiFrame
    entry: ReleaseFile

    @property
    def rows(self) -> pa.ChunkedArray:
        return self.frame.table.column("source_row")

    def column(self, name: str) -> pa.ChunkedArray:
        return self.frame.table.column(name)


def _normalised(labels: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(labels, r"[\s\x{3000}]+", " "))


# Structure (every file) -----------------------------------------------------------------------


def _structure(check: FdiFile) -> None:
    """Rows read, unmapped and missing columns, what the reader found wrong, numbers that do
    not parse."""
    frame = check.frame
    check.stat("rows_read", "", frame.num_rows)
    for name in frame.unmapped_columns:
        check.stat("unmapped_column", name, 1)
    for column in frame.missing_required:
        check.fail(
            "missing_required_column",
            f"required column {column} not found (headers map through fdi_header_map)",
            column,
        )
    for reason, column, row, text in frame.problems:
        check.fail(reason, text, column, row)
    for column, issue in frame.parse_issues.items():
        check.fail(
            "non_numeric_value",
            f"{issue.count} value(s) are not numbers, first {issue.first_value!r}",
            column,
            issue.first_row,
        )


# Cells (a file with at least one) -------------------------------------------------------------


def _year_matches(check: FdiFile) -> None:
    period = check.release.period
    years = check.column("year")
    wrong_year = pc.or_(pc.is_null(years), pc.not_equal(years, float(period)))
    if count_true(wrong_year):
        row, value = first_hit(wrong_year, check.rows, years)
        printed = "no year" if value is None else f"year {value:g}"
        check.fail(
            "year_mismatch",
            f"{count_true(wrong_year)} cells print {printed}, the catalog period is {period}",
            "year",
            row,
        )


def _city_matches(check: FdiFile) -> None:
    expected = check.entry.city_code
    cities = check.column("file_city_code")
    wrong_city = pc.and_(pc.is_valid(cities), pc.not_equal(cities, expected))
    if count_true(wrong_city):
        row, value = first_hit(wrong_city, check.rows, cities)
        check.fail(
            "city_mismatch",
            f"the table is for city {value}, the catalog file entry says {expected}",
            "city_code",
            row,
        )


def _label_sets(check: FdiFile) -> dict[str, tuple[pa.ChunkedArray, pa.Array | None]]:
    """Each label column's values and the seed's known values (None: no vintage, nothing is
    known). Industries are identified by code where printed, else by the printed name."""
    vintage = vintage_for("fdi_city", check.release.period)
    codes = check.column("industry_code")
    names = _normalised(check.column("industry_name"))
    label_sets = {
        label: (_normalised(check.column(label)), fdi_labels(label)) for label in REQUIRED_LABELS
    }
    label_sets["industry_code"] = (codes, division_codes(vintage) if vintage else None)
    names_only = pc.and_(pc.is_null(codes), pc.is_valid(names))
    label_sets["industry_name"] = (
        pc.if_else(names_only, names, pa.scalar(None, pa.string())),
        division_names(vintage) if vintage else None,
    )
    return label_sets


def _labels_known(check: FdiFile) -> None:
    for column, (values, known) in _label_sets(check).items():
        unknown = (
            pc.is_valid(values)
            if known is None
            else pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=known)))
        )
        if column in REQUIRED_LABELS:
            unknown = pc.or_(unknown, pc.is_null(values))
        count = count_true(unknown)
        check.stat("unmapped_label", column, count)
        if count:
            row, _ = first_hit(unknown, check.rows, values)
            industry = column.startswith("industry")
            seed = "fdi_division_names" if industry else "fdi_value_map"
            check.fail(
                "unknown_industry" if industry else f"unknown_{column}",
                f"{count} cell(s) carry labels not in {seed} for this year, e.g. "
                f"{samples(unknown, values)}",
                column,
                row,
            )


def _cells_unique(check: FdiFile) -> None:
    codes = check.column("industry_code")
    keyed = pa.table(
        {
            "industry": pc.if_else(
                pc.is_valid(codes), codes, _normalised(check.column("industry_name"))
            ),
            "ownership": check.column("ownership"),
            "measure": check.column("measure"),
            "source_row": check.rows,
        }
    )
    dup = (
        keyed.group_by(["industry", "ownership", "measure"])
        .aggregate([("source_row", "count"), ("source_row", "max")])
        .filter(pc.field("source_row_count") > 1)
    )
    if dup.num_rows:
        first = dup.slice(0, 1).to_pylist()[0]
        check.fail(
            "duplicate_cells",
            f"{dup.num_rows} industry × ownership × measure cell(s) printed more than "
            f"once, e.g. {first['industry']} / {first['ownership']} / {first['measure']}",
            None,
            first["source_row_max"],
        )


CELL_RULES = (_year_matches, _city_matches, _labels_known, _cells_unique)


def _file_checks(check: FdiFile) -> None:
    _structure(check)
    if check.frame.num_rows == 0:
        check.fail("empty_file", "no table cells")
        return
    for rule in CELL_RULES:
        rule(check)


# Entry points ---------------------------------------------------------------------------------


def run_fdi_checks(
    frames: Sequence[tuple[FdiFrame, ReleaseFile]],
    release: Release,
    settings: Settings | None = None,
) -> CheckReport:
    report = CheckReport()
    for frame, entry in frames:
        _file_checks(FdiFile(release, report, frame.file, frame, entry))
    if settings is not None and report.passed:
        run_gx([(f.file, f.table) for f, _ in frames], "raw_fdi_city", release, settings, report)
    return report


def check_fdi_release(
    frames: Sequence[tuple[FdiFrame, ReleaseFile]],
    release: Release,
    settings: Settings | None = None,
) -> list[CheckFailure]:
    """The failures of `run_fdi_checks`: each frame with its catalog file entry."""
    return run_fdi_checks(frames, release, settings).failures
