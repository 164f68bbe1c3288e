"""The ASIF release checks: per-file rules (structure, codes, values) in `FILE_RULES`, then
the release-wide ones (row-count band, unit scale, duplicate firm ids) and the GX raw suite."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.catalog import Release
from orchestration.ingest.checks.asif_release import (
    PreviousRelease,
    compare_with_previous,
    duplicate_checks,
    positive_outputs,
    previous_from_count,
    unit_check,
)
from orchestration.ingest.checks.codes import (
    GROUP_LEVEL_VINTAGES,
    admin_codes,
    classification_codes,
    classification_key,
    registration_types,
    vintage_for,
)
from orchestration.ingest.checks.common import (
    CheckFailure,
    CheckReport,
    FileScope,
    count_true,
    first_hit,
    pct,
    run_gx,
    samples,
)
from orchestration.ingest.readers.asif import AsifFrame
from orchestration.settings import Settings
from orchestration.warehouse.schema import ASIF_INT_COLUMNS, ASIF_MONEY_COLUMNS, ASIF_REQUIRED

# Thresholds ---------------------------------------------------------------------------------
MAX_NULL_REQUIRED_RATE = 0.01
# An unmapped column under one of these names prints each row's survey year (researchers'
# pooled panels carry one); every year it prints must be the release's.
SURVEY_YEAR_COLUMNS = ("year", "nian", "年", "年份")
MAX_NON_NUMERIC_OPTIONAL_RATE = 0.01  # required numeric columns tolerate none
MAX_INVALID_CODE_FORMAT_RATE = 0.01
# A number as Excel prints a long one (3.20583E+11): the code's other digits are gone.
SCIENTIFIC_RE = r"[+-]?\d(\.\d+)?[eE][+-]?\d+"
MAX_UNKNOWN_CODE_RATE = 0.02
MAX_NON_POSITIVE_OUTPUT_RATE = 0.01
# What raw.asif can hold: DECIMAL(18,3) and INTEGER.
MONEY_ABS_LIMIT = 1e15
INT_ABS_LIMIT = 2**31 - 1


@dataclass(frozen=True)
class KnownCodes:
    """What a code column is checked against, and how a failure names it."""

    kind: str
    known: pa.Array | None
    against: str
    probe: Callable[[pa.Array], pa.Array] = lambda codes: codes


def _known_code_lists(vintage: str | None) -> dict[str, KnownCodes]:
    if vintage is None:
        industry = KnownCodes("industry", None, "any GB/T 4754 vintage")
    elif vintage in GROUP_LEVEL_VINTAGES:
        industry = KnownCodes(
            "industry",
            classification_codes(vintage),
            f"gbt4754_1994_groups (GB/T 4754-{vintage} codes are checked by their 3-digit group)",
            lambda codes: classification_key(vintage, codes),
        )
    else:
        industry = KnownCodes(
            "industry",
            classification_codes(vintage),
            f"industry_codes of the GB/T 4754-{vintage} classes",
        )
    return {
        "industry_code": industry,
        "location_code": KnownCodes(
            "location", admin_codes(), "admin_code_map", lambda c: pc.utf8_slice_codeunits(c, 0, 6)
        ),
        "registration_type": KnownCodes(
            "registration_type", registration_types(), "registration_types"
        ),
    }


@dataclass(frozen=True)
class AsifFile(FileScope):
    frame: AsifFrame
    # Required columns the file has.
    present: tuple[str, ...]

    @property
    def rows(self) -> pa.ChunkedArray:
        return self.frame.source_row

    def column(self, name: str) -> pa.ChunkedArray:
        return self.frame.table.column(name)

    def fail_at(self, reason: str, text: str, column: str, mask: pa.ChunkedArray) -> None:
        """A failure located at the first row of `mask` in `column` (as the file names it)."""
        row, _ = first_hit(mask, self.rows, self.column(column))
        self.fail(reason, text, self.frame.describe_column(column), row)


# Per-file rules, in the order their failures are reported ------------------------------------


def _columns(check: AsifFile) -> None:
    """Rows read, columns left unmapped or ambiguous, sheets not read, required columns missing."""
    frame = check.frame
    check.stat("rows_read", "", frame.num_rows)
    for detail, factor in frame.unit_stats():
        check.stat("column_unit", detail, factor)
    for name in frame.unmapped_columns:
        # How many values stay only in raw.asif.extra_columns.
        values = frame.extras.column(name)
        check.stat("unmapped_column", name, len(values) - values.null_count)
    for name in frame.ambiguous_columns:
        check.stat("ambiguous_column", name, 1)
    for sheet, rows in frame.sheets_not_read.items():
        check.stat("sheet_not_read", sheet, rows)
    for column in frame.missing_required:
        check.fail(
            "missing_required_column",
            f"required column {column} not found (no column name or Stata label in the "
            "asif_column_map seed maps to it)",
            column,
        )


def _numbers_parse(check: AsifFile) -> None:
    n = check.frame.num_rows
    for column, issue in check.frame.parse_issues.items():
        check.stat("non_numeric_value", column, issue.count)
        if column in ASIF_REQUIRED or issue.count > MAX_NON_NUMERIC_OPTIONAL_RATE * n:
            check.fail(
                "non_numeric_value",
                f"{issue.count} value(s) are not numbers, first {issue.first_value!r}",
                check.frame.describe_column(column),
                issue.first_row,
            )


def _required_values(check: AsifFile) -> None:
    n = check.frame.num_rows
    for column in check.present:
        missing = check.column(column).null_count
        if missing:
            check.stat("null_required", column, missing)
        if missing > MAX_NULL_REQUIRED_RATE * n:
            check.fail_at(
                "missing_values",
                f"{missing} of {n} rows ({pct(missing, n)}) have no value "
                f"(tolerance {MAX_NULL_REQUIRED_RATE:.0%})",
                column,
                pc.is_null(check.column(column)),
            )


def _code_formats(check: AsifFile) -> None:
    n = check.frame.num_rows
    code_rules = {
        # 6 digits (the county) or 12 (county + town + village) in any year: most files have
        # 6 to 2003 and 12 from 2004, but vendors' versions differ (one 2008 version has 6).
        # The county is the first 6 digits either way; whether it maps to a unit is
        # _known_codes' question.
        "location_code": (r"^(\d{6}|\d{12})$", "6 or 12 digits"),
        "industry_code": (r"^\d{4}$", "4 digits"),
        "registration_type": (r"^\d{3}$", "3 digits"),
    }
    for column, (pattern, expected) in code_rules.items():
        if column not in check.present:
            continue
        codes = check.column(column)
        bad = pc.and_(pc.is_valid(codes), pc.invert(pc.match_substring_regex(codes, pattern)))
        bad_count = count_true(bad)
        if bad_count:
            check.stat("invalid_code_format", column, bad_count)
        if bad_count > MAX_INVALID_CODE_FORMAT_RATE * n:
            row, value = first_hit(bad, check.rows, codes)
            check.fail(
                "invalid_code_format",
                f"{bad_count} of {n} codes ({pct(bad_count, n)}) are not {expected}, "
                f"first {value!r} (tolerance {MAX_INVALID_CODE_FORMAT_RATE:.0%})"
                + _scientific_hint(value),
                check.frame.describe_column(column),
                row,
            )


def _scientific_hint(value: object) -> str:
    """What a code printed like 3.20583E+11 means: Excel writes long numbers so to a CSV it
    saves, keeping six digits; the others cannot be recovered from the file."""
    if not re.fullmatch(SCIENTIFIC_RE, str(value)):
        return ""
    return (
        "; a code in scientific notation has lost its digits (Excel saves long numbers so to"
        " CSV): save the original again with the column formatted as text"
    )


def _known_codes(check: AsifFile) -> None:
    n = check.frame.num_rows
    lists = _known_code_lists(vintage_for("asif", check.release.period))
    for column, spec in lists.items():
        if column not in check.present:
            continue
        codes = check.column(column)
        unknown = (
            pc.is_valid(codes)
            if spec.known is None
            else pc.and_(
                pc.is_valid(codes), pc.invert(pc.is_in(spec.probe(codes), value_set=spec.known))
            )
        )
        unknown_count = count_true(unknown)
        check.stat("unmapped_code", spec.kind, unknown_count)
        if unknown_count > MAX_UNKNOWN_CODE_RATE * n:
            check.fail_at(
                f"unknown_{spec.kind}_codes",
                f"{unknown_count} of {n} codes ({pct(unknown_count, n)}) are not in "
                f"{spec.against}, e.g. {samples(unknown, codes)} "
                f"(tolerance {MAX_UNKNOWN_CODE_RATE:.0%})",
                column,
                unknown,
            )


def _value_ranges(check: AsifFile) -> None:
    """Values the warehouse types cannot hold."""
    for column in (*ASIF_MONEY_COLUMNS, *ASIF_INT_COLUMNS):
        values = check.column(column)
        limit = MONEY_ABS_LIMIT if column in ASIF_MONEY_COLUMNS else INT_ABS_LIMIT
        out = pc.greater(pc.abs(values), limit)
        if count_true(out):
            row, value = first_hit(out, check.rows, values)
            check.fail(
                "value_out_of_range",
                f"{count_true(out)} value(s) beyond ±{limit:.0e}, first {value!r}",
                check.frame.describe_column(column),
                row,
            )


def _positive_output(check: AsifFile) -> None:
    if "gross_output" not in check.present:
        return
    n = check.frame.num_rows
    output = check.column("gross_output")
    non_positive = pc.less_equal(output, 0)
    count = count_true(non_positive)
    check.stat("non_positive_output", "gross_output", count)
    if count > MAX_NON_POSITIVE_OUTPUT_RATE * n:
        row, value = first_hit(non_positive, check.rows, output)
        check.fail(
            "non_positive_outputs",
            f"{count} of {n} firms ({pct(count, n)}) report zero or negative gross output, "
            f"first {value!r} (tolerance {MAX_NON_POSITIVE_OUTPUT_RATE:.0%})",
            check.frame.describe_column("gross_output"),
            row,
        )


def _survey_year(check: AsifFile) -> None:
    """A file that prints each row's survey year prints the release's: a file pooling
    several years would otherwise load every year's firms as this one's."""
    frame = check.frame
    names = [n for n in frame.unmapped_columns if n.strip().lower() in SURVEY_YEAR_COLUMNS]
    if not names:
        return
    years = _as_years(frame.extras.column(names[0]))
    if years is None:
        return  # not years: a column of another meaning under that name
    period = check.release.period
    other = pc.fill_null(pc.not_equal(years, float(period)), False)
    count = count_true(other)
    if count:
        row, value = first_hit(other, check.rows, years)
        check.fail(
            "year_mismatch",
            f"{count} of {frame.num_rows} rows print another survey year than the catalog "
            f"period {period}, first {value:g}: a file pooling several years is split into "
            "one file per year, each in its year's release",
            names[0],
            row,
        )


def _as_years(printed: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """The printed years as numbers (blank: NULL); None when some are not numbers."""
    if pa.types.is_string(printed.type) or pa.types.is_large_string(printed.type):
        trimmed = pc.utf8_trim_whitespace(printed)
        printed = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, trimmed.type), trimmed)
    try:
        return pc.cast(printed, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


FILE_RULES = (
    _columns,
    _survey_year,
    _numbers_parse,
    _required_values,
    _code_formats,
    _known_codes,
    _value_ranges,
    _positive_output,
)


# Entry points ---------------------------------------------------------------------------------


def own_asif_checks(
    frames: AsifFrame | Sequence[AsifFrame], release: Release, settings: Settings | None = None
) -> CheckReport:
    """The checks an ASIF release passes or fails on its own — everything but the comparison
    with the previous release (`compare_with_previous`) — and GX when `settings` is given
    and the rest passed. Needs nothing from the warehouse, so releases can run it in
    parallel."""
    frames = _as_list(frames)
    report = CheckReport(rows=sum(f.num_rows for f in frames))
    outputs = []
    for frame in frames:
        present = tuple(c for c in ASIF_REQUIRED if c not in frame.missing_required)
        check = AsifFile(release, report, frame.file, frame, present)
        for rule in FILE_RULES:
            rule(check)
        positive = positive_outputs(frame)
        if positive is not None:
            outputs.append(positive)
    report.compare_at = len(report.failures)
    if outputs:
        unit_check(outputs, release, report)
    duplicate_checks(frames, release, report)
    _gx_when_passed(frames, release, settings, report)
    return report


def _as_list(frames: AsifFrame | Sequence[AsifFrame]) -> list[AsifFrame]:
    return [frames] if isinstance(frames, AsifFrame) else list(frames)


def _gx_when_passed(
    frames: list[AsifFrame], release: Release, settings: Settings | None, report: CheckReport
) -> None:
    if settings is not None and report.passed:
        run_gx([(f.file, f.table) for f in frames], "raw_asif", release, settings, report)


def run_asif_checks(
    frames: AsifFrame | Sequence[AsifFrame],
    release: Release,
    previous: PreviousRelease | None,
    settings: Settings | None = None,
) -> CheckReport:
    """Every ASIF release check; GX runs when `settings` is given and the rest passed."""
    frames = _as_list(frames)
    report = own_asif_checks(frames, release)
    compare_with_previous(report, release, previous)
    _gx_when_passed(frames, release, settings, report)
    return report


def check_asif_release(
    frame: AsifFrame | Sequence[AsifFrame],
    release: Release,
    previous_row_count: int | PreviousRelease | None,
    settings: Settings | None = None,
) -> list[CheckFailure]:
    """The failures of `run_asif_checks`; a bare row count as in `previous_from_count`."""
    previous = previous_row_count
    if isinstance(previous, int):
        previous = previous_from_count(release, previous)
    return run_asif_checks(frame, release, previous, settings).failures
