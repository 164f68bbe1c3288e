"""dbt assets, split at the gate between staging and the models built on it: the blocking GX
gates on the staged tables stop the intermediate models from being built (a blocking check
cannot stop models inside the same `dbt build`). Intermediate models and marts are one
`dbt build` (no gate sits between them; the mart gates block the publish), except what reads
what reads the values of the complexity and disclosure steps (AFTER_STEPS): the steps run
between the two builds (orchestration/defs/transform/complexity.py, disclosure.py), so a
refresh builds three times (on DuckDB in one dbt worker process, on a manifest parsed once:
orchestration/warehouse/dbt_runner.py)."""

import shutil
import time
from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey, Output
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.defs.phases import record_step_phases
from orchestration.defs.resources import CitygvcSettings
from orchestration.defs.transform.gates import import_gx_in_background
from orchestration.warehouse.dbt import AFTER_STEPS, dbt_project, dbt_vars
from orchestration.warehouse.schema import connect
from orchestration.warehouse.spark_ops import export_ops
from orchestration.warehouse.spark_tables import expose_spark_tables
from orchestration.warehouse.timings import DBT_PHASE

# dbt sources are the ingest assets' tables; ops.* are written by the same ingest runs.
_SOURCE_KEYS = {("raw", "asif"): ["raw", "asif"], ("raw", "fdi_city"): ["raw", "fdi_city"]}
LAYERS = ("staging", "intermediate", "marts")
# The schemas each dbt step builds (seeds with staging).
STEP_SCHEMAS = {
    "staging": ("seeds", "staging"),
    "models": ("intermediate", "marts"),
    "indicators": ("staging", "intermediate", "marts"),
}


class CitygvcTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            key = (dbt_resource_props["source_name"], dbt_resource_props["name"])
            return AssetKey(_SOURCE_KEYS.get(key, list(key)))
        if dbt_resource_props["resource_type"] == "seed":
            return AssetKey(["seeds", dbt_resource_props["name"]])
        return AssetKey([self._layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        return self._layer(dbt_resource_props)

    @staticmethod
    def _layer(props: Mapping[str, Any]) -> str:
        fqn = props.get("fqn", [])
        return next((part for part in fqn if part in LAYERS), "dbt")


def _build(
    context: AssetExecutionContext, dbt: DbtCliResource, citygvc: CitygvcSettings, layer: str
) -> Iterator[Any]:
    """`dbt build` of one step (`staging`, or `models`: intermediate and marts). Each
    model's materialization carries the seconds since the step's build started; the step's
    wall time goes to ops.run_phases (dbt.<layer>)."""
    # "buildable": a test whose parents span layers runs in the later layer's step, once
    # every parent has been built, instead of failing in the earlier one.
    # dbt unit tests check model logic on hand-made rows (make test-fast runs them); a refresh
    # builds real data and needs only the data tests.
    args = [
        "build",
        "--vars",
        dbt_vars(citygvc.get()),
        "--indirect-selection",
        "buildable",
        "--exclude",
        "test_type:unit",
    ]
    # One target folder per data directory, shared by both steps: dbt leaves its
    # partial_parse.msgpack there (parsed with this profile and these vars), so later layers and
    # later refreshes skip the full parse that a per-invocation folder would force.
    settings = citygvc.get()
    target = settings.dbt_target_dir
    start = time.perf_counter()
    if settings.engine == "spark":
        # Spark reads the ops tables as it finds them now (models/staging/ops)
        export_ops(settings.warehouse_path, settings.spark_dir)
    try:
        for event in dbt.cli(args, context=context, target_path=target).stream():
            if isinstance(event, Output):
                elapsed = round(time.perf_counter() - start, 3)
                event = event.with_metadata({**event.metadata, "dbt_layer_elapsed_s": elapsed})
            yield event
    finally:
        seconds = time.perf_counter() - start
        context.log.info(f"dbt build of {layer}: {seconds:.1f} s")
        # the next step overwrites run_results.json: each step's copy stays (one per step,
        # replaced by the next refresh) for the benchmark's per-model breakdown
        results = target / "run_results.json"
        if results.exists():
            shutil.copyfile(results, target / f"run_results_{layer}.json")
        with connect(settings.warehouse_path) as con:
            if settings.engine == "spark":
                # the gates, the publish and the summary read what Spark built, with DuckDB
                for schema in STEP_SCHEMAS[layer]:
                    expose_spark_tables(con, settings.spark_dir, schema)
            record_step_phases(con, context, {DBT_PHASE.format(layer=layer): seconds})


_translator = CitygvcTranslator()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select="resource_type:seed path:models/staging",
    exclude=AFTER_STEPS,
    name="dbt_staging",
    dagster_dbt_translator=_translator,
    pool="warehouse",
)
def dbt_staging(context: AssetExecutionContext, dbt: DbtCliResource, citygvc: CitygvcSettings):
    import_gx_in_background()  # for the staging gates, while dbt builds
    yield from _build(context, dbt, citygvc, "staging")


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select="path:models/intermediate path:models/marts",
    exclude=AFTER_STEPS,
    name="dbt_models",
    dagster_dbt_translator=_translator,
    pool="warehouse",
)
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, citygvc: CitygvcSettings):
    yield from _build(context, dbt, citygvc, "models")


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=AFTER_STEPS,
    name="dbt_indicators",
    dagster_dbt_translator=_translator,
    pool="warehouse",
)
def dbt_indicators(context: AssetExecutionContext, dbt: DbtCliResource, citygvc: CitygvcSettings):
    yield from _build(context, dbt, citygvc, "indicators")
