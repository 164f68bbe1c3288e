"""`dbt build` in the dbt worker process: dagster-dbt reads its events, its failures and its
interruption as it reads a `dbt` process's, and the worker parses the project once. Real dbt
and DuckDB, on a three-model project written here (a model that builds, one whose SQL fails,
one that runs for minutes)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import duckdb
import pytest
from dagster_dbt import DagsterDbtTranslator, DbtCliInvocation
from packaging.version import Version

from orchestration.warehouse.dbt_runner import WorkerBuild, worker_args

MODELS = {
    "ok": "select 1 as id, 'Kunshan' as city",
    "broken": "select no_such_column from {{ ref('ok') }}",
    # minutes of work for DuckDB: only an interrupt ends it early
    "slow": "{{ config(materialized='table') }} select count(*) as n"
    " from range(1000000000000) as t(i) where i % 7 = 3",
}


def _project(root: Path) -> Path:
    project = root / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: tiny\nversion: '1.0'\nprofile: tiny\nmodel-paths: [models]\n"
    )
    (project / "profiles.yml").write_text(
        "tiny:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {root / 'tiny.duckdb'}\n      threads: 1\n"
    )
    for name, sql in MODELS.items():
        (project / "models" / f"{name}.sql").write_text(sql)
    return project


def _build(root: Path, select: str, *extra: str) -> WorkerBuild:
    project = _project(root) if not (root / "project").exists() else root / "project"
    args = worker_args(
        ["build", "--select", select, *extra],
        project_dir=project,
        profiles_dir=project,
        target_path=root / "target",
    )
    return WorkerBuild(args, str(root))


def _commands(root: Path) -> list[str]:
    """The dbt commands dbt.log records, in order."""
    lines = [json.loads(line) for line in (root / "target" / "dbt.log").open()]
    completed = [e["data"]["command"] for e in lines if e["info"]["name"] == "CommandCompleted"]
    return [command.removeprefix("cli ") for command in completed]


def _events(process: WorkerBuild) -> list[dict]:
    with process.stdout:
        return [json.loads(line) for line in process.stdout]


def _value(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


def test_flags_carry_what_dagster_dbt_gives_a_dbt_process_in_its_environment(
    tmp_path: Path,
) -> None:
    args = worker_args(
        ["build", "--select", "ok"],
        project_dir=tmp_path / "p",
        profiles_dir=tmp_path / "q",
        target_path=tmp_path / "t",
        indirect_selection="empty",
    )
    assert args[:3] == ["build", "--select", "ok"]
    assert _value(args, "--project-dir") == str(tmp_path / "p")
    assert _value(args, "--profiles-dir") == str(tmp_path / "q")
    assert _value(args, "--target-path") == _value(args, "--log-path") == str(tmp_path / "t")
    assert _value(args, "--log-level") == "none"  # the events go to the caller, not the console
    assert _value(args, "--indirect-selection") == "empty"
    assert "--no-send-anonymous-usage-stats" in args
    # a selection mode the command gives itself wins
    own = worker_args(
        ["build", "--indirect-selection", "buildable"],
        project_dir=tmp_path,
        profiles_dir=tmp_path,
        target_path=tmp_path,
        indirect_selection="empty",
    )
    assert own.count("--indirect-selection") == 1


def test_a_build_reports_each_node_and_succeeds(tmp_path: Path) -> None:
    process = _build(tmp_path, "ok")
    events = _events(process)
    assert process.wait(timeout=60) == 0
    # the result lines dagster-dbt turns into materializations (a process prints the same)
    finished = [e for e in events if e["info"]["name"] == "LogModelResult"]
    assert [e["data"]["node_info"]["unique_id"] for e in finished] == ["model.tiny.ok"]
    assert finished[0]["data"]["status"] == "OK"
    assert (tmp_path / "target" / "run_results.json").exists()
    assert (tmp_path / "target" / "dbt.log").exists()
    # the worker has let go of the database: the refresh's own steps write to it next
    duckdb.connect(str(tmp_path / "tiny.duckdb")).close()


def test_the_project_is_parsed_once_for_the_same_build_settings(tmp_path: Path) -> None:
    for _ in range(2):
        build = _build(tmp_path, "ok")
        _events(build)
        assert build.wait(timeout=60) == 0
    assert _commands(tmp_path) == ["parse", "build", "build"]
    # other vars: parsed again
    build = _build(tmp_path, "ok", "--vars", '{"x": 1}')
    _events(build)
    assert _commands(tmp_path) == ["parse", "build", "build", "parse", "build"]


def test_a_failing_model_fails_the_invocation_with_dbts_error(tmp_path: Path) -> None:
    process = _build(tmp_path, "ok broken")
    invocation = DbtCliInvocation(
        process=process,  # type: ignore[arg-type]
        manifest={},
        dagster_dbt_translator=DagsterDbtTranslator(),
        project_dir=tmp_path / "project",
        target_path=tmp_path / "target",
        raise_on_error=False,
        cli_version=Version("1.11.0"),
    )
    assert not invocation.is_successful()
    assert process.returncode == 1
    error = invocation.get_error()
    assert error is not None and "no_such_column" in str(error)


def test_an_interrupt_stops_a_running_build(tmp_path: Path) -> None:
    process = _build(tmp_path, "slow")
    for line in process.stdout:
        if json.loads(line)["info"]["name"] == "LogStartLine":
            break
    time.sleep(1)  # DuckDB is inside the statement
    started = time.perf_counter()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) != 0
    assert time.perf_counter() - started < 30
    # and the next build runs
    after = _build(tmp_path, "ok")
    _events(after)
    assert after.wait(timeout=60) == 0


def test_an_interrupt_between_builds_ends_the_worker_quietly(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # Ctrl-C reaches the whole process group, the idle worker too (it is started before the
    # ingest): it ends, and prints no traceback into the refresh's console
    build = _build(tmp_path, "ok")
    assert build.wait(timeout=60) == 0
    worker = build._worker.process
    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGINT)
    worker.join(timeout=30)
    assert worker.exitcode == 0
    assert "Traceback" not in capfd.readouterr().err
