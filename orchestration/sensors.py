"""Sensors: pick up new releases from the catalog, and write an alert when a run fails.

The release sensor plans with the same function as the one-shot refresh; it never opens the
warehouse (one writer) and reads the writer's mirror of ops.releases instead. Its cursor only
saves work: correctness comes from the recorded releases and from run keys.
"""

import json
import os
from datetime import UTC, datetime

import requests
from dagster import (
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from orchestration.assets.ingest import PARTITIONS
from orchestration.catalog import CatalogError, open_catalog, validate_catalog
from orchestration.dbt_manifest import code_fingerprint
from orchestration.jobs import INGEST_JOBS, ingest_asif_job, ingest_fdi_city_job, transform_job
from orchestration.plan import (
    publish_fingerprint,
    published_fingerprint,
    read_state,
    releases_to_ingest,
)
from orchestration.settings import Settings


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
    fingerprint = publish_fingerprint(recorded, code_fp, settings)
    if fingerprint == published_fingerprint(settings):
        return SkipReason("nothing new: every release is recorded and the publish is current")
    return SensorResult(
        run_requests=[RunRequest(run_key=f"transform:{fingerprint}", job_name=transform_job.name)]
    )


@sensor(
    jobs=[ingest_asif_job, ingest_fdi_city_job, transform_job],
    minimum_interval_seconds=300,
    default_status=DefaultSensorStatus.RUNNING,
    description="Every 5 minutes: ingest new or retried releases, then transform and publish.",
)
def release_catalog_sensor(context: SensorEvaluationContext) -> SensorResult | SkipReason:
    return plan_run_requests(Settings.from_env())


@run_failure_sensor(default_status=DefaultSensorStatus.RUNNING)
def run_failure_alert_sensor(context: RunFailureSensorContext) -> None:
    """Append an alert record for every failed run; POST it to CITYGVC_ALERT_WEBHOOK (Slack-
    or e-mail-gateway style) when that is set."""
    settings = Settings.from_env()
    record = alert_record(
        context.dagster_run.run_id,
        context.dagster_run.job_name,
        context.failure_event.message or "run failed",
        dict(context.dagster_run.tags),
    )
    write_alert(settings, record)
    context.log.error(f"alert: {record['job']} {record['run_id']}: {record['message']}")


def alert_record(run_id: str, job: str, message: str, tags: dict[str, str]) -> dict:
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_id": run_id,
        "job": job,
        "partition": tags.get("dagster/partition"),
        "message": message,
    }


def write_alert(settings: Settings, record: dict) -> None:
    settings.alerts_dir.mkdir(parents=True, exist_ok=True)
    with (settings.alerts_dir / "alerts.jsonl").open("a") as fh:
        fh.write(json.dumps(record, sort_keys=True) + "\n")
    webhook = os.environ.get("CITYGVC_ALERT_WEBHOOK")
    if webhook:
        requests.post(webhook, json={"text": f"citygvc alert: {record}"}, timeout=10)
