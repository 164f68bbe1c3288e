"""The dbt worker process: it imports dbt once, parses the project once for a set of build
settings, and runs each `dbt build` it is sent with that manifest, returning dbt's events as
the JSON lines a `dbt --log-format json` process prints. Only the standard library, dbt and
orchestration.warehouse.processes (itself the standard library only) are imported here: the
worker starts without Dagster (orchestration/warehouse/dbt_runner.py starts it and talks to
it)."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.warehouse.processes import adopt_environment

if TYPE_CHECKING:
    from dbt.contracts.graph.manifest import Manifest
    from dbt_common.events.base_types import EventMsg

PARTIAL_PARSE = "partial_parse.msgpack"
# dbt's console levels a `dbt` process prints by default (--log-level info); dagster-dbt
# reads these lines, and formatting dbt's many debug events as JSON would cost time for nothing
_CONSOLE_LEVELS = frozenset({"info", "warn", "error"})
# the build options that decide what a parse produces and where it is written
_PARSE_OPTIONS = (
    "--project-dir",
    "--profiles-dir",
    "--target-path",
    "--log-path",
    "--log-level",
    "--log-level-file",
    "--log-format-file",
    "--vars",
    "--target",
    "--profile",
)
# dbtRunner's failures: a node failed (dbt's exit code 1) or dbt itself did (2)
NODE_FAILURE, DBT_ERROR = 1, 2


@dataclass(frozen=True)
class BuildRequest:
    """One dbt command for the worker: its arguments, the environment it runs in (the
    profile reads the data folder from it), the key of the parse it may reuse and the
    partial parse a new target folder starts from. With `parse_only` the worker parses the
    project for those arguments and answers nothing (a warm-up: orchestration/warehouse/
    dbt_runner.warm_up_for_refresh)."""

    args: tuple[str, ...]
    env: dict[str, str]
    parse_key: tuple[str, ...]
    prepared_parse: Path
    parse_only: bool = False


def option(args: Sequence[str], name: str) -> str | None:
    """The value of `--name value` in `args`, if given."""
    for flag, value in pairwise(args):
        if flag == name:
            return value
    return None


def serve(conn: Connection) -> None:
    """The worker's loop: one request at a time until the parent closes the pipe. An
    interrupt that dbt does not handle itself (Ctrl-C reaches the whole process group, the
    idle worker too) means the refresh is stopping: the worker ends without a traceback of
    its own in the refresh's console (the caller sees its end as a failed build)."""
    parsed: dict[tuple[str, ...], Manifest] = {}
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            try:
                request: BuildRequest = conn.recv()
            except (EOFError, OSError):
                return
            if request.parse_only:
                _warm_up(request, parsed)
                continue
            returncode = _run(request, parsed, lambda line: conn.send(("line", line)))
            _release_database()
            conn.send(("exit", returncode))


def _warm_up(request: BuildRequest, parsed: dict[tuple[str, ...], Manifest]) -> None:
    """Import dbt and parse the project for the builds to come. A failed parse is left to
    the build, which parses again and reports dbt's error as a build would."""
    adopt_environment(request.env)  # the worker serves one caller, whose environment it takes
    with contextlib.suppress(Exception):
        _parsed_project(request, parsed)


def _release_database() -> None:
    """Close the warehouse file between commands, as an exiting `dbt` process would: the
    caller's own steps open it next (DuckDB lets one process at a time write a file)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    # dbt-duckdb keeps its database for the process's life (its handle count never returns
    # to zero after a build); closing it here is what its own environment switch does
    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
        DuckDBConnectionManager._ENV = None


def _run(
    request: BuildRequest, parsed: dict[tuple[str, ...], Manifest], emit: Callable[[bytes], None]
) -> int:
    from dbt.cli.main import dbtRunner

    adopt_environment(request.env)
    reported = False

    def on_event(msg: EventMsg) -> None:
        nonlocal reported
        if msg.info.level in _CONSOLE_LEVELS:
            from dbt_common.events.functions import msg_to_json

            reported |= msg.info.level == "error"
            emit(msg_to_json(msg).encode())

    try:
        manifest = _parsed_project(request, parsed)
        result = dbtRunner(manifest=manifest, callbacks=[on_event]).invoke(list(request.args))
    except Exception as error:  # a failed parse: dbt's own error, reported like one
        emit(error_line(error))
        return DBT_ERROR
    if result.success:
        return 0
    if result.exception is None:
        return NODE_FAILURE
    if not reported:  # a usage error stops dbt before its event logger reports anything
        emit(error_line(result.exception))
    return DBT_ERROR


def _parsed_project(request: BuildRequest, parsed: dict[tuple[str, ...], Manifest]) -> Manifest:
    """The project parsed with the build's vars, profile and target folder (the partial
    parse a `dbt` process would read and write there), once for those settings and the
    project's files; only the latest is kept."""
    from dbt.cli.main import dbtRunner

    if request.parse_key not in parsed:
        target = Path(str(option(request.args, "--target-path")))
        _start_from(request.prepared_parse, target)
        options = [*_parse_options(request.args), "--no-send-anonymous-usage-stats"]
        result = dbtRunner().invoke(["parse", *options])
        if not result.success:
            raise RuntimeError(f"dbt parse failed: {result.exception}")
        parsed.clear()
        parsed[request.parse_key] = result.result
    return parsed[request.parse_key]


def _start_from(prepared: Path, target: Path) -> None:
    """A new target folder starts from the partial parse `make run` prepared in the project,
    as dagster-dbt does for a `dbt` process: dbt then checks the files instead of parsing the
    whole project (1.3 s against 4.8 s at national scale)."""
    if prepared.exists() and not (target / PARTIAL_PARSE).exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(prepared, target / PARTIAL_PARSE)


def _parse_options(args: Sequence[str]) -> Iterator[str]:
    for name in _PARSE_OPTIONS:
        value = option(args, name)
        if value is not None:
            yield from (name, value)


def error_line(error: BaseException) -> bytes:
    """A failure outside dbt's nodes as the error line dagster-dbt reports."""
    line: dict[str, Any] = {"info": {"level": "error", "msg": str(error), "name": "Error"}}
    return json.dumps({**line, "data": {}}).encode()
