"""The ASIF release file of a year: format, column names and types, writing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tools.sample_releases import layouts, records, writers


def asif_format(year: int, quirks: frozenset[str]) -> str:
    fmt = layouts.FORMATS[year]
    switch = {2002: "gbk_csv", 2013: "utf8_csv", 2007: "parquet_year"}
    return fmt if fmt == "dta" or switch[year] in quirks else "dta"


def asif_frame(
    rows: pd.DataFrame, year: int, fmt: str, quirks: frozenset[str]
) -> tuple[pd.DataFrame, list[str | None]]:
    """The release file's columns (names, order, types) for `rows` of `year`."""
    cols = layouts.columns(
        year,
        fmt,
        drift="column_drift" in quirks,
        labels="dta_labels" in quirks,
        va_absent="va_absent" in quirks,
    )
    frame = {}
    for col in cols:
        values = rows[col.canonical]
        if col.canonical in records.MONEY and fmt == "dta":
            values = values.astype(np.float64)  # Stata double, as the distributed files
        frame[col.name] = values
    labels = [c.label for c in cols]
    if "column_drift" in quirks and (year <= 2003 or year == 2013):
        frame[layouts.EXTRA_COLUMN] = records.zip_codes(rows)
        labels.append(layouts.EXTRA_COLUMN if fmt == "dta" and "dta_labels" in quirks else None)
    return pd.DataFrame(frame), labels


def write_asif_file(
    frame: pd.DataFrame, labels: list[str | None], path: Path, fmt: str, year: int
) -> None:
    """`labels`: the Stata variable label of each column of `frame` (None: no label)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "dta":
        writers.write_dta(
            frame,
            path,
            labels if any(labels) else None,
            f"中国工业企业数据库 {year}年 (citygvc sample)",
        )
    elif fmt == "csv":
        writers.write_csv(frame, path, layouts.CSV_ENCODING.get(year, "utf-8"))
    else:
        writers.write_parquet(frame, path)
