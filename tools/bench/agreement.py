"""Agreement of the published indicators with the pandas peer and the floor: row by row on
the bench series, within a relative tolerance. The refresh runs with disclosure control on, so
its suppressed values (conf_status C or D, value NULL) are left out of the comparison and
counted; the peer and the floor suppress nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

# Relative agreement required between implementations (all values are ratios of sums; the
# warehouse sums DECIMALs exactly, the peer and the floor sum doubles: differences are
# rounding, ~1e-15).
REL_TOLERANCE = 1e-9
ABS_TOLERANCE = 1e-12
# The indicators the peer and the floor compute: (indicator_id, source) → breakdown (None =
# every breakdown).
SERIES = {
    ("ict_share_mfg_output", "asif"): "total",
    ("ict_share_mfg_output", "fdi_city"): "total",
    ("ict_segment_share", "asif"): None,
    ("fdi_dependency_ict_va", "asif"): "total",
    ("fdi_dependency_ict_va", "fdi_city"): "total",
    ("export_intensity_ict", "asif"): "total",
}

# Agreement ----------------------------------------------------------------------------------


def bench_rows_sql(path: Path, suppressed: str = "false") -> str:
    conditions = " or ".join(
        f"(indicator_id = '{ind}' and source = '{src}'"
        + (f" and breakdown = '{brk}')" if brk else ")")
        for (ind, src), brk in SERIES.items()
    )
    return (
        "select city_code, cast(year as integer) as year, indicator_id, breakdown, source, "
        f"cast(value as double) as value, {suppressed} as suppressed "
        f"from read_parquet('{path}') where {conditions}"
    )


def compare(reference: Path, other: Path) -> dict[str, Any]:
    """Row-by-row agreement of the published indicators (`reference`, with conf_status) and
    another implementation's, on the bench series; suppressed published values aside."""
    suppressed = "coalesce(conf_status in ('C', 'D'), false)"
    with duckdb.connect() as con:
        rows = con.execute(
            f"""
            with a as ({bench_rows_sql(reference, suppressed)}), b as ({bench_rows_sql(other)})
            select
                coalesce(a.indicator_id, b.indicator_id) as indicator_id,
                coalesce(a.source, b.source) as source,
                count(*) as rows,
                count(*) filter (where a.suppressed) as suppressed,
                count(*) filter (where b.city_code is null) as missing_in_other,
                count(*) filter (where a.city_code is null) as missing_in_reference,
                count(*) filter (
                    where a.city_code is not null and b.city_code is not null
                        and not a.suppressed and (a.value is null) <> (b.value is null)
                ) as null_mismatches,
                coalesce(max(abs(a.value - b.value)
                    / greatest(abs(a.value), {ABS_TOLERANCE / REL_TOLERANCE}))
                    filter (where a.suppressed is not true), 0) as max_rel_diff
            from a full join b using (city_code, year, indicator_id, breakdown, source)
            group by all order by all
            """
        ).fetchall()
    series = [
        dict(
            zip(
                (
                    "indicator_id",
                    "source",
                    "rows",
                    "suppressed",
                    "missing_in_other",
                    "missing_in_reference",
                    "null_mismatches",
                    "max_rel_diff",
                ),
                row,
                strict=True,
            )
        )
        for row in rows
    ]
    agree = bool(series) and all(
        s["missing_in_other"] == 0
        and s["missing_in_reference"] == 0
        and s["null_mismatches"] == 0
        and s["max_rel_diff"] <= REL_TOLERANCE
        for s in series
    )
    covered = {(s["indicator_id"], s["source"]) for s in series}
    return {
        "reference": str(reference),
        "other": str(other),
        "agree": agree and covered == set(SERIES),
        "rows": sum(s["rows"] for s in series),
        "series": series,
        "tolerance": {"relative": REL_TOLERANCE, "absolute": ABS_TOLERANCE},
    }
