"""The floor of `make bench`: the fastest script that computes the bench indicators from the
raw release files with citygvc's own readers — no orchestration, no checks, no warehouse.

`python -m tools.bench.floor CATALOG OUT.parquet [--workers N] [--timings FILE]`

The effective releases' files (highest revision per ASIF year, per fdi_city year and city)
are read by `orchestration.ingest.readers` into Arrow, in parallel processes (one per core), then
ONE DuckDB statement computes the same indicators as the pandas peer (and the marts): the
same cleaning, city units, firm panel and value-added imputation, whose donor-based values
are benchmarked to the yearbooks' printed division × ownership cells (a cell's printed value
added less its known firms' shared in proportion to them; elsewhere the firm's VAT ÷ its
VAT/VA share in its nearest benchmarked year). Seeds are read as text.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.settings import SEEDS_DIR
from tools.bench.peer_read import effective_files

SEEDS = (
    "admin_code_map",
    "cities",
    "classification_vintages",
    "fdi_division_names",
    "fdi_value_map",
    "gbt4754_1994_groups",
    "ict_segment_map",
    "industry_codes",
    "industry_concordance_1994",
    "industry_crosswalk",
    "registration_types",
)
MIN_DONORS = 20  # dbt var va_imputation_min_donors
BENCHMARK_ROUNDING = 20  # dbt var va_benchmark_rounding (thousand yuan)
BENCHMARK_MAX_FACTOR = 2  # dbt var va_benchmark_max_factor

# The statement lives in floor_indicators.sql (a str.format template of the constants above).
INDICATORS_SQL = (
    (Path(__file__).with_name("floor_indicators.sql"))
    .read_text(encoding="utf-8")
    .format(
        MIN_DONORS=MIN_DONORS,
        BENCHMARK_ROUNDING=BENCHMARK_ROUNDING,
        BENCHMARK_MAX_FACTOR=BENCHMARK_MAX_FACTOR,
    )
)


FDI_SCHEMA = pa.schema(
    [(c, pa.string()) for c in ("industry_code", "industry_name", "ownership", "measure")]
    + [("value", pa.float64()), ("unit", pa.string()), ("year", pa.int32())]
    + [("city_code", pa.string())]
)


def _read_asif(path: str, fmt: str, year: int) -> pa.Table:
    from orchestration.ingest.readers import read_asif

    table = read_asif(Path(path), fmt).table.drop_columns(["source_row"])
    return table.append_column("year", pa.array([year] * table.num_rows, pa.int32()))


def _read_fdi(path: str, fmt: str, year: int, city_code: str) -> pa.Table:
    from orchestration.ingest.readers import read_fdi_city

    table = read_fdi_city(Path(path), fmt).table.select(
        ["industry_code", "industry_name", "ownership", "measure", "value", "unit"]
    )
    n = table.num_rows
    return table.append_column("year", pa.array([year] * n, pa.int32())).append_column(
        "city_code", pa.array([city_code] * n, pa.string())
    )


def read_catalog(root: Path, workers: int) -> tuple[pa.Table, pa.Table]:
    asif_files, fdi_files = effective_files(root)
    # Largest files first so the pool's last tasks are short.
    asif_files = sorted(asif_files, key=lambda f: -f["bytes"])
    with ProcessPoolExecutor(max_workers=workers) as pool:
        asif = [
            pool.submit(_read_asif, str(root / f["path"]), f["format"], f["year"])
            for f in asif_files
        ]
        fdi = [
            pool.submit(_read_fdi, str(root / f["path"]), f["format"], f["year"], f["city_code"])
            for f in fdi_files
        ]
        fdi_tables = [job.result() for job in fdi]
        return (
            pa.concat_tables([job.result() for job in asif]),
            pa.concat_tables(fdi_tables) if fdi_tables else FDI_SCHEMA.empty_table(),
        )


def compute(asif: pa.Table, fdi: pa.Table) -> pa.Table:
    import duckdb
    import pyarrow.csv as pacsv

    con = duckdb.connect()
    con.register("asif", asif)
    con.register("fdi", fdi)
    for name in SEEDS:
        path = SEEDS_DIR / f"{name}.csv"
        header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header}, strings_can_be_null=False
            ),
        )
        con.register(name, table)
    return con.sql(INDICATORS_SQL).to_arrow_table()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.floor")
    parser.add_argument("catalog", type=Path, help="catalog root (catalog.json + files)")
    parser.add_argument("out", type=Path, help="Parquet file to write the indicators to")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timings", type=Path, help="write phase timings (JSON) here")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    asif, fdi = read_catalog(args.catalog, args.workers)
    read_done = time.perf_counter()
    pq.write_table(compute(asif, fdi), args.out)
    end = time.perf_counter()
    if args.timings:
        timings = {
            "read_s": read_done - start,
            "compute_s": end - read_done,
            "total_s": end - start,
        }
        args.timings.write_text(json.dumps(timings, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
