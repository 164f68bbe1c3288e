"""Progress of the transform run from its Dagster events as they are stored: a bar of dbt
nodes built (count / total, elapsed) and one line per finished dbt layer, gate and publish."""

from __future__ import annotations

import json
import time

from dagster import EventLogEntry

from orchestration.pipeline.console import Console
from orchestration.warehouse.dbt import dbt_project

DBT_GROUPS = ("seeds", "staging", "intermediate", "marts")
BAR_LABEL = "dbt: nodes built"


def dbt_node_count() -> int:
    """Models and seeds the transform job builds (its dbt assets), from the manifest."""
    manifest = json.loads(dbt_project.manifest_path.read_text())
    return sum(
        1 for node in manifest["nodes"].values() if node["resource_type"] in {"model", "seed"}
    )


def _step_label(step_key: str) -> str | None:
    if step_key.startswith("dbt_"):
        return f"dbt {step_key.removeprefix('dbt_')}"
    if step_key.startswith("serve__"):
        return "publish"
    return None


class TransformProgress:
    """An instance event listener (DagsterInstance.add_event_listener) for one run."""

    def __init__(self, console: Console, total: int) -> None:
        self.console, self.total, self.built = console, total, 0
        self.started = time.monotonic()
        self._step_start: dict[str, float] = {}
        self._step_built: dict[str, int] = {}
        self.gates_failed: list[str] = []

    def __call__(self, entry: EventLogEntry) -> None:
        event = entry.dagster_event
        if event is None:
            return
        kind, step = event.event_type_value, event.step_key or ""
        if kind == "STEP_START":
            self._step_start[step] = entry.timestamp
            self._step_built[step] = self.built
        elif kind == "ASSET_MATERIALIZATION" and event.asset_key is not None:
            if event.asset_key.path[0] in DBT_GROUPS:
                self.built += 1
                self.console.bar(BAR_LABEL, self.built, self.total, self.started)
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            self._step_end(step, entry.timestamp, kind == "STEP_SUCCESS")

    def _step_end(self, step: str, timestamp: float, ok: bool) -> None:
        label = _step_label(step)
        if label is None:
            if not ok:
                self.console.line(f"  check {step}: FAILED")
            return
        seconds = timestamp - self._step_start.get(step, timestamp)
        built = self.built - self._step_built.get(step, self.built)
        what = f"{built} nodes, " if step.startswith("dbt_") else ""
        self.console.line(f"  {label}: {'done' if ok else 'FAILED'} ({what}{seconds:.1f} s)")
