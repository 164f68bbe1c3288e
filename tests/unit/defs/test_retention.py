"""Retention of the Dagster run history: which runs go (old finished ones, never the newest
finished run of a job, never a queued or running one), and the daily job that deletes them
from a real instance, with their event-log files and captured output, and compacts storage."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus, job, op

from orchestration.defs.resources import CitygvcSettings
from orchestration.defs.retention import retention_job
from orchestration.pipeline.console import Console
from orchestration.pipeline.refresh import prune_run_history
from orchestration.settings import Settings
from orchestration.warehouse.run_retention import (
    RunSummary,
    delete_old_runs,
    runs_to_delete,
    sqlite_files,
)

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


def _run(run_id: str, job_name: str, days_ago: float, finished: bool = True) -> RunSummary:
    moment = NOW - timedelta(days=days_ago)
    return RunSummary(run_id, job_name, finished, created=moment, updated=moment)


def test_old_finished_runs_go_but_the_newest_of_each_job_stays() -> None:
    runs = [
        _run("refresh-old", "refresh_job", 90),
        _run("refresh-31d", "refresh_job", 31),
        _run("refresh-29d", "refresh_job", 29),
        _run("refresh-new", "refresh_job", 1),
        _run("ingest-only", "ingest_asif", 400),  # the last outcome of its job: kept
        _run("transform-a", "transform_and_publish", 60),
        _run("transform-b", "transform_and_publish", 45),
    ]
    assert runs_to_delete(runs, NOW, keep_days=30) == ["refresh-old", "refresh-31d", "transform-a"]
    assert runs_to_delete(runs, NOW, keep_days=365) == []


def test_queued_and_running_runs_are_never_deleted_nor_count_as_the_newest() -> None:
    runs = [
        _run("done-old", "refresh_job", 50),
        _run("done-older", "refresh_job", 70),
        _run("stuck-queued", "refresh_job", 80, finished=False),
        _run("running-now", "refresh_job", 0, finished=False),
    ]
    # the newest finished run (50 days) stays although a newer run exists: that one has no
    # outcome yet
    assert runs_to_delete(runs, NOW, keep_days=30) == ["done-older"]


def test_age_counts_from_the_last_update() -> None:
    long_run = RunSummary(
        "long", "refresh_job", True, created=NOW - timedelta(days=40), updated=NOW
    )
    assert runs_to_delete([long_run, _run("newer", "refresh_job", 35)], NOW, 30) == []


@op
def tiny_step() -> int:
    print("captured output")
    return 1


@job
def tiny_job() -> None:
    tiny_step()


@job
def other_job() -> None:
    tiny_step()


def _index_rows(index: Path, run_id: str) -> int:
    with sqlite3.connect(index) as con:
        query = "select count(*) from event_logs where run_id = ?"
        return con.execute(query, [run_id]).fetchone()[0]


def _freelist(path: Path) -> int:
    with sqlite3.connect(path) as con:
        return con.execute("pragma freelist_count").fetchone()[0]


def test_the_retention_job_deletes_old_runs_from_a_real_instance(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    home.mkdir()
    with DagsterInstance.local_temp(str(home)) as instance:
        old = [tiny_job.execute_in_process(instance=instance).run_id for _ in range(3)]
        other = other_job.execute_in_process(instance=instance).run_id
        running = instance.create_run_for_job(tiny_job, status=DagsterRunStatus.STARTED).run_id
        events = instance.event_log_storage
        assert all(Path(events.path_for_shard(run_id)).exists() for run_id in old)
        assert all((home / "storage" / run_id).is_dir() for run_id in old)  # captured output

        # a month and a day later: every run above is older than 30 days
        later = datetime.now(UTC) + timedelta(days=31)
        assert sorted(delete_old_runs(instance, 30, later)) == sorted(old[:2])

        left = {record.dagster_run.run_id for record in instance.get_run_records()}
        assert left == {old[2], other, running}
        index = Path(events.path_for_shard("index"))
        for run_id in old[:2]:
            assert instance.get_run_by_id(run_id) is None
            assert not Path(events.path_for_shard(run_id)).exists()
            assert _index_rows(index, run_id) == 0
            assert not (home / "storage" / run_id).exists()
        assert instance.get_records_for_run(old[2]).records  # the kept run's events stay

        # the job itself: today nothing is old enough; it compacts the run storage
        settings = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path / "data")})
        result = retention_job.execute_in_process(
            instance=instance, resources={"citygvc": CitygvcSettings.from_settings(settings)}
        )
        assert result.success
        assert {r.dagster_run.run_id for r in instance.get_run_records()} >= left
        files = sqlite_files(instance)
        assert [f.name for f in files] == ["runs.db", "index.db"]
        assert all(_freelist(f) == 0 for f in files)


def test_a_refresh_prunes_the_run_history_without_the_daemon(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    home.mkdir()
    lines: list[str] = []
    settings = Settings.from_env(
        {"CITYGVC_DATA_DIR": str(tmp_path / "data"), "CITYGVC_KEEP_RUNS_DAYS": "7"}
    )
    with DagsterInstance.local_temp(str(home)) as instance:
        runs = [tiny_job.execute_in_process(instance=instance).run_id for _ in range(3)]
        prune_run_history(settings, instance, Console(lines.append), datetime.now(UTC))
        assert lines == []  # nothing older than 7 days yet
        a_week_later = datetime.now(UTC) + timedelta(days=8)
        prune_run_history(settings, instance, Console(lines.append), a_week_later)
        assert {r.dagster_run.run_id for r in instance.get_run_records()} == {runs[2]}
        assert lines == ["deleted 2 Dagster runs older than 7 days"]
