"""The release catalog sensor: pick up new releases from the catalog.

The release sensor plans with the same functions as the one-shot refresh (the releases to
ingest, their batches, the publish fingerprint); it never opens the warehouse (one writer)
and reads the writer's mirror of ops.releases instead. Correctness comes from the recorded
releases and from run keys. While a run that ingests or transforms is queued or running (the
sensor's own, or a refresh's) the sensor waits for it: the releases it ingests are recorded,
and what it publishes is known, only when it ends.
"""

import os
from collections.abc import Callable, Sequence

from dagster import (
    DagsterInstance,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from orchestration.defs.ingest.assets import PARTITIONS
from orchestration.defs.ingest.jobs import INGEST_JOBS, ingest_asif_job, ingest_fdi_city_job
from orchestration.defs.refresh import refresh_job
from orchestration.defs.transform.jobs import transform_job
from orchestration.ingest.catalog import CatalogError, open_catalog, validate_catalog
from orchestration.pipeline.batches import IngestBatch, ingest_batches
from orchestration.pipeline.plan import (
    any_loaded,
    publish_fingerprint,
    published_fingerprint,
    read_state,
    releases_to_ingest,
)
from orchestration.settings import Settings
from orchestration.warehouse.dbt import code_fingerprint
from orchestration.warehouse.run_hygiene import left_by_dead_process

# How often the daemon evaluates the sensor (docs/settings.md). The daemon's sensor loop runs
# every 5 seconds, so a shorter interval acts as 5 seconds; the soak test
# (tests/integration/test_soak.py) uses that to drive many cycles in a few minutes.
SENSOR_INTERVAL_ENV = "CITYGVC_SENSOR_INTERVAL_SECONDS"
DEFAULT_SENSOR_INTERVAL_SECONDS = 300


def sensor_interval_seconds(env: dict[str, str] | None = None) -> int:
    """CITYGVC_SENSOR_INTERVAL_SECONDS: a whole number of seconds, at least 1 (default 300)."""
    text = ((os.environ if env is None else env).get(SENSOR_INTERVAL_ENV) or "").strip()
    if not text:
        return DEFAULT_SENSOR_INTERVAL_SECONDS
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{SENSOR_INTERVAL_ENV} must be a whole number of seconds, not {text!r}")
    return int(text)


# A run in one of these states may still record releases or publish.
_UNFINISHED = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]


def ingest_run_request(batch: IngestBatch, code_fp: str) -> RunRequest:
    """One run for the batch: its partition, or its key range (as the refresh runs it)."""
    job_name = INGEST_JOBS[batch.dataset].name
    if len(batch.releases) == 1:
        return RunRequest(
            run_key=batch.run_key(code_fp), job_name=job_name, partition_key=batch.keys[0]
        )
    return RunRequest(run_key=batch.run_key(code_fp), job_name=job_name, tags=batch.range_tags())


def plan_run_requests(
    settings: Settings,
    partitions_of: Callable[[str], Sequence[str]] = lambda dataset: (),
    busy: Sequence[str] = (),
) -> SensorResult | SkipReason:
    """Run requests for what the catalog has and the warehouse's record lacks, one run per
    batch of neighbouring partitions (`partitions_of(dataset)`: the partitions Dagster keeps);
    once every release is ingested and the inputs changed, one transform-and-publish run.
    `busy`: the ingest, transform and refresh runs not finished yet — nothing is planned
    until they end."""
    if busy:
        return SkipReason(f"waiting for run(s) {', '.join(busy)} to finish")
    try:
        doc = open_catalog(settings.releases).read_catalog()
    except CatalogError as exc:
        return SkipReason(f"catalog unusable: {exc}")
    recorded = read_state(settings)
    loaded = {k: v.sha256 for k, v in recorded.items() if v.status == "loaded"}
    releases, _ = validate_catalog(doc, loaded)
    code_fp = code_fingerprint()
    todo = releases_to_ingest(releases, recorded, code_fp)
    if todo:
        return SensorResult(
            run_requests=[
                ingest_run_request(batch, code_fp) for batch in ingest_batches(todo, partitions_of)
            ],
            dynamic_partitions_requests=[
                PARTITIONS[dataset].build_add_request(
                    [r.release_id for r in todo if r.dataset == dataset]
                )
                for dataset in sorted({r.dataset for r in todo})
            ],
        )
    if not any_loaded(recorded):
        return SkipReason("nothing loaded: every release is quarantined, nothing to publish")
    fingerprint = publish_fingerprint(recorded, code_fp, settings)
    if fingerprint == published_fingerprint(settings):
        return SkipReason("nothing new: every release is recorded and the publish is current")
    return SensorResult(
        run_requests=[RunRequest(run_key=f"transform:{fingerprint}", job_name=transform_job.name)]
    )


@sensor(
    jobs=[ingest_asif_job, ingest_fdi_city_job, transform_job],
    minimum_interval_seconds=sensor_interval_seconds(),
    default_status=DefaultSensorStatus.RUNNING,
    description=(
        "Every CITYGVC_SENSOR_INTERVAL_SECONDS (default 300): ingest new or retried releases, "
        "then transform and publish."
    ),
)
def release_catalog_sensor(context: SensorEvaluationContext) -> SensorResult | SkipReason:
    instance = context.instance
    return plan_run_requests(
        Settings.from_env(),
        partitions_of=lambda dataset: instance.get_dynamic_partitions(PARTITIONS[dataset].name),
        busy=busy_runs(instance),
    )


def busy_runs(instance: DagsterInstance) -> list[str]:
    """The ids of the ingest, transform and refresh runs queued or running, but for those a
    dead one-shot refresh left behind (the next refresh marks them failed)."""
    jobs = [*INGEST_JOBS.values(), transform_job, refresh_job]
    return [
        run.run_id
        for job in jobs
        for run in instance.get_runs(RunsFilter(job_name=job.name, statuses=_UNFINISHED))
        if not left_by_dead_process(run)
    ]
