"""Helpers of the sample-release tests: files read with plain pandas/pyreadstat and the seeds,
independently of the warehouse readers, so the tests check what a user of the releases would
see."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pyreadstat

from orchestration.warehouse.seeds import load_seed

RELEASE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
KUNSHAN, DONGGUAN, SUZHOU = "320583", "441900", "320500"


def column_map() -> dict[str, str]:
    cmap = load_seed("asif_column_map")
    return {
        r.strip().lower() if r.isascii() else r.strip(): c
        for r, c in zip(cmap.raw_name, cmap.canonical_name, strict=True)
    }


def canonical(name: str) -> str | None:
    key = name.strip().lower() if name.isascii() else name.strip()
    return column_map().get(key)


def read_asif(path: Path) -> pd.DataFrame:
    """A release file with canonical column names (unmapped columns dropped), codes as text."""
    if path.suffix == ".dta":
        frame, meta = pyreadstat.read_dta(str(path))
        names = {
            c: canonical(c) or canonical(meta.column_names_to_labels.get(c) or "")
            for c in frame.columns
        }
    elif path.suffix == ".csv":
        frame = _read_csv(path)
        names = {c: canonical(c) for c in frame.columns}
    else:
        frame = pd.read_parquet(path)
        names = {c: canonical(c) for c in frame.columns}
    frame = frame[[c for c in frame.columns if names[c]]].rename(columns=names)
    for column in ("gross_output", "sales", "value_added", "intermediate_input", "vat_payable"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column])
    return frame


def asif_file(root: Path, catalog: dict, year: int, revision: int = 1) -> Path:
    (release,) = [r for r in catalog["releases"] if r["release_id"] == f"asif-{year}-r{revision}"]
    return root / release["files"][0]["path"]


def value(
    truth: pd.DataFrame,
    city: str,
    year: int,
    indicator: str,
    breakdown: str = "total",
    source: str = "asif",
) -> float:
    rows = truth[
        (truth.city_code == city)
        & (truth.year == year)
        & (truth.indicator_id == indicator)
        & (truth.breakdown == breakdown)
        & (truth.source == source)
    ]
    assert len(rows) == 1, (city, year, indicator, breakdown, source)
    return float(rows.value.iloc[0])


def fdi_cells(path: Path) -> pd.DataFrame:
    """A long fdi_city table as (industry, ownership, measure, value in the printed unit)."""
    values = load_seed("fdi_value_map")
    label = dict(zip(values.raw_value, values.canonical, strict=True))
    frame = _read_csv(path) if path.suffix == ".csv" else pd.read_excel(path, dtype=str)
    frame.columns = ["year", "city", "industry", "name", "ownership", "measure", "value", "unit"]
    return frame.assign(
        ownership=frame.ownership.map(label),
        measure=frame.measure.map(label),
        value=frame.value.astype(float),
    )


def _read_csv(path: Path) -> pd.DataFrame:
    """A generated CSV as text columns: UTF-8, or GBK where the generator wrote GBK."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("gbk")
    return pd.read_csv(io.StringIO(text), dtype=str)
