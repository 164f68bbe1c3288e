"""Ingest assets: one dynamic partition per release. A run ingests one release (a sensor's run
request) or several (the refresh's batch of new releases: one run, `BackfillPolicy.single_run`),
each verified, landed, read and checked before any of its rows reach raw.*
(docs/architecture.md). Each loaded release materializes its own partition; a quarantined one
does not, and the run fails naming it, so the UI shows that partition failed."""

import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

from dagster import (
    AssetExecutionContext,
    AssetMaterialization,
    BackfillPolicy,
    BetaWarning,
    DynamicPartitionsDefinition,
    Failure,
    MetadataValue,
    Output,
    asset,
)

from orchestration.defs.phases import record_step_phases
from orchestration.defs.resources import CitygvcSettings
from orchestration.ingest.catalog import Release, open_catalog, validate_catalog
from orchestration.pipeline.plan import recorded_releases, write_state
from orchestration.warehouse.dbt import code_fingerprint
from orchestration.warehouse.schema import connect

if TYPE_CHECKING:  # the ingest pulls in pandas: imported in the run (see _releases_of_run)
    from orchestration.ingest.load import IngestOutcome

asif_releases = DynamicPartitionsDefinition(name="asif_releases")
fdi_city_releases = DynamicPartitionsDefinition(name="fdi_city_releases")
PARTITIONS = {"asif": asif_releases, "fdi_city": fdi_city_releases}
# `backfill_policy` is marked beta; the single-run policy is what the batch ingest relies on.
warnings.filterwarnings("ignore", category=BetaWarning, message=".*backfill_policy.*")


def _metadata(release: Release, outcome: "IngestOutcome") -> dict:
    return {
        "release_id": release.release_id,
        "period": release.period,
        "revision": release.revision,
        "status": outcome.status,
        "rows": outcome.rows,
        "files": MetadataValue.json([f.path for f in release.files]),
        **{f"{phase}_seconds": round(s, 3) for phase, s in outcome.phase_seconds.items()},
    }


def _releases_of_run(con, settings, source, keys: list[str], dataset: str) -> list[Release]:
    """The catalog entries of the run's partitions, validated against the warehouse's record
    (rejected entries are recorded); Failure if a partition is not a valid entry."""
    # The readers pull in pandas and pyarrow (~0.35 s): imported here, in the run that needs
    # them, so loading the definitions (UI, sensors, every run worker) stays fast.
    from orchestration.ingest.load import record_rejections

    recorded = recorded_releases(con)
    loaded = {k: v.sha256 for k, v in recorded.items() if v.status == "loaded"}
    releases, rejections = validate_catalog(source.read_catalog(), loaded)
    record_rejections(con, rejections, code_fingerprint=code_fingerprint())
    by_id = {r.release_id: r for r in releases if r.dataset == dataset}
    invalid = [k for k in keys if k not in by_id]
    if invalid:
        write_state(con, settings)
        raise Failure(
            description=f"release(s) {', '.join(invalid)}: not valid {dataset} entries of "
            "the catalog",
            allow_retries=False,
        )
    return [by_id[k] for k in keys]


def _ingest(
    context: AssetExecutionContext, settings_resource: CitygvcSettings, dataset: str
) -> Iterator[Output]:
    from orchestration.ingest.batch import ingest_releases

    settings = settings_resource.get()
    source = open_catalog(settings.releases)
    quarantined = {}
    with connect(settings.warehouse_path) as con:
        releases = _releases_of_run(con, settings, source, context.partition_keys, dataset)
        # The fingerprint kept with a quarantine lets a code or seed change retry it.
        outcomes = ingest_releases(
            con, settings, source, releases, code_fingerprint=code_fingerprint()
        )
        for release, outcome in zip(releases, outcomes, strict=True):
            # The ingest's own phase timings (land, read, checks, gx, write), per release.
            record_step_phases(con, context, outcome.phase_seconds, release_id=release.release_id)
            metadata = _metadata(release, outcome)
            if outcome.status == "loaded":
                context.log_event(
                    AssetMaterialization(
                        context.asset_key, partition=release.release_id, metadata=metadata
                    )
                )
            else:
                quarantined[release.release_id] = outcome.reason
                context.log.warning(f"release {release.release_id} quarantined: {outcome.message}")
        write_state(con, settings)
    if quarantined:
        raise Failure(
            description="quarantined: "
            + "; ".join(f"release {rid} ({reason})" for rid, reason in quarantined.items()),
            metadata={"quarantined": MetadataValue.json(quarantined)},
            allow_retries=False,
        )
    # Each loaded partition was materialized above; the step itself outputs nothing.
    yield from ()


_COMMON = {
    "group_name": "ingest",
    "pool": "warehouse",
    "kinds": {"duckdb", "python"},
    "backfill_policy": BackfillPolicy.single_run(),
    "output_required": False,
}


@asset(
    key=["raw", "asif"],
    partitions_def=asif_releases,
    description="ASIF firm-level survey rows, one partition per release, loaded after the "
    "release passed its release-level checks (docs/catalog.md, docs/quality-gates.md).",
    **_COMMON,
)
def raw_asif(context: AssetExecutionContext, citygvc: CitygvcSettings) -> Iterator[Output]:
    yield from _ingest(context, citygvc, "asif")


@asset(
    key=["raw", "fdi_city"],
    partitions_def=fdi_city_releases,
    description="City statistical-yearbook cells (industry × ownership × measure), one "
    "partition per release (docs/catalog.md).",
    **_COMMON,
)
def raw_fdi_city(context: AssetExecutionContext, citygvc: CitygvcSettings) -> Iterator[Output]:
    yield from _ingest(context, citygvc, "fdi_city")
