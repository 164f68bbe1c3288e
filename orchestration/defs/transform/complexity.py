"""The complexity step as an asset between the intermediate models and the marts: it reads the
group cells of `int_city_group_outputs` from the engine that built them and writes the source
`complexity.complexity_values` that the indicator models read (orchestration/complexity)."""

import time

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from orchestration.defs.phases import record_step_phases
from orchestration.defs.resources import CitygvcSettings
from orchestration.warehouse.schema import connect
from orchestration.warehouse.timings import COMPLEXITY_PHASE


@asset(
    key=AssetKey(["complexity", "complexity_values"]),
    deps=[AssetKey(["intermediate", "int_city_group_outputs"])],
    group_name="intermediate",
    pool="warehouse",
    description="RCA, relatedness density, ECI/PCI, diversity and ubiquity of every year "
    "(ecomplexity's eigenvector method) from the group cells, written back to the warehouse.",
)
def complexity_values(
    context: AssetExecutionContext, citygvc: CitygvcSettings
) -> MaterializeResult:
    # imported when the step runs: pandas, NumPy and SciPy would otherwise load with the
    # definitions (the UI, the daemon and every run start), which never call them
    from orchestration.complexity.step import run_complexity_step

    settings = citygvc.get()
    start = time.perf_counter()
    spark_dir = settings.spark_dir if settings.engine == "spark" else None
    rows = run_complexity_step(settings.warehouse_path, spark_dir)
    seconds = time.perf_counter() - start
    context.log.info(f"complexity step: {rows} values in {seconds:.1f} s")
    with connect(settings.warehouse_path) as con:
        record_step_phases(con, context, {COMPLEXITY_PHASE: seconds})
    return MaterializeResult(metadata={"values": rows, "seconds": round(seconds, 3)})
