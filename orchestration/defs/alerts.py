"""Alerts: write (and optionally POST) a record for every failed run."""

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import requests
from dagster import DefaultSensorStatus, RunFailureSensorContext, run_failure_sensor

from orchestration.pipeline.batches import RANGE_END, RANGE_START
from orchestration.settings import Settings

# alerts.jsonl is rotated when it reaches 1 MiB (about 4,000 alerts), keeping the 3 files
# before it as alerts.jsonl.1 (newest) … alerts.jsonl.3: at most 4 MiB (docs/operations.md).
ROTATE_BYTES = 2**20
ROTATED_FILES = 3


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
        "partition": tags.get("dagster/partition") or _partition_range(tags),
        "message": message,
    }


def _partition_range(tags: dict[str, str]) -> str | None:
    """`first…last` of a run over a range of partitions (a batch of releases)."""
    start, end = tags.get(RANGE_START), tags.get(RANGE_END)
    if start is None:
        return None
    return start if start == end else f"{start}…{end}"


def rotation_renames(path: Path, keep: int) -> list[tuple[Path, Path]]:
    """The renames that rotate `path`, in order: `path.{keep-1}` → `path.{keep}` (replacing,
    so deleting, the oldest), …, `path` → `path.1`."""
    names = [path, *(path.with_name(f"{path.name}.{n}") for n in range(1, keep + 1))]
    return list(zip(names[-2::-1], names[:0:-1], strict=True))


def _rotate_when_full(path: Path) -> None:
    if not path.exists() or path.stat().st_size < ROTATE_BYTES:
        return
    for source, target in rotation_renames(path, ROTATED_FILES):
        if source.exists():
            os.replace(source, target)


def write_alert(settings: Settings, record: dict) -> None:
    settings.alerts_dir.mkdir(parents=True, exist_ok=True)
    path = settings.alerts_dir / "alerts.jsonl"
    _rotate_when_full(path)
    with path.open("a") as fh:
        fh.write(json.dumps(record, sort_keys=True) + "\n")
    webhook = os.environ.get("CITYGVC_ALERT_WEBHOOK")
    if webhook:
        requests.post(webhook, json={"text": f"citygvc alert: {record}"}, timeout=10)
