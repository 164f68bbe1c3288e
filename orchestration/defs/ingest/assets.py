"""Ingest assets: one dynamic partition per release; each run verifies, lands, reads and
checks one release before any of its rows reach raw.* (docs/architecture.md)."""

from dagster import (
    AssetExecutionContext,
    DynamicPartitionsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.defs.phases import record_step_phases
from orchestration.defs.resources import CitygvcSettings
from orchestration.ingest.catalog import open_catalog, validate_catalog
from orchestration.pipeline.plan import recorded_releases, write_state
from orchestration.warehouse.dbt import code_fingerprint
from orchestration.warehouse.schema import connect

asif_releases = DynamicPartitionsDefinition(name="asif_releases")
fdi_city_releases = DynamicPartitionsDefinition(name="fdi_city_releases")
PARTITIONS = {"asif": asif_releases, "fdi_city": fdi_city_releases}


def _ingest(context: AssetExecutionContext, settings_resource: CitygvcSettings, dataset: str):
    # The readers pull in pandas and pyarrow (~0.35 s): imported here, in the run that needs
    # them, so loading the definitions (UI, sensors, every run worker) stays fast.
    from orchestration.ingest.load import ingest_release, record_rejections

    settings = settings_resource.get()
    release_id = context.partition_key
    source = open_catalog(settings.releases)
    with connect(settings.warehouse_path) as con:
        recorded = recorded_releases(con)
        loaded = {k: v.sha256 for k, v in recorded.items() if v.status == "loaded"}
        releases, rejections = validate_catalog(source.read_catalog(), loaded)
        code_fp = code_fingerprint()
        record_rejections(con, rejections, code_fingerprint=code_fp)
        release = next((r for r in releases if r.release_id == release_id), None)
        if release is None or release.dataset != dataset:
            write_state(con, settings)
            raise Failure(
                description=f"release {release_id} is not a valid {dataset} entry of the catalog",
                allow_retries=False,
            )
        # The fingerprint kept with a quarantine lets a code or seed change retry it.
        outcome = ingest_release(con, settings, source, release, code_fingerprint=code_fp)
        # The ingest's own phase timings (land, read, checks, gx, write), kept per release.
        phases = outcome.phase_seconds
        record_step_phases(con, context, phases, release_id=release.release_id)
        write_state(con, settings)
    metadata = {
        "release_id": release.release_id,
        "period": release.period,
        "revision": release.revision,
        "status": outcome.status,
        "rows": outcome.rows,
        "files": MetadataValue.json([f.path for f in release.files]),
        **{f"{phase}_seconds": round(seconds, 3) for phase, seconds in phases.items()},
    }
    if outcome.status != "loaded":
        raise Failure(
            description=f"release {release.release_id} quarantined: {outcome.reason}",
            metadata=metadata,
            allow_retries=False,
        )
    return MaterializeResult(metadata=metadata)


@asset(
    key=["raw", "asif"],
    partitions_def=asif_releases,
    group_name="ingest",
    pool="warehouse",
    description="ASIF firm-level survey rows, one partition per release, loaded after the "
    "release passed its release-level checks (docs/catalog.md, docs/quality-gates.md).",
    kinds={"duckdb", "python"},
)
def raw_asif(context: AssetExecutionContext, citygvc: CitygvcSettings) -> MaterializeResult:
    return _ingest(context, citygvc, "asif")


@asset(
    key=["raw", "fdi_city"],
    partitions_def=fdi_city_releases,
    group_name="ingest",
    pool="warehouse",
    description="City statistical-yearbook cells (industry × ownership × measure), one "
    "partition per release (docs/catalog.md).",
    kinds={"duckdb", "python"},
)
def raw_fdi_city(context: AssetExecutionContext, citygvc: CitygvcSettings) -> MaterializeResult:
    return _ingest(context, citygvc, "fdi_city")
