"""The complexity step of a refresh: between the intermediate models and the marts it reads the
group cells the engine built (`intermediate.int_city_group_outputs`), computes the
economic-complexity values of every year (orchestration.complexity.matrix) and writes them back
as `complexity.complexity_values`, the table dbt reads as a source. On Spark the same rows also
go to `<data>/spark/complexity/complexity_values/` as Parquet, which Spark declares as that
source (macros/engine_sources.sql): the step runs the same on both engines."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from orchestration.complexity.matrix import complexity_by_year
from orchestration.warehouse.schema import open_waiting
from orchestration.warehouse.spark_ops import export_tables

INPUT = "intermediate.int_city_group_outputs"
OUTPUT = "complexity.complexity_values"
COLUMNS = ["year", "city_code", "industry_code", "indicator_id", "value"]
# Eigenvectors differ between BLAS builds and thread counts in the last bits; the values are
# published rounded to 12 decimals so the same cells give the same bytes.
DECIMALS = 12


def read_group_outputs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        f'select year, city_code as location, industry_code as "group", gross_output as value,'
        f" is_matrix_location from {INPUT} order by year, city_code, industry_code"
    ).df()


def complexity_values(outputs: pd.DataFrame) -> pd.DataFrame:
    """Every value of the complexity step in long form (COLUMNS), sorted by key."""
    columns = ["year", "location", "group", "value"]
    matrix = outputs.loc[outputs.is_matrix_location, columns]
    others = outputs.loc[~outputs.is_matrix_location, columns]
    result = complexity_by_year(matrix, others)
    pairs = result.location_groups.melt(
        id_vars=["year", "location", "group"],
        value_vars=["rca", "presence", "density"],
        var_name="indicator_id",
    )
    cities = result.locations.melt(
        id_vars=["year", "location"], value_vars=["eci", "diversity"], var_name="indicator_id"
    ).assign(group=None)
    groups = result.groups.melt(
        id_vars=["year", "group"], value_vars=["pci", "ubiquity"], var_name="indicator_id"
    ).assign(location=None)
    values = pd.concat([pairs, cities, groups], ignore_index=True)
    # RCA and presence exist only where the city has output in the group; density is defined
    # for every group of the matrix (NULL where the group is related to no other)
    unobserved = values.indicator_id.isin(["rca", "presence"]) & values.value.isna()
    values = values.loc[~unobserved]
    values["indicator_id"] = values.indicator_id.replace({"density": "relatedness_density"})
    values = values.rename(columns={"location": "city_code", "group": "industry_code"})
    values["value"] = values.value.astype(float).round(DECIMALS)
    values["year"] = values.year.astype("int32")
    return values[COLUMNS].sort_values(COLUMNS[:4], na_position="first", ignore_index=True)


def write_values(con: duckdb.DuckDBPyConnection, values: pd.DataFrame) -> None:
    con.register("complexity_step_values", values)
    try:
        con.execute("create schema if not exists complexity")
        con.execute(
            f"create or replace table {OUTPUT} as select cast(year as integer) as year,"
            " cast(city_code as varchar) as city_code,"
            " cast(industry_code as varchar) as industry_code, indicator_id,"
            " cast(value as double) as value from complexity_step_values"
        )
    finally:
        con.unregister("complexity_step_values")


def run_complexity_step(warehouse_path: Path, spark_dir: Path | None = None) -> int:
    """Read, compute, write; returns the number of values written."""
    # A plain connection (waiting its turn for the file): the step reads and writes its own two
    # tables only (the warehouse's schema set-up, which also re-points the raw views, is the
    # ingest's business).
    with open_waiting(warehouse_path) as con:
        values = complexity_values(read_group_outputs(con))
        write_values(con, values)
        if spark_dir is not None:
            export_tables(con, "complexity", ("complexity_values",), spark_dir / "complexity")
    return len(values)
