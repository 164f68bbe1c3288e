"""The refresh's console: lines for a person, milestone lines instead of a bar off a
terminal, a redrawn bar on one, everything else captured into the log file."""

from __future__ import annotations

import io
import sys
import time
import uuid
from pathlib import Path

from dagster import AssetKey, AssetMaterialization, DagsterInstance, job, op

from orchestration.pipeline.console import KEEP_REFRESH_LOGS, Console, log_path, stale_logs
from orchestration.pipeline.progress import TransformProgress
from orchestration.settings import Settings


def test_plain_output_prints_a_milestone_per_quarter() -> None:
    lines: list[str] = []
    console = Console(lines.append)
    started = time.monotonic()
    for done in range(1, 30):
        console.bar("ingest: releases", done, 29, started)
    assert len(lines) == 4
    assert lines[-1].startswith("  … ingest: releases 29/29, ")


def test_a_terminal_bar_redraws_one_line_and_is_cleared_before_a_line() -> None:
    lines: list[str] = []
    terminal = io.StringIO()
    console = Console(lines.append, stream=terminal)
    console.bar("dbt: nodes built", 3, 10, time.monotonic())
    assert terminal.getvalue().startswith("\r  [#######.................] dbt: nodes built 3/10")
    console.line("  dbt staging: done")
    assert terminal.getvalue().endswith("\r") and lines == ["  dbt staging: done"]


def test_captured_output_goes_to_the_log_file(tmp_path: Path) -> None:
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path)})
    path = log_path(settings)
    assert path.parent == tmp_path / "logs" and path.name.startswith("refresh-")
    lines: list[str] = []
    path.parent.mkdir()
    with path.open("a") as log:
        console = Console(lines.append, log=log)
        with console.captured():
            print("dbt says hello")
            print("dagster - DEBUG - event", file=sys.stderr)
        console.line("  asif-2007-r1: loaded (5,071 rows)")
    assert console.log_path == path
    assert lines == ["  asif-2007-r1: loaded (5,071 rows)"]
    text = path.read_text()
    assert "dbt says hello" in text and "DEBUG - event" in text
    assert "[citygvc]   asif-2007-r1: loaded" in text


def test_stale_logs_are_all_but_the_newest() -> None:
    logs = [Path(f"refresh-2026120{day}T020000.log") for day in (3, 1, 4, 2)]
    assert stale_logs(logs, keep=2) == [logs[1], logs[3]]  # the 1st and the 2nd
    assert stale_logs(logs, keep=9) == []


def test_a_refresh_keeps_the_newest_logs_its_own_included(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    old = [logs / f"refresh-2025{n // 28 + 1:02d}{n % 28 + 1:02d}T020000.log" for n in range(70)]
    for path in old:
        path.write_text("an earlier refresh")
    (logs / "notes.txt").write_text("not a refresh log")
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path)})
    with Console.for_terminal(settings) as console:
        console.line("refreshing")
    kept = sorted(p.name for p in logs.glob("refresh-*.log"))
    assert len(kept) == KEEP_REFRESH_LOGS
    assert console.log_path is not None and console.log_path.name in kept
    assert kept[:-1] == [p.name for p in old[-(KEEP_REFRESH_LOGS - 1) :]]
    assert (logs / "notes.txt").exists()


def test_transform_progress_counts_dbt_materializations_from_the_run_events() -> None:
    @op
    def dbt_staging(context) -> None:
        for name in ("stg_a", "stg_b"):
            context.log_event(AssetMaterialization(AssetKey(["staging", name])))
        context.log_event(AssetMaterialization(AssetKey(["serve", "published_marts"])))

    @job
    def transform() -> None:
        dbt_staging()

    lines: list[str] = []
    progress = TransformProgress(Console(lines.append), total=2)
    instance = DagsterInstance.ephemeral()
    run_id = str(uuid.uuid4())
    instance.add_event_listener(run_id, progress)
    assert transform.execute_in_process(instance=instance, run_id=run_id).success
    assert progress.built == 2
    assert lines[0].startswith("  … dbt: nodes built 1/2")
    assert lines[-1].startswith("  dbt staging: done (2 nodes, ")
