"""The instance of the repository's dagster.yaml: Dagster's SQLite files in Dagster's place
(the folder the instance is loaded from, whatever DAGSTER_HOME says), the event log written
with database engines kept open, readable by any other process, and never holding a deleted
run's file or more than a few runs' files open."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterInstance, job, op

from orchestration.settings import DAGSTER_YAML
from orchestration.warehouse.dagster_storage import (
    RUN_ENGINES,
    CitygvcInstance,
    PooledSqliteEventLogStorage,
)


@op
def say_hello() -> str:
    return "hello"


@job
def hello() -> None:
    say_hello()


@pytest.fixture
def instance(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[DagsterInstance]:
    """An instance of DAGSTER_HOME = tmp_path with the repository's dagster.yaml, as the
    refresh, the daemon and the web server load it."""
    shutil.copyfile(DAGSTER_YAML, tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with DagsterInstance.get() as loaded:
        yield loaded


def _open_files(folder: Path) -> set[str]:
    """The files under `folder` this process holds open (deleted ones end in ' (deleted)')."""
    names = set()
    for fd in Path("/proc/self/fd").iterdir():
        target = os.readlink(fd) if fd.is_symlink() else ""
        if target.startswith(str(folder)):
            names.add(target)
    return names


def test_the_events_go_to_dagsters_files_and_another_process_reads_them(
    instance: DagsterInstance, tmp_path: Path
) -> None:
    storage = instance.event_log_storage
    assert isinstance(storage, PooledSqliteEventLogStorage)
    run_id = hello.execute_in_process(instance=instance).run_id
    shard = tmp_path / "history" / "runs" / f"{run_id}.db"
    assert shard.exists() and (tmp_path / "history" / "runs" / "index.db").exists()

    written = len(instance.all_logs(run_id))
    read_elsewhere = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from dagster import DagsterInstance; "
            "print(len(DagsterInstance.get().all_logs(sys.argv[1])))",
            run_id,
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
    )
    assert written > 5
    assert int(read_elsewhere.stdout.split()[-1]) == written


def test_an_instance_opened_from_its_folder_uses_that_folders_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A process whose DAGSTER_HOME is another folder (a test, a script, the soak test's
    checks on the daemon's data folder) reads and writes the folder it opened."""
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    shutil.copyfile(DAGSTER_YAML, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(elsewhere))
    with DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance, CitygvcInstance)
        run_id = hello.execute_in_process(instance=instance).run_id
    assert (home / "history" / "runs" / f"{run_id}.db").exists()
    assert (home / "history" / "runs.db").exists()
    assert not elsewhere.exists()


def test_a_deleted_runs_file_is_not_held_open(instance: DagsterInstance, tmp_path: Path) -> None:
    runs_dir = tmp_path / "history" / "runs"
    run_id = hello.execute_in_process(instance=instance).run_id
    shard = runs_dir / f"{run_id}.db"
    assert str(shard) in _open_files(runs_dir)  # the engine kept it open

    instance.delete_run(run_id)
    shard.unlink()  # as run retention does (orchestration/warehouse/run_retention.py)
    assert not [name for name in _open_files(runs_dir) if name.startswith(str(shard))]


def test_at_most_a_few_runs_files_stay_open(instance: DagsterInstance, tmp_path: Path) -> None:
    runs_dir = tmp_path / "history" / "runs"
    run_ids = [hello.execute_in_process(instance=instance).run_id for _ in range(RUN_ENGINES + 3)]
    open_runs = {
        Path(name).name.removesuffix(".db")
        for name in _open_files(runs_dir)
        if name.endswith(".db") and not name.endswith("index.db")
    }
    assert open_runs == set(run_ids[-RUN_ENGINES:])
    # the runs whose engines went are still there to read
    assert all(instance.all_logs(run_id) for run_id in run_ids)
