"""`kill -9` of a refresh mid-run, then a rerun: it completes without waiting on a stale
writer-pool slot, and publishes what an uninterrupted refresh publishes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from tests.helpers import refresh_env, served_hashes

TIMEOUT_S = 300


def _refresh(data: Path, catalog: Path) -> subprocess.Popen:
    # A process killed with -9 leaves its temporary folders (multiprocessing's pymp-*):
    # in the test's folder, not the machine's /tmp.
    scratch = data.parent / f"{data.name}-tmp"
    scratch.mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "orchestration.refresh"],
        env=refresh_env(data, catalog, CITYGVC_DISCLOSURE="off", TMPDIR=str(scratch)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # so kill -9 reaches dbt's child process too
    )


def _wait_for_started_run(data: Path, job_name: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        assert proc.poll() is None, "refresh ended before the run to interrupt started"
        if (data / "dagster" / "storage").exists():
            with DagsterInstance.from_config(str(data / "dagster")) as instance:
                runs = instance.get_runs(
                    RunsFilter(job_name=job_name, statuses=[DagsterRunStatus.STARTED])
                )
                if runs:
                    return
        time.sleep(0.2)
    raise AssertionError(f"no {job_name} run started within {TIMEOUT_S}s")


@pytest.mark.slow
@pytest.mark.parametrize("job_name", ["ingest_asif", "transform_and_publish"])
def test_rerun_after_kill_9_completes_and_matches_clean_run(
    hand_run: Path, tmp_path: Path, job_name: str
) -> None:
    # hand_run: the same catalog and an uninterrupted refresh of it (tests/conftest.py)
    catalog, clean = hand_run / "catalog", hand_run / "data"
    crashed = tmp_path / "crashed"

    victim = _refresh(crashed, catalog)
    _wait_for_started_run(crashed, job_name, victim)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(TIMEOUT_S)

    assert _refresh(crashed, catalog).wait(TIMEOUT_S) == 0  # would hang on a stale slot
    assert served_hashes(crashed / "serve") == served_hashes(clean / "serve")
    with DagsterInstance.from_config(str(crashed / "dagster")) as instance:
        killed = instance.get_runs(RunsFilter(job_name=job_name))[-1]
        assert killed.status == DagsterRunStatus.FAILURE
