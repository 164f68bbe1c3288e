"""Retention of Dagster's run history (docs/operations.md#retention): which runs go, deleting
them from an instance, compacting its SQLite files. The daily `retention_job`
(orchestration/defs/retention.py) and every `citygvc refresh` use it.

Every run keeps its record, its event log (one SQLite file per run under
DAGSTER_HOME/history/runs/ plus rows in the shared index) and its captured stdout/stderr
(DAGSTER_HOME/storage/<run id>/) forever; dagster.yaml's `retention:` covers schedule and
sensor ticks only. The daily retention job deletes finished runs older than
CITYGVC_KEEP_RUNS_DAYS, keeps the newest finished run of every job (its last outcome stays
visible however long ago it ran) and never touches a queued or running one, then compacts the
SQLite files the deleted rows leave holes in.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from dagster import DagsterInstance

if TYPE_CHECKING:
    from dagster._core.storage.dagster_run import RunRecord

# The shared index shard of Dagster's SQLite event log (beside the per-run files).
_INDEX_SHARD = "index"


@dataclass(frozen=True)
class RunSummary:
    """What the retention decision needs to know of a run."""

    run_id: str
    job_name: str
    finished: bool
    created: datetime
    updated: datetime


def runs_to_delete(runs: Sequence[RunSummary], now: datetime, keep_days: int) -> list[str]:
    """The ids of finished runs last updated more than `keep_days` before `now`, except the
    newest finished run of each job."""
    newest: dict[str, RunSummary] = {}
    for run in runs:
        if run.finished and (
            run.job_name not in newest or run.created > newest[run.job_name].created
        ):
            newest[run.job_name] = run
    kept = {run.run_id for run in newest.values()}
    cutoff = now - timedelta(days=keep_days)
    return [
        run.run_id
        for run in runs
        if run.finished and run.updated < cutoff and run.run_id not in kept
    ]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _summary(record: RunRecord) -> RunSummary:
    return RunSummary(
        run_id=record.dagster_run.run_id,
        job_name=record.dagster_run.job_name,
        finished=record.dagster_run.is_finished,
        created=_utc(record.create_timestamp),
        updated=_utc(record.update_timestamp),
    )


def delete_old_runs(instance: DagsterInstance, keep_days: int, now: datetime) -> list[str]:
    """Delete the runs `runs_to_delete` picks, with their event logs and captured output;
    returns their ids."""
    # imported here: the storage modules pull in the daemon's (0.2 s of every definitions load)
    from dagster._core.storage.event_log import SqliteEventLogStorage

    runs = [_summary(record) for record in instance.get_run_records()]
    doomed = runs_to_delete(runs, now, keep_days)
    events = instance.event_log_storage
    for run_id in doomed:
        instance.delete_run(run_id)
        # delete_run empties the run's event-log file and leaves it, and its captured output,
        # on disk.
        if isinstance(events, SqliteEventLogStorage):
            Path(events.path_for_shard(run_id)).unlink(missing_ok=True)
        instance.compute_log_manager.delete_logs(prefix=[run_id])
    return doomed


def sqlite_files(instance: DagsterInstance) -> list[Path]:
    """The SQLite files that hold the rows of every run (none for another storage)."""
    from dagster._core.storage.event_log import SqliteEventLogStorage  # lazy: as above
    from dagster._core.storage.runs import SqliteRunStorage

    files = []
    if isinstance(instance.run_storage, SqliteRunStorage):
        # the storage keeps its file only as a connection string: sqlite:////abs/runs.db
        files.append(Path(instance.run_storage._conn_string.removeprefix("sqlite:///")))
    if isinstance(instance.event_log_storage, SqliteEventLogStorage):
        files.append(Path(instance.event_log_storage.path_for_shard(_INDEX_SHARD)))
    return [f for f in files if f.exists()]


def compact(path: Path) -> int:
    """VACUUM one SQLite file (SQLite never shrinks a file by itself); returns the bytes
    freed. The daemon and web server write to the same files: wait up to a minute for them."""
    before = path.stat().st_size
    with closing(sqlite3.connect(path, timeout=60, isolation_level=None)) as con:
        con.execute("VACUUM")
    return before - path.stat().st_size
