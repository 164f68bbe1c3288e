"""Recover from runs left behind by a dead process (docs/architecture.md).

Without the daemon, a run killed with `kill -9` stays STARTED and keeps its slot in the writer
pool, so the next run would wait forever. Runs started by the one-shot refresh carry the
process id and host; at start the refresh marks those whose process is gone as failed, and
frees every pool slot held by a run that is no longer in progress.
"""

from __future__ import annotations

import os
import socket

from dagster import DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter

PID_TAG = "citygvc/pid"
HOST_TAG = "citygvc/host"
WRITER_POOL = "warehouse"

_IN_PROGRESS = [DagsterRunStatus.STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.CANCELING]


def process_tags() -> dict[str, str]:
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def left_by_dead_process(run: DagsterRun) -> bool:
    """Whether `run` was started by a one-shot refresh on this host whose process is gone."""
    pid = run.tags.get(PID_TAG)
    return (
        pid is not None and run.tags.get(HOST_TAG) == socket.gethostname() and not _alive(int(pid))
    )


def recover_dead_runs(instance: DagsterInstance) -> list[str]:
    """Mark this host's in-progress runs whose process died as failed; free stale slots.
    Returns the ids of the runs it marked failed."""
    marked = []
    for run in instance.get_runs(RunsFilter(statuses=_IN_PROGRESS)):
        if not left_by_dead_process(run):
            continue
        pid = run.tags[PID_TAG]
        instance.report_run_failed(
            run, message=f"process {pid} that ran this run is gone; marked failed by refresh"
        )
        marked.append(run.run_id)
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits:
        for run_id in storage.get_concurrency_run_ids():
            run = instance.get_run_by_id(run_id)
            if run is None or run.status not in _IN_PROGRESS:
                storage.free_concurrency_slots_for_run(run_id)
    return marked
