"""Great Expectations gates on the unpartitioned dbt layers (docs/quality-gates.md), as blocking
Dagster asset checks. Each check runs a SQL query in the writer pool, validates the resulting frame
against a reviewed suite in expectations/, and reports GX metadata. A failed critical
expectation blocks everything downstream (no publish); a GX result whose metrics could not be
computed raises instead of passing or failing."""

import importlib
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from orchestration.defs.phases import record_step_phases
from orchestration.defs.resources import CitygvcSettings
from orchestration.warehouse.schema import connect
from orchestration.warehouse.timings import GX_GATE_PHASE

if TYPE_CHECKING:  # duckdb and pandas load in the run that validates, not with the definitions
    import duckdb
    import pandas as pd


@dataclass(frozen=True)
class GxGate:
    asset: AssetKey
    suite: str
    sql: str
    description: str
    key_columns: tuple[str, ...]


# Heavy, whole-warehouse properties (key uniqueness, sums) live in dbt tests; GX validates the
# frames below: the staging profiles per year and the (small) mart tables themselves.
GATES = (
    GxGate(
        AssetKey(["staging", "stg_asif__firm_years"]),
        "staging_asif_profile",
        """
        select
            release_id,
            year,
            count(*) as n_rows,
            -- a missing id is not a duplicate (the release checks tolerate up to 1 %)
            count(firm_id) - count(distinct firm_id) as duplicate_firm_ids,
            median(gross_output)::double as median_gross_output,
            avg(case when industry_code is null then 1 else 0 end)::double as share_missing_industry
        from staging.stg_asif__firm_years
        group by release_id, year
        order by release_id, year
        """,
        "Per-release profile of staged ASIF firm-years: keys unique, units in thousand yuan.",
        ("release_id", "year"),
    ),
    GxGate(
        AssetKey(["staging", "stg_fdi_city__cells"]),
        "staging_fdi_city_cells",
        "select * from staging.stg_fdi_city__cells",
        "Staged yearbook cells: labels mapped, values converted to thousand yuan.",
        ("release_id", "source_file", "source_row"),
    ),
    GxGate(
        AssetKey(["marts", "fct_city_indicators"]),
        "mart_fct_city_indicators",
        "select * from marts.fct_city_indicators",
        "Indicator mart: shares within [0, 1], flags and units from the contract.",
        ("city_code", "year", "indicator_id", "breakdown", "source"),
    ),
    GxGate(
        AssetKey(["marts", "fct_city_industry_year"]),
        "mart_fct_city_industry_year",
        "select * from marts.fct_city_industry_year",
        "City × industry × year mart: code lists and non-negative additive measures.",
        ("city_code", "year", "industry_level", "industry_code", "ownership", "source"),
    ),
    GxGate(
        AssetKey(["marts", "fct_city_industry_indicators"]),
        "mart_fct_city_industry_indicators",
        "select * from marts.fct_city_industry_indicators",
        "City × group indicator mart: RCA and relatedness density in range, free RCA shown.",
        ("city_code", "year", "industry_level", "industry_code", "indicator_id"),
    ),
    GxGate(
        AssetKey(["marts", "fct_industry_indicators"]),
        "mart_fct_industry_indicators",
        "select * from marts.fct_industry_indicators",
        "Group indicator mart: PCI, ubiquity and the Ellison–Glaeser index in range.",
        ("year", "industry_level", "industry_code", "indicator_id"),
    ),
)


def import_gx_in_background() -> None:
    """Import GX now, on a thread, unless this process has it: the staging gates validate right
    after the staging build, during which this process mostly waits for dbt; otherwise the
    first gate would import it (≈ 2 s; since 2026-12-07 the releases are read in worker
    processes, so the refresh's own process has not imported it yet). A gate that comes first
    waits for the import on Python's import lock, and an import that fails here fails again,
    with its error, in the gate."""
    if "great_expectations" in sys.modules:
        return
    threading.Thread(
        target=importlib.import_module, args=("great_expectations",), name="gx-import", daemon=True
    ).start()


