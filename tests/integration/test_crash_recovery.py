"""`kill -9` of a refresh mid-run, then a rerun: it completes without waiting on a stale
writer-pool slot, and publishes what an uninterrupted refresh publishes."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from tests.integration.test_end_to_end import _write_catalog

TIMEOUT_S = 300


def _env(data: Path, catalog: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CITYGVC_DATA_DIR=str(data),
        CITYGVC_RELEASES=str(catalog),
        DAGSTER_HOME=str(data / "dagster"),
        CITYGVC_DISCLOSURE="off",
    )
    return env


def _refresh(data: Path, catalog: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "orchestration.refresh"],
        env=_env(data, catalog),
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


def _published(data: Path) -> dict[str, str]:
    """Hashes of every published file: the DuckDB file, the Parquet files and the manifest."""
    serve = data / "serve"
    files = [
        serve / "citygvc.duckdb",
        serve / "manifest.json",
        *sorted((serve / "parquet").glob("*.parquet")),
    ]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The hand-made catalog and an uninterrupted refresh of it."""
    root = tmp_path_factory.mktemp("clean")
    catalog = root / "catalog"
    _write_catalog(catalog)
    assert _refresh(root / "data", catalog).wait(TIMEOUT_S) == 0
    return catalog, root / "data"


@pytest.mark.slow
@pytest.mark.parametrize("job_name", ["ingest_asif", "transform_and_publish"])
def test_rerun_after_kill_9_completes_and_matches_clean_run(
    clean_run: tuple[Path, Path], tmp_path: Path, job_name: str
) -> None:
    catalog, clean = clean_run
    crashed = tmp_path / "crashed"

    victim = _refresh(crashed, catalog)
    _wait_for_started_run(crashed, job_name, victim)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(TIMEOUT_S)

    assert _refresh(crashed, catalog).wait(TIMEOUT_S) == 0  # would hang on a stale slot
    assert _published(crashed) == _published(clean)
    with DagsterInstance.from_config(str(crashed / "dagster")) as instance:
        killed = instance.get_runs(RunsFilter(job_name=job_name))[-1]
        assert killed.status == DagsterRunStatus.FAILURE
