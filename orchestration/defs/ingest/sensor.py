"""The release catalog sensor: pick up new releases from the catalog.

The release sensor plans with the same function as the one-shot refresh; it never opens the
warehouse (one writer) and reads the writer's mirror of ops.releases instead. Its cursor only
saves work: correctness comes from the recorded releases and from run keys.
"""

import os

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from orchestration.defs.ingest.assets import PARTITIONS
from orchestration.defs.ingest.jobs import INGEST_JOBS, ingest_asif_job, ingest_fdi_city_job
from orchestration.defs.transform.jobs import transform_job
from orchestration.ingest.catalog import CatalogError, open_catalog, validate_catalog
from orchestration.pipeline.plan import (
    any_loaded,
    publish_fingerprint,
    published_fingerprint,
    read_state,
    releases_to_ingest,
)
from orchestration.settings import Settings
from orchestration.warehouse.dbt import code_fingerprint

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


def plan_run_requests(settings: Settings) -> SensorResult | SkipReason:
    """Run requests for what the catalog has and the warehouse's record lacks; once every
    release is ingested and the inputs changed, one transform-and-publish run."""
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
                RunRequest(
                    run_key=f"ingest:{r.release_id}:{r.content_sha256[:16]}:{code_fp[:12]}",
                    job_name=INGEST_JOBS[r.dataset].name,
                    partition_key=r.release_id,
                )
                for r in todo
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
    return plan_run_requests(Settings.from_env())