def gate_sql(gate: GxGate) -> str:
    """The gate's query narrowed to the columns its suite reads and its key columns (a mart
    has columns no expectation looks at; fetching them into pandas is wasted work)."""
    from orchestration.ingest.gx import suite_columns

    needed = suite_columns(gate.suite)
    if needed is None:
        return gate.sql
    names = ", ".join(f"'{c}'" for c in sorted({*needed, *gate.key_columns}))
    # COLUMNS(lambda) keeps only the listed columns the query has: a column the suite names
    # but the table lacks is still reported by GX, as without the narrowing.
    return f"select columns(lambda c: c in ({names})) from ({gate.sql}) as gate_rows"


def gate_frame(con: "duckdb.DuckDBPyConnection", gate: GxGate) -> "pd.DataFrame":
    """The gate's rows in the form GX's pandas engine checks fastest, the same values: DECIMAL
    as DOUBLE (cast by DuckDB, correctly rounded), integers with NULLs as float64 (GX compares
    an object or nullable-integer column with its range value by value in Python, a float64
    one vectorised) and text as categories (its set and regex checks then look at each
    distinct value once). Through Arrow, not DuckDB's pandas conversion: national
    fct_city_industry_year, 2.4 million rows, fetch 3.0 → 0.4 s and validation 4.1 → 1.4 s."""
    # a cursor of its own: DuckDB refuses relations on a connection holding an unfinished
    # execute() result (as connect() leaves it)
    with con.cursor() as reader:
        rows = reader.sql(gate_sql(gate))
        columns = ", ".join(
            f'"{name}"::double as "{name}"' if kind.id == "decimal" else f'"{name}"'
            for name, kind in zip(rows.columns, rows.types, strict=True)
        )
        table = reader.sql(f"select {columns} from ({rows.sql_query()})").to_arrow_table()
    return table.to_pandas(strings_to_categorical=True)


def _make_check(gate: GxGate) -> AssetChecksDefinition:
    @asset_check(
        asset=gate.asset,
        name=f"gx_{gate.suite}",
        description=f"Great Expectations suite expectations/{gate.suite}.json. {gate.description}",
        blocking=True,
        pool="warehouse",
    )
    def _check(context: AssetCheckExecutionContext, citygvc: CitygvcSettings) -> AssetCheckResult:
        # GX and pandas cost seconds to import: loaded in the run that validates, so loading
        # the definitions (UI, sensors, every run worker) stays fast.
        from orchestration.ingest.gx import validate_dataframe

        settings = citygvc.get()
        start = time.perf_counter()
        with connect(settings.warehouse_path) as con:
            frame = gate_frame(con, gate)
        outcome = validate_dataframe(
            frame, gate.suite, settings, key_columns=list(gate.key_columns)
        )
        seconds = time.perf_counter() - start
        with connect(settings.warehouse_path) as con:
            record_step_phases(con, context, {GX_GATE_PHASE.format(suite=gate.suite): seconds})
        failed = [r for r in outcome.results if not r.success]
        critical = [r for r in failed if r.severity == "critical"]
        metadata = {
            "suite": gate.suite,
            "rows_validated": len(frame),
            "gx_gate_seconds": round(seconds, 3),
            "success_percent": outcome.success_percent,
            "failed_expectations": MetadataValue.json(
                [
                    {
                        "expectation": r.expectation_type,
                        "column": r.column,
                        "severity": r.severity,
                        "description": r.description,
                        "unexpected_count": r.unexpected_count,
                        "sample_values": r.partial_unexpected[:5],
                        "sample_keys": r.sample_keys[:5],
                    }
                    for r in failed
                ]
            ),
        }
        if outcome.data_docs_path:
            metadata["data_docs"] = MetadataValue.path(str(outcome.data_docs_path))
        return AssetCheckResult(
            passed=not critical,
            severity=AssetCheckSeverity.ERROR if critical else AssetCheckSeverity.WARN,
            metadata=metadata,
            description=(
                f"{len(critical)} critical expectation(s) failed on {gate.asset.to_user_string()}"
                if critical
                else None
            ),
        )

    return _check


def asset_checks() -> list[AssetChecksDefinition]:
    return [_make_check(gate) for gate in GATES]
