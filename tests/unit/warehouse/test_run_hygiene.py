"""A run whose process died keeps its writer-pool slot until the refresh recovers it."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus
from dagster._core.storage.dagster_run import DagsterRun

from orchestration.warehouse.run_hygiene import HOST_TAG, PID_TAG, WRITER_POOL, recover_dead_runs


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _started_run(instance: DagsterInstance, pid: int) -> DagsterRun:
    run = DagsterRun(
        job_name="ingest_asif",
        status=DagsterRunStatus.STARTED,
        tags={PID_TAG: str(pid), HOST_TAG: socket.gethostname()},
    )
    instance.add_run(run)
    instance.event_log_storage.claim_concurrency_slot(WRITER_POOL, run.run_id, "raw_asif")
    return run


def test_dead_run_is_failed_and_its_slot_freed(tmp_path: Path) -> None:
    with DagsterInstance.local_temp(str(tmp_path)) as instance:
        instance.event_log_storage.set_concurrency_slots(WRITER_POOL, 1)
        dead = _started_run(instance, _dead_pid())
        info = instance.event_log_storage.get_concurrency_info(WRITER_POOL)
        assert info.active_slot_count == 1  # the slot the next run would wait for

        marked = recover_dead_runs(instance)

        assert marked == [dead.run_id]
        assert instance.get_run_by_id(dead.run_id).status == DagsterRunStatus.FAILURE
        info = instance.event_log_storage.get_concurrency_info(WRITER_POOL)
        assert info.active_slot_count == 0


def test_live_run_is_left_alone(tmp_path: Path) -> None:
    with DagsterInstance.local_temp(str(tmp_path)) as instance:
        instance.event_log_storage.set_concurrency_slots(WRITER_POOL, 1)
        live = subprocess.Popen(["sleep", "30"])
        try:
            run = _started_run(instance, live.pid)
            assert recover_dead_runs(instance) == []
            assert instance.get_run_by_id(run.run_id).status == DagsterRunStatus.STARTED
            info = instance.event_log_storage.get_concurrency_info(WRITER_POOL)
            assert info.active_slot_count == 1
        finally:
            live.kill()
            live.wait()
