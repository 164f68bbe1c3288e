"""fct_city_indicators as SDMX-CSV 1.0 (docs/exports.md): the DATAFLOW column, the
dimensions (FREQ, REF_AREA, INDICATOR, BREAKDOWN, SOURCE, TIME_PERIOD), the measure
OBS_VALUE (empty when NULL) and the observation attributes UNIT_MEASURE, OBS_STATUS,
CONF_STATUS — one row per observation, UTF-8 without a byte-order mark, as statistical
agencies' SDMX-CSV readers expect."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.warehouse.exports.csv_bom import copy_csv
from orchestration.warehouse.served_db import sql_str

DATAFLOW = "CITYGVC:CITY_INDICATORS(1.0)"
SDMX_FILE = "fct_city_indicators.sdmx.csv"
# SDMX column <- fct_city_indicators expression
COLUMNS = {
    "DATAFLOW": sql_str(DATAFLOW),
    "FREQ": "'A'",
    "REF_AREA": "city_code",
    "INDICATOR": "indicator_id",
    "BREAKDOWN": "breakdown",
    "SOURCE": "source",
    "TIME_PERIOD": "cast(year as varchar)",
    "OBS_VALUE": "value",
    "UNIT_MEASURE": "unit",
    "OBS_STATUS": "obs_status",
    "CONF_STATUS": "conf_status",
}


def write_sdmx_csv(con: duckdb.DuckDBPyConnection, parquet_dir: Path, path: Path) -> None:
    source = sql_str(str(parquet_dir / "fct_city_indicators.parquet"))
    columns = ", ".join(f'{expr} as "{name}"' for name, expr in COLUMNS.items())
    copy_csv(con, f"select {columns} from read_parquet({source})", path, bom=False)
