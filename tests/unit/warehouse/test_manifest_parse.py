"""The manifest is parsed the way a refresh runs dbt (its vars, its warehouse path), so the
first dbt command of a refresh in that data folder starts from the prepared partial parse
instead of parsing the whole project again. Real dbt: dagster-dbt copies the project's
partial_parse.msgpack into a command's empty target folder, and dbt writes dbt.log there."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from orchestration.defs.resources import dbt_resource
from orchestration.settings import DBT_PROJECT_DIR, Settings
from orchestration.warehouse.dbt import dbt_vars, prepare_manifest
from orchestration.warehouse.dbt_runner import WorkerBuild, warm_up_for_refresh, worker_args

FULL_PARSE = "Unable to do partial parsing"


def _parse_messages(settings: Settings, target: Path) -> list[str]:
    """dbt's log messages of a `dbt parse` in the refresh's manner: the dbt resource, the
    vars of `settings` and its warehouse path in the environment, `target` as the target
    folder."""
    invocation = dbt_resource().cli(["parse", "--vars", dbt_vars(settings)], target_path=target)
    invocation.wait()
    assert invocation.is_successful()
    lines = (target / "dbt.log").read_text().splitlines()
    return [json.loads(line)["info"]["msg"] for line in lines]


@pytest.fixture
def prepared(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    """A data folder's settings, exported as the refresh exports them, with the manifest
    prepared for that folder as `make run` prepares it."""
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path / "data")})
    monkeypatch.setenv("CITYGVC_DATA_DIR", str(settings.data_dir))
    prepare_manifest(settings, force=True)
    return settings


def test_the_first_dbt_command_of_a_refresh_reuses_the_prepared_parse(
    prepared: Settings, tmp_path: Path
) -> None:
    settings = prepared
    as_a_refresh = _parse_messages(settings, tmp_path / "first")
    assert not [m for m in as_a_refresh if FULL_PARSE in m]

    # the check sees a full parse when there is one: other settings' vars reject the parse
    other = Settings.from_env({"CITYGVC_DATA_DIR": str(settings.data_dir), "CITYGVC_SDC_P": "0"})
    with_other_vars = _parse_messages(other, tmp_path / "other")
    assert [m for m in with_other_vars if FULL_PARSE in m]


def test_the_dbt_worker_parses_from_the_prepared_parse(prepared: Settings, tmp_path: Path) -> None:
    # a refresh on DuckDB parses once, in its dbt worker (orchestration/warehouse/dbt_runner.py)
    settings = prepared
    settings.data_dir.mkdir(parents=True)
    target = tmp_path / "worker"
    args = worker_args(
        ["build", "--select", "admin_code_map", "--vars", dbt_vars(settings)],
        project_dir=DBT_PROJECT_DIR,
        profiles_dir=DBT_PROJECT_DIR,
        target_path=target,
    )
    build = WorkerBuild(args, str(settings.data_dir))
    assert build.wait(timeout=300) == 0
    messages = [json.loads(line)["info"]["msg"] for line in (target / "dbt.log").open()]
    assert [m for m in messages if "Found " in m and " models" in m]  # it parsed and built
    assert not [m for m in messages if FULL_PARSE in m]


def _commands(log: Path) -> list[str]:
    """The dbt commands a dbt.log records as completed, in order."""
    if not log.exists():
        return []
    events = [json.loads(line) for line in log.read_text().splitlines()]
    done = [e["data"]["command"] for e in events if e["info"]["name"] == "CommandCompleted"]
    return [command.removeprefix("cli ") for command in done]


def test_a_refresh_warms_up_the_worker_for_the_builds_it_will_run(
    prepared: Settings,
) -> None:
    # the refresh sends the warm-up when it has releases to ingest; the worker parses while
    # the refresh goes on
    settings = prepared
    settings.data_dir.mkdir(parents=True)
    log = settings.dbt_target_dir / "dbt.log"
    warm_up_for_refresh(settings)
    deadline = time.monotonic() + 120
    while _commands(log) != ["parse"]:
        assert time.monotonic() < deadline, "the warm-up did not parse the project"
        time.sleep(0.1)

    # a build the way the refresh's dbt assets run it finds the project parsed
    invocation = dbt_resource().cli(
        ["build", "--select", "admin_code_map", "--vars", dbt_vars(settings)],
        target_path=settings.dbt_target_dir,
    )
    invocation.wait()
    assert invocation.is_successful()
    assert _commands(log) == ["parse", "build"]
