"""`dbt build` in one dbt worker process for all of a refresh's builds, the project parsed
once there.

A refresh builds three times on DuckDB (staging, models, the indicators after the Python
steps). As separate `dbt` processes each build paid ≈ 2.9 s before and after its nodes:
importing dbt and the adapter, reading the partial parse and checking every project file,
writing the artifacts (measured on the demo, docs/benchmarks.md). The worker
(orchestration/warehouse/dbt_worker.py) imports dbt once and keeps the parsed manifest for
the next build. It is a process of its own, not a thread of the run's: in one process dbt's
Python work and Dagster's handling of each node's events share one interpreter lock, and the
demo's data tests took 50 % longer (measured 2026-12-07).

`WorkerBuild` has the part of `subprocess.Popen`'s interface that dagster-dbt's invocation
reads (the JSON log lines on `stdout`, `returncode`, `wait`, `send_signal`, `args`), so
dagster-dbt still turns dbt's events into materializations and check results. Spark's dbt
lives in its own environment and keeps running as a `dbt` process."""

from __future__ import annotations

import atexit
import multiprocessing
import os
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType

from orchestration.settings import Settings
from orchestration.warehouse.dbt import dbt_project, dbt_vars, sources_digest
from orchestration.warehouse.dbt_worker import (
    DBT_ERROR,
    PARTIAL_PARSE,
    BuildRequest,
    error_line,
    option,
    serve,
)


def worker_args(
    args: Sequence[str],
    *,
    project_dir: Path,
    profiles_dir: Path,
    target_path: Path,
    indirect_selection: str | None = None,
) -> list[str]:
    """The command line of a `dbt` process (without the executable) for dbtRunner: the
    settings dagster-dbt gives the process as DBT_* environment variables become flags. The
    console stays silent (the events reach the caller by callback); dbt.log keeps its JSON
    lines, at debug level, in the target folder, as a `dbt` process writes them."""
    flags = [
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path),
        "--log-level",
        "none",
        "--log-level-file",
        "debug",
        "--log-format-file",
        "json",
        "--no-send-anonymous-usage-stats",
    ]
    if indirect_selection and "--indirect-selection" not in args:
        flags += ["--indirect-selection", indirect_selection]
    return [*args, *flags]


def parse_key(args: Sequence[str], data_dir: str) -> tuple[str, ...]:
    """What a parse depends on: where it is written, the vars, the profile's target and
    data folder, and the project's files."""
    names = ("--project-dir", "--profiles-dir", "--target-path", "--vars", "--target")
    return (*(str(option(args, name)) for name in names), data_dir, sources_digest())


class _Worker:
    """The dbt worker process and its end of the pipe (spawned: this process holds DuckDB
    and Dagster threads a fork would copy mid-lock)."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=serve, args=(child,), name="citygvc-dbt", daemon=True
        )
        self.process.start()
        child.close()

    def stop(self) -> None:
        """Close the pipe: the worker leaves its loop and exits on its own, where being
        terminated at this process's exit would leave dbt's semaphores behind (and a warning)."""
        self.conn.close()
        self.process.join(timeout=10)


_worker: _Worker | None = None
_worker_lock = threading.Lock()


def _running_worker() -> _Worker:
    """The worker, started at the first build or warm-up of this process or again after it
    ended (an interrupt that arrived between builds ends it)."""
    global _worker
    with _worker_lock:
        if _worker is None or not _worker.process.is_alive():
            _worker = _Worker()
            atexit.register(_worker.stop)
        return _worker


def warm_up_for_refresh(settings: Settings) -> None:
    """Have the worker (started now if need be) import dbt and parse the project for the
    builds of a refresh with `settings`, while the refresh goes on: the project, profile,
    target folder and vars its dbt assets build with (orchestration/defs/transform/assets.py),
    so that their first build finds the project parsed. The refresh sends it when it has
    releases to ingest: importing dbt and parsing (≈ 2.5 s) then overlap the ingest instead of
    delaying the first build. Nothing is answered; a parse that fails is tried again, and
    reported, by the first build. On DuckDB only: Spark's dbt runs as processes."""
    if settings.engine != "duckdb":
        return
    args = worker_args(
        ["parse", "--vars", dbt_vars(settings)],
        project_dir=Path(dbt_project.project_dir),
        profiles_dir=Path(dbt_project.profiles_dir or dbt_project.project_dir),
        target_path=settings.dbt_target_dir,
    )
    request = _request(args, str(settings.data_dir), parse_only=True)
    _running_worker().conn.send(request)


def _request(args: Sequence[str], data_dir: str, parse_only: bool = False) -> BuildRequest:
    return BuildRequest(
        args=tuple(args),
        env=dict(os.environ),
        parse_key=parse_key(args, data_dir),
        prepared_parse=dbt_project.manifest_path.parent / PARTIAL_PARSE,
        parse_only=parse_only,
    )


class _Lines:
    """The worker's lines for one build, read by one consumer until the build ends."""

    def __init__(self, build: WorkerBuild) -> None:
        self._build = build
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return self._build.lines()

    def __enter__(self) -> _Lines:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.closed = True


class WorkerBuild:
    """One dbt command run by the worker, seen as dagster-dbt sees a `dbt` process."""

    def __init__(self, args: Sequence[str], data_dir: str) -> None:
        self.args = ["dbt", *args]
        self.returncode: int | None = None
        self.stdout = _Lines(self)
        self._worker = _running_worker()
        self._worker.conn.send(_request(args, data_dir))

    def lines(self, timeout: float | None = None) -> Iterator[bytes]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.returncode is None:
            if deadline is not None and not self._worker.conn.poll(deadline - time.monotonic()):
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            try:
                kind, value = self._worker.conn.recv()
            except (EOFError, OSError):  # the worker died mid-build (killed, out of memory)
                self.returncode = DBT_ERROR
                yield error_line(RuntimeError("the dbt worker process ended mid-build"))
                return
            if kind == "exit":
                self.returncode = value
            else:
                yield value

    def wait(self, timeout: float | None = None) -> int:
        for _ in self.lines(timeout):  # what the caller has not read is dropped
            pass
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        """As to a `dbt` process: SIGINT makes dbt cancel its queries and stop the build."""
        pid = self._worker.process.pid
        if self.returncode is None and pid is not None:
            os.kill(pid, sig)
