"""The disclosure step as an asset between the intermediate models and the marts: it reads the
cells with the greedy suppression pattern and their relations from the engine that built them,
audits every primary value with the attacker's LP, hides the published values that close its
gaps and writes them as `disclosure.secondary_completions`, which the marts' statuses read
(orchestration/disclosure). A value it cannot protect fails the step: nothing downstream is
built and nothing is published."""

import time

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from orchestration.defs.phases import record_step_phases
from orchestration.defs.resources import CitygvcSettings
from orchestration.warehouse.schema import connect
from orchestration.warehouse.timings import DISCLOSURE_PHASE


@asset(
    key=AssetKey(["disclosure", "secondary_completions"]),
    deps=[
        AssetKey(["intermediate", "int_asif_industry_cells_audit_inputs"]),
        AssetKey(["intermediate", "int_disclosure_groups"]),
    ],
    group_name="intermediate",
    pool="warehouse",
    description="The attacker's LP audit of every primary-suppressed value, and the published "
    "values hidden in addition so that each is protected on both sides (blocking).",
)
def secondary_completions(
    context: AssetExecutionContext, citygvc: CitygvcSettings
) -> MaterializeResult:
    # imported when the step runs: pandas, NumPy and SciPy would otherwise load with the
    # definitions (the UI, the daemon and every run start), which never call them
    from orchestration.disclosure.step import run_disclosure_step

    settings = citygvc.get()
    start = time.perf_counter()
    spark_dir = settings.spark_dir if settings.engine == "spark" else None
    audits = run_disclosure_step(settings.warehouse_path, spark_dir)
    seconds = time.perf_counter() - start
    added = sum(len(audit.added) for audit in audits)
    primaries = sum(audit.primary_values for audit in audits)
    lps = sum(audit.lps for audit in audits)
    years = len({audit.year for audit in audits})
    context.log.info(
        f"disclosure step: {len(audits)} magnitudes of {years} years audited ({primaries}"
        f" primary values, {lps} LPs), {added} values hidden in addition, in {seconds:.1f} s"
    )
    with connect(settings.warehouse_path) as con:
        record_step_phases(con, context, {DISCLOSURE_PHASE: seconds})
    return MaterializeResult(
        metadata={
            "years_audited": years,
            "year_magnitudes_audited": len(audits),
            "primary_values_audited": primaries,
            "values_hidden_in_addition": added,
            "lps": lps,
            "seconds": round(seconds, 3),
        }
    )
