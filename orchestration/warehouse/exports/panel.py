"""The wide city × year panel of fct_city_indicators (docs/exports.md): one row per city
and year, four columns per (indicator_id, breakdown, source) series — the value, obs_status,
obs_flags and conf_status — named by `panel_names`. A series without a row for a city-year
has a NULL value and NULL (Stata: empty / missing) statuses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.warehouse.exports.panel_names import STATUS_SUFFIXES, full_name, panel_stems
from orchestration.warehouse.served_db import sql_str

KEYS = ["city_code", "year", "name_zh", "name_en"]
KEY_LABELS = {
    "city_code": "City code, 6-digit GB/T 2260 (2010 vintage)",
    "year": "Year",
    "name_zh": "City name (Chinese)",
    "name_en": "City name (English)",
}
PANEL_TABLE = "panel"


@dataclass(frozen=True)
class Panel:
    types: dict[str, str]  # column -> DuckDB type, in column order
    labels: dict[str, str]


def _series(con: duckdb.DuckDBPyConnection, indicators: str) -> list[tuple[str, str, str]]:
    return con.execute(
        f"select distinct indicator_id, breakdown, source from read_parquet({indicators})"
    ).fetchall()


def build_panel(con: duckdb.DuckDBPyConnection, parquet_dir: Path) -> Panel:
    """Create the temporary table `panel` on `con` from the publish's Parquet files."""
    indicators = sql_str(str(parquet_dir / "fct_city_indicators.parquet"))
    cities = sql_str(str(parquet_dir / "dim_city.parquet"))
    stems = panel_stems(_series(con, indicators), KEYS)
    selects, labels = [], dict(KEY_LABELS)
    for key, stem in stems.items():
        match = " and ".join(
            f"{col} = {sql_str(v)}"
            for col, v in zip(("indicator_id", "breakdown", "source"), key, strict=True)
        )
        name = full_name(*key)
        selects.append(f"max(value) filter (where {match}) as {stem}")
        labels[stem] = name
        for column, suffix in STATUS_SUFFIXES.items():
            selects.append(f"max({column}) filter (where {match}) as {stem}{suffix}")
            labels[stem + suffix] = f"{name} {column}"
    keys = "f.city_code, f.year, any_value(c.name_zh) as name_zh, any_value(c.name_en) as name_en"
    con.execute(
        f"create or replace temp table {PANEL_TABLE} as "
        f"select {', '.join([keys, *selects])} "
        f"from read_parquet({indicators}) f left join read_parquet({cities}) c using (city_code) "
        "group by f.city_code, f.year order by f.city_code, f.year"
    )
    types = dict(
        con.execute(f"select column_name, column_type from (describe {PANEL_TABLE})").fetchall()
    )
    return Panel(types=types, labels=labels)
