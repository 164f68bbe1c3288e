"""Release-level checks (DESIGN §1, §6): run inside a release's ingest before any row is
written; any failure quarantines that release alone.

Checks, in the order their failures are reported (the first one becomes the quarantine
reason):
- structure: required columns present; numbers parse; required values present;
- codes: formats (location 6 digits to 2003, 12 from 2004; industry 4; registration 3) and
  codes unknown to the seeds, each against a rate threshold;
- values: value ranges (what the warehouse types hold), non-positive gross output;
- release: row-count band against the previous revision or year, unit scale (median gross
  output against absolute bounds and the previous release), firm_id unique after exact
  duplicates are removed;
- the GX raw suite (critical expectations block).
Thresholds are module constants, listed in the README's guard table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.catalog import Release, ReleaseFile
from orchestration.ingest.gx import GxOutcome, validate_dataframe
from orchestration.ingest.readers.asif import AsifFrame
from orchestration.ingest.readers.fdi import FdiFrame
from orchestration.settings import Settings
from orchestration.warehouse.schema import ASIF_INT_COLUMNS, ASIF_MONEY_COLUMNS, ASIF_REQUIRED
from orchestration.warehouse.seeds import load_seed

# Thresholds ---------------------------------------------------------------------------------
MAX_NULL_REQUIRED_RATE = 0.01
MAX_NON_NUMERIC_OPTIONAL_RATE = 0.01  # required numeric columns tolerate none
MAX_INVALID_CODE_FORMAT_RATE = 0.01
MAX_UNKNOWN_CODE_RATE = 0.02
MAX_NON_POSITIVE_OUTPUT_RATE = 0.01
# Rows of a new revision against the revision it replaces, and of a new year against the
# previous year. ASIF's real breaks (2004 census frame +40%, 2011 threshold −30%) fit the
# year band with room to spare (asif.md §1.2).
REVISION_ROW_BAND = (0.5, 2.0)
YEAR_ROW_BAND = (0.4, 2.5)
# Median gross output of firms with positive output, thousand yuan. Above-scale firms sell at
# least 5 million yuan (5,000 thousand); a median outside these bounds means the file is not
# in thousand yuan (e.g. yuan: 1000× too large).
MEDIAN_OUTPUT_BOUNDS = (500.0, 1_000_000.0)
# Against the previous release's median: real years move the median by well under 2×, unit
# mistakes by 10× or more.
MEDIAN_RATIO_BAND = (1 / 8, 8.0)
# What raw.asif can hold: DECIMAL(18,3) and INTEGER.
MONEY_ABS_LIMIT = 1e15
INT_ABS_LIMIT = 2**31 - 1
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


@dataclass
class CheckReport:
    failures: list[CheckFailure] = field(default_factory=list)
    stats: list[Stat] = field(default_factory=list)
    gx: list[GxOutcome] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


# Seeds ----------------------------------------------------------------------------------


@cache
def vintage_for(dataset: str, year: int) -> str | None:
    seed = load_seed("classification_vintages")
    for ds, low, high, vintage in seed.itertuples(index=False):
        if ds == dataset and int(low) <= year <= int(high):
            return vintage
    return None


@cache
def _industry_codes(vintage: str, level: str) -> pa.Array:
    seed = load_seed("industry_codes")
    rows = seed[(seed["vintage"] == vintage) & (seed["level"] == level)]
    return pa.array(sorted(rows["code"]), pa.string())


@cache
def _admin_codes() -> pa.Array:
    return pa.array(sorted(set(load_seed("admin_code_map")["admin_code"])), pa.string())


@cache
def _registration_types() -> pa.Array:
    return pa.array(sorted(load_seed("registration_types")["code"]), pa.string())


@cache
def _fdi_labels(kind: str) -> pa.Array:
    seed = load_seed("fdi_value_map")
    return pa.array(sorted(seed.loc[seed["field"] == kind, "raw_value"]), pa.string())


@cache
def _division_names(vintage: str) -> pa.Array:
    seed = load_seed("fdi_division_names")
    return pa.array(sorted(seed.loc[seed["vintage"] == vintage, "name_printed"]), pa.string())


@cache
def _division_codes(vintage: str) -> pa.Array:
    seed = load_seed("fdi_division_names")
    codes = set(seed.loc[seed["vintage"] == vintage, "division_code"])
    return pa.array(sorted(codes | set(_industry_codes(vintage, "division").to_pylist())))


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


def _fail(
    release: Release,
    reason: str,
    text: str,
    file: str | None = None,
    column: str | None = None,
    row: int | None = None,
) -> CheckFailure:
    return CheckFailure(reason, f"{_where(release, file, column, row)}: {text}", file, column, row)


def _count(mask: pa.ChunkedArray | pa.Array) -> int:
    return int(pc.sum(pc.cast(pc.fill_null(mask, False), pa.int64())).as_py() or 0)


def _first(mask: pa.ChunkedArray | pa.Array, rows: pa.ChunkedArray, values: Any) -> tuple[int, Any]:
    index = pc.indices_nonzero(pc.fill_null(mask, False))[0].as_py()
    return rows[index].as_py(), values[index].as_py()


def _samples(mask: pa.ChunkedArray | pa.Array, values: pa.ChunkedArray) -> list[Any]:
    picked = pc.unique(pc.filter(values, pc.fill_null(mask, False)))
    return picked.slice(0, SAMPLE).to_pylist()


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.2f}%" if whole else "n/a"


# ASIF -------------------------------------------------------------------------------------


def _asif_file_checks(
    frame: AsifFrame, release: Release, report: CheckReport
) -> pa.ChunkedArray | None:
    """Checks within one file; returns its positive gross outputs for the unit check."""
    file, table, n = frame.file, frame.table, frame.num_rows
    rows = frame.source_row
    stats = report.stats
    stats.append(Stat(file, "rows_read", "", n))
    for name in frame.unmapped_columns:
        # How many values stay only in raw.asif.extra_columns.
        values = frame.extras.column(name)
        stats.append(Stat(file, "unmapped_column", name, len(values) - values.null_count))
    for name in frame.ambiguous_columns:
        stats.append(Stat(file, "ambiguous_column", name, 1))
    for column in frame.missing_required:
        report.failures.append(
            _fail(
                release,
                "missing_required_column",
                f"required column {column} not found (no column name or Stata label in the "
                "asif_column_map seed maps to it)",
                file,
                column,
            )
        )
    present = [c for c in ASIF_REQUIRED if c not in frame.missing_required]

    # Numbers that do not parse.
    for column, issue in frame.parse_issues.items():
        stats.append(Stat(file, "non_numeric_value", column, issue.count))
        if column in ASIF_REQUIRED or issue.count > MAX_NON_NUMERIC_OPTIONAL_RATE * n:
            report.failures.append(
                _fail(
                    release,
                    "non_numeric_value",
                    f"{issue.count} value(s) are not numbers, first {issue.first_value!r}",
                    file,
                    frame.describe_column(column),
                    issue.first_row,
                )
            )

    # Required values present.
    for column in present:
        missing = table.column(column).null_count
        if missing:
            stats.append(Stat(file, "null_required", column, missing))
        if missing > MAX_NULL_REQUIRED_RATE * n:
            row, _ = _first(pc.is_null(table.column(column)), rows, table.column(column))
            report.failures.append(
                _fail(
                    release,
                    "missing_values",
                    f"{missing} of {n} rows ({_pct(missing, n)}) have no value "
                    f"(tolerance {MAX_NULL_REQUIRED_RATE:.0%})",
                    file,
                    frame.describe_column(column),
                    row,
                )
            )

    # Code formats and codes unknown to the seeds.
    vintage = vintage_for("asif", release.period)
    location_width = 6 if release.period <= 2003 else 12
    code_rules = {
        "location_code": (rf"^\d{{{location_width}}}$", f"{location_width} digits"),
        "industry_code": (r"^\d{4}$", "4 digits"),
        "registration_type": (r"^\d{3}$", "3 digits"),
    }
    for column, (pattern, expected) in code_rules.items():
        if column not in present:
            continue
        codes = table.column(column)
        bad = pc.and_(pc.is_valid(codes), pc.invert(pc.match_substring_regex(codes, pattern)))
        bad_count = _count(bad)
        if bad_count:
            stats.append(Stat(file, "invalid_code_format", column, bad_count))
        if bad_count > MAX_INVALID_CODE_FORMAT_RATE * n:
            row, value = _first(bad, rows, codes)
            report.failures.append(
                _fail(
                    release,
                    "invalid_code_format",
                    f"{bad_count} of {n} codes ({_pct(bad_count, n)}) are not {expected}, "
                    f"first {value!r} (tolerance {MAX_INVALID_CODE_FORMAT_RATE:.0%})",
                    file,
                    frame.describe_column(column),
                    row,
                )
            )

    known_sets = {
        "industry_code": ("industry", _industry_codes(vintage, "class") if vintage else None),
        "location_code": ("location", _admin_codes()),
        "registration_type": ("registration_type", _registration_types()),
    }
    for column, (kind, known) in known_sets.items():
        if column not in present:
            continue
        codes = table.column(column)
        probe = pc.utf8_slice_codeunits(codes, 0, 6) if column == "location_code" else codes
        unknown = (
            pc.is_valid(codes)
            if known is None
            else pc.and_(pc.is_valid(codes), pc.invert(pc.is_in(probe, value_set=known)))
        )
        unknown_count = _count(unknown)
        stats.append(Stat(file, "unmapped_code", kind, unknown_count))
        if unknown_count > MAX_UNKNOWN_CODE_RATE * n:
            row, _ = _first(unknown, rows, codes)
            against = {
                "industry": f"industry_codes of the GB/T 4754-{vintage} classes",
                "location": "admin_code_map",
                "registration_type": "registration_types",
            }[kind]
            report.failures.append(
                _fail(
                    release,
                    f"unknown_{kind}_codes",
                    f"{unknown_count} of {n} codes ({_pct(unknown_count, n)}) are not in "
                    f"{against}, e.g. {_samples(unknown, codes)} "
                    f"(tolerance {MAX_UNKNOWN_CODE_RATE:.0%})",
                    file,
                    frame.describe_column(column),
                    row,
                )
            )

    # Values the warehouse types cannot hold.
    for column in (*ASIF_MONEY_COLUMNS, *ASIF_INT_COLUMNS):
        values = table.column(column)
        limit = MONEY_ABS_LIMIT if column in ASIF_MONEY_COLUMNS else INT_ABS_LIMIT
        out = pc.greater(pc.abs(values), limit)
        if _count(out):
            row, value = _first(out, rows, values)
            report.failures.append(
                _fail(
                    release,
                    "value_out_of_range",
                    f"{_count(out)} value(s) beyond ±{limit:.0e}, first {value!r}",
                    file,
                    frame.describe_column(column),
                    row,
                )
            )

    if "gross_output" not in present:
        return None
    output = table.column("gross_output")
    non_positive = pc.less_equal(output, 0)
    count = _count(non_positive)
    stats.append(Stat(file, "non_positive_output", "gross_output", count))
    if count > MAX_NON_POSITIVE_OUTPUT_RATE * n:
        row, value = _first(non_positive, rows, output)
        report.failures.append(
            _fail(
                release,
                "non_positive_outputs",
                f"{count} of {n} firms ({_pct(count, n)}) report zero or negative gross output, "
                f"first {value!r} (tolerance {MAX_NON_POSITIVE_OUTPUT_RATE:.0%})",
                file,
                frame.describe_column("gross_output"),
                row,
            )
        )
    return pc.filter(output, pc.fill_null(pc.greater(output, 0), False))


def _duplicate_checks(frames: Sequence[AsifFrame], release: Release, report: CheckReport) -> None:
    """Exact duplicate rows are counted (staging drops them); a firm_id left on two
    different rows after that fails the release."""
    con = duckdb.connect()
    try:
        for frame in frames:
            if "firm_id" in frame.missing_required:
                continue
            data = frame.table.drop_columns(["source_row"])
            for i, name in enumerate(frame.extras.column_names):
                data = data.append_column(f"__extra_{i}", frame.extras.column(name))
            con.register("frame_rows", data)
            exact = con.execute(
                "select count(*) - (select count(*) from (select distinct * from frame_rows)) "
                "from frame_rows"
            ).fetchone()[0]
            report.stats.append(Stat(frame.file, "exact_duplicate_rows", "", exact))
            dup = con.execute(
                """
                select firm_id, count(*) as n
                from (select distinct * from frame_rows)
                where firm_id is not null
                group by firm_id having count(*) > 1
                order by n desc, firm_id
                """
            ).fetchall()
            con.unregister("frame_rows")
            if dup:
                report.stats.append(Stat(frame.file, "duplicate_firm_id", "", len(dup)))
                table = frame.table
                first = pc.index(table.column("firm_id"), dup[0][0]).as_py()
                report.failures.append(
                    _fail(
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


def _row_count_check(
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
            _fail(
                release,
                "row_count_out_of_band",
                f"{total} rows is {ratio:.2f}× the {previous.row_count} rows of {against}; "
                f"the accepted band is {low}×–{high}×",
            )
        )


def _unit_check(
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
    low, high = MEDIAN_OUTPUT_BOUNDS
    problem = None
    if not low <= median <= high:
        problem = f"outside the plausible {low:,.0f}–{high:,.0f} thousand yuan"
    elif previous is not None and previous.median_gross_output:
        ratio = median / previous.median_gross_output
        r_low, r_high = MEDIAN_RATIO_BAND
        if not r_low <= ratio <= r_high:
            problem = (
                f"{ratio:.3g}× the median of {previous.release_id} "
                f"({previous.median_gross_output:,.1f}); accepted {r_low:.3g}×–{r_high:.3g}×"
            )
    if problem:
        report.failures.append(
            _fail(
                release,
                "unit_error",
                f"median firm gross output {median:,.1f} (thousand yuan expected) is {problem}",
                None,
                "gross_output",
            )
        )


def _run_gx(
    tables: Sequence[tuple[str, pa.Table]],
    suite: str,
    release: Release,
    settings: Settings,
    report: CheckReport,
) -> None:
    """One GX validation per release (each run costs about a second whatever the size):
    the files' rows together, with `source_file` and `source_row` as the sample keys."""
    frame = pa.concat_tables(
        [t.append_column("source_file", pa.array([f] * t.num_rows, pa.string())) for f, t in tables]
    ).to_pandas()
    outcome = validate_dataframe(frame, suite, settings, key_columns=["source_file", "source_row"])
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
            _fail(
                release,
                "expectation_failed",
                f"GX {outcome.suite_name}: {result.summary()}",
                first.get("source_file"),
                result.column,
                first.get("source_row"),
            )
        )


