"""Measuring one command as its own process: wall and CPU time, peak RSS, and what Dagster
recorded about the runs it made.

Peak RSS two ways: `ru_maxrss` from `os.wait4` (the largest single process among the command
and every descendant it waited for, e.g. the dbt subprocess of a refresh) and the peak of the
summed RSS of the whole process tree, sampled from /proc (counts pages shared between a
parent and its forked workers twice, so it is an upper bound).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Measurement:
    name: str
    command: list[str]
    wall_s: float
    user_s: float
    sys_s: float
    max_rss_bytes: int
    peak_tree_rss_bytes: int
    peak_tree_processes: list[dict]  # the processes that made up the sampled peak
    exit_code: int
    started_at: float  # epoch seconds
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    log: str

    @property
    def peak_rss_bytes(self) -> int:
        return max(self.max_rss_bytes, self.peak_tree_rss_bytes)

    def as_dict(self) -> dict:
        return {**asdict(self), "peak_rss_bytes": self.peak_rss_bytes}


def _tree_rss(root: int) -> dict[int, int]:
    """RSS (bytes) of `root` and each of its descendants right now, by pid."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name may contain spaces and parentheses; fields follow the last ')'.
        children[int(stat.rsplit(")", 1)[1].split()[1])].append(int(entry.name))
    sizes, stack = {}, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm") as fh:
                sizes[pid] = int(fh.read().split()[1]) * PAGE_SIZE
        except OSError:
            continue
        stack.extend(children.get(pid, ()))
    return sizes


def _command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            words = [w.decode(errors="replace") for w in fh.read().split(b"\0") if w]
    except OSError:
        return "?"
    if words:
        words[0] = Path(words[0]).name
    return " ".join(words)[:160]


class _TreeSampler(threading.Thread):
    """Samples the process tree's RSS; keeps the peak and which processes made it up."""

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self.peak_processes: list[dict] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            sizes = _tree_rss(self.pid)
            total = sum(sizes.values())
            if total > self.peak:
                self.peak = total
                self.peak_processes = [
                    {"pid": pid, "rss_bytes": rss, "command": _command_line(pid)}
                    for pid, rss in sorted(sizes.items(), key=lambda item: -item[1])
                ]
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run_measured(
    name: str,
    command: Sequence[str],
    env: Mapping[str, str],
    log_path: Path,
    cwd: Path | None = None,
    sample_interval: float = 0.5,
) -> Measurement:
    """Run `command` to completion (output to `log_path`) and measure it."""
    load_before = os.getloadavg()
    started_at = time.time()
    with log_path.open("wb") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(command), env=dict(env), cwd=cwd, stdout=log, stderr=subprocess.STDOUT
        )
        sampler = _TreeSampler(proc.pid, sample_interval)
        sampler.start()
        # wait4 rather than Popen.wait: it returns the child's resource usage, including
        # the descendants it waited for.
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
    return Measurement(
        name=name,
        command=list(command),
        wall_s=wall,
        user_s=usage.ru_utime,
        sys_s=usage.ru_stime,
        max_rss_bytes=usage.ru_maxrss * 1024,  # Linux reports KiB
        peak_tree_rss_bytes=sampler.peak,
        peak_tree_processes=sampler.peak_processes,
        exit_code=proc.returncode,
        started_at=started_at,
        load_before=load_before,
        load_after=os.getloadavg(),
        log=str(log_path),
    )


def best_wall(command: Sequence[str], env: Mapping[str, str], repeats: int) -> float:
    """Fastest of `repeats` runs of `command` (wall seconds); the command must succeed."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(list(command), env=dict(env), check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


# Dagster's event log ------------------------------------------------------------------------


@dataclass
class StepTiming:
    run_id: str
    step_key: str
    start: float
    end: float
    succeeded: bool

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class RunTiming:
    run_id: str
    start: float
    end: float
    steps: list[StepTiming] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.end - self.start


def _epoch(timestamp: str) -> float:
    # The SQLite event log stores naive UTC timestamps.
    return datetime.fromisoformat(timestamp).replace(tzinfo=UTC).timestamp()


_RUN_START = {"PIPELINE_START", "RUN_START"}
_RUN_END = {"PIPELINE_SUCCESS", "PIPELINE_FAILURE", "RUN_SUCCESS", "RUN_FAILURE"}
_STEP_END = {"STEP_SUCCESS": True, "STEP_FAILURE": False}


def dagster_runs(dagster_home: Path, since: float, until: float) -> list[RunTiming]:
    """Runs (with their steps) recorded in the SQLite event logs under `dagster_home` that
    started between `since` and `until` (epoch seconds)."""
    runs = []
    for path in sorted(dagster_home.rglob("*.db")):
        if len(path.stem) != 36 or path.stem.count("-") != 4:  # one event log per run id
            continue
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = con.execute(
                "select dagster_event_type, step_key, timestamp from event_logs order by id"
            ).fetchall()
        except sqlite3.DatabaseError:
            continue
        finally:
            con.close()
        starts: dict[str, float] = {}
        run = RunTiming(path.stem, float("nan"), float("nan"))
        for kind, step_key, timestamp in rows:
            moment = _epoch(timestamp)
            if kind in _RUN_START:
                run.start = moment
            elif kind in _RUN_END:
                run.end = moment
            elif kind == "STEP_START":
                starts[step_key] = moment
            elif kind in _STEP_END and step_key in starts:
                run.steps.append(
                    StepTiming(path.stem, step_key, starts.pop(step_key), moment, _STEP_END[kind])
                )
        if since <= run.start <= until:
            runs.append(run)
    return sorted(runs, key=lambda r: r.start)


def step_category(step_key: str) -> str:
    """Which part of the pipeline a Dagster step belongs to."""
    if step_key.startswith("raw__"):
        return "ingest"
    if step_key.startswith("dbt_"):
        return "dbt"
    if step_key.startswith("complexity__"):
        return "complexity"
    if step_key.startswith("disclosure__"):
        return "disclosure"
    if "_gx_" in step_key:
        return "gx_checks"
    if step_key.startswith("serve__"):
        return "publish"
    return "other"


def dbt_invocations(target_dir: Path, since: float, slowest: int = 8) -> dict:
    """The dbt steps of a refresh that started at `since` (epoch seconds), from the copy of
    run_results.json each step leaves in the refresh's dbt folder (`run_results_<step>.json`):
    elapsed time, time in models and in tests, and the slowest nodes."""
    invocations = {}
    for path in sorted(target_dir.glob("run_results_*.json")):
        if path.stat().st_mtime < since:
            continue  # a step this refresh did not run
        run_results = json.loads(path.read_text())
        nodes = sorted(run_results["results"], key=lambda r: -r["execution_time"])
        invocations[path.stem.removeprefix("run_results_")] = {
            "elapsed_s": run_results["elapsed_time"],
            "nodes": len(nodes),
            "models_s": sum(
                r["execution_time"] for r in nodes if r["unique_id"].startswith("model.")
            ),
            "tests_s": sum(
                r["execution_time"] for r in nodes if r["unique_id"].startswith("test.")
            ),
            "slowest": [
                {"node": r["unique_id"], "seconds": r["execution_time"]} for r in nodes[:slowest]
            ],
        }
    return invocations
