"""The daily retention job of the run history (docs/operations.md#retention); what it deletes
and how: orchestration/warehouse/run_retention.py."""

# No `from __future__ import annotations`: Dagster reads the op's resource annotation as a
# live object.
import sqlite3
from datetime import UTC, datetime

from dagster import OpExecutionContext, in_process_executor, job, op

from orchestration.defs.resources import CitygvcSettings
from orchestration.warehouse.run_retention import compact, delete_old_runs, sqlite_files


@op(description="Delete finished Dagster runs older than CITYGVC_KEEP_RUNS_DAYS and compact.")
def prune_run_history(context: OpExecutionContext, citygvc: CitygvcSettings) -> None:
    keep_days = citygvc.get().keep_runs_days
    deleted = delete_old_runs(context.instance, keep_days, datetime.now(UTC))
    context.log.info(f"deleted {len(deleted)} runs older than {keep_days} days")
    for path in sqlite_files(context.instance):
        try:
            context.log.info(f"compacted {path}: {compact(path)} bytes freed")
        except sqlite3.OperationalError as exc:
            # busy for a minute: tomorrow's run compacts what today's deletions freed
            context.log.warning(f"could not compact {path}: {exc}")


@job(executor_def=in_process_executor, description="Daily housekeeping of the run history.")
def retention_job() -> None:
    prune_run_history()