def run_asif_checks(
    frames: AsifFrame | Sequence[AsifFrame],
    release: Release,
    previous: PreviousRelease | None,
    settings: Settings | None = None,
) -> CheckReport:
    """Every ASIF release check; GX runs when `settings` is given and the rest passed."""
    frames = [frames] if isinstance(frames, AsifFrame) else list(frames)
    report = CheckReport()
    outputs = []
    for frame in frames:
        positive = _asif_file_checks(frame, release, report)
        if positive is not None:
            outputs.append(positive)
    _row_count_check(sum(f.num_rows for f in frames), release, previous, report)
    if outputs:
        _unit_check(outputs, release, previous, report)
    _duplicate_checks(frames, release, report)
    if settings is not None and report.passed:
        _run_gx([(f.file, f.table) for f in frames], "raw_asif", release, settings, report)
    return report


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


# fdi_city --------------------------------------------------------------------------------


def _normalised(labels: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(labels, r"[\s\x{3000}]+", " "))


def _fdi_file_checks(
    frame: FdiFrame, entry: ReleaseFile, release: Release, report: CheckReport
) -> None:
    file, table, n = frame.file, frame.table, frame.num_rows
    rows = table.column("source_row")
    report.stats.append(Stat(file, "rows_read", "", n))
    for name in frame.unmapped_columns:
        report.stats.append(Stat(file, "unmapped_column", name, 1))
    for column in frame.missing_required:
        report.failures.append(
            _fail(
                release,
                "missing_required_column",
                f"required column {column} not found (headers map through fdi_header_map)",
                file,
                column,
            )
        )
    for reason, column, row, text in frame.problems:
        report.failures.append(_fail(release, reason, text, file, column, row))
    for column, issue in frame.parse_issues.items():
        report.failures.append(
            _fail(
                release,
                "non_numeric_value",
                f"{issue.count} value(s) are not numbers, first {issue.first_value!r}",
                file,
                column,
                issue.first_row,
            )
        )
    if n == 0:
        report.failures.append(_fail(release, "empty_file", "no table cells", file))
        return

    years = table.column("year")
    wrong_year = pc.or_(pc.is_null(years), pc.not_equal(years, float(release.period)))
    if _count(wrong_year):
        row, value = _first(wrong_year, rows, years)
        printed = "no year" if value is None else f"year {value:g}"
        report.failures.append(
            _fail(
                release,
                "year_mismatch",
                f"{_count(wrong_year)} cells print {printed}, the catalog period is "
                f"{release.period}",
                file,
                "year",
                row,
            )
        )
    cities = table.column("file_city_code")
    wrong_city = pc.and_(pc.is_valid(cities), pc.not_equal(cities, entry.city_code))
    if _count(wrong_city):
        row, value = _first(wrong_city, rows, cities)
        report.failures.append(
            _fail(
                release,
                "city_mismatch",
                f"the table is for city {value}, the catalog file entry says {entry.city_code}",
                file,
                "city_code",
                row,
            )
        )

    vintage = vintage_for("fdi_city", release.period)
    codes = table.column("industry_code")
    names = _normalised(table.column("industry_name"))
    label_sets: dict[str, tuple[pa.ChunkedArray, pa.Array | None]] = {
        "ownership": (_normalised(table.column("ownership")), _fdi_labels("ownership")),
        "measure": (_normalised(table.column("measure")), _fdi_labels("measure")),
        "unit": (_normalised(table.column("unit")), _fdi_labels("unit")),
        "industry_code": (codes, _division_codes(vintage) if vintage else None),
    }
    # Industries are identified by code where printed, else by the printed name.
    names_only = pc.and_(pc.is_null(codes), pc.is_valid(names))
    label_sets["industry_name"] = (
        pc.if_else(names_only, names, pa.scalar(None, pa.string())),
        _division_names(vintage) if vintage else None,
    )
    for column, (values, known) in label_sets.items():
        unknown = (
            pc.is_valid(values)
            if known is None
            else pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=known)))
        )
        if column in ("ownership", "measure", "unit"):
            unknown = pc.or_(unknown, pc.is_null(values))
        count = _count(unknown)
        report.stats.append(Stat(file, "unmapped_label", column, count))
        if count:
            row, _ = _first(unknown, rows, values)
            seed = "fdi_division_names" if column.startswith("industry") else "fdi_value_map"
            report.failures.append(
                _fail(
                    release,
                    "unknown_industry" if column.startswith("industry") else f"unknown_{column}",
                    f"{count} cell(s) carry labels not in {seed} for this year, e.g. "
                    f"{_samples(unknown, values)}",
                    file,
                    column,
                    row,
                )
            )

    industry = pc.if_else(pc.is_valid(codes), codes, names)
    keyed = pa.table(
        {
            "industry": industry,
            "ownership": table.column("ownership"),
            "measure": table.column("measure"),
            "source_row": rows,
        }
    )
    dup = (
        keyed.group_by(["industry", "ownership", "measure"])
        .aggregate([("source_row", "count"), ("source_row", "max")])
        .filter(pc.field("source_row_count") > 1)
    )
    if dup.num_rows:
        first = dup.slice(0, 1).to_pylist()[0]
        report.failures.append(
            _fail(
                release,
                "duplicate_cells",
                f"{dup.num_rows} industry × ownership × measure cell(s) printed more than "
                f"once, e.g. {first['industry']} / {first['ownership']} / {first['measure']}",
                file,
                None,
                first["source_row_max"],
            )
        )


def run_fdi_checks(
    frames: Sequence[tuple[FdiFrame, ReleaseFile]],
    release: Release,
    settings: Settings | None = None,
) -> CheckReport:
    report = CheckReport()
    for frame, entry in frames:
        _fdi_file_checks(frame, entry, release, report)
    if settings is not None and report.passed:
        _run_gx([(f.file, f.table) for f, _ in frames], "raw_fdi_city", release, settings, report)
    return report


def check_fdi_release(
    frames: Sequence[tuple[FdiFrame, ReleaseFile]],
    release: Release,
    settings: Settings | None = None,
) -> list[CheckFailure]:
    """The failures of `run_fdi_checks`: each frame with its catalog file entry."""
    return run_fdi_checks(frames, release, settings).failures
