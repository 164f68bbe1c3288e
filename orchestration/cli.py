"""The `citygvc` command line: `refresh`, `report`, `ui`, `bench`, each with `--help`.

Subcommands import what they run when they run it: `citygvc --help` stays instant, and the
Dagster code location is only loaded once its dbt manifest has been prepared.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Sequence

from orchestration.pipeline.console import Console
from orchestration.settings import REPO_ROOT, Settings

EXIT_FAILURE = 1


def refresh(
    settings: Settings,
    retry: str | None = None,
    echo: Callable[[str], None] = print,
    console: Console | None = None,
) -> int:
    """Prepare, load the code location and run the refresh in this process."""
    from orchestration.pipeline.refresh import prepare_refresh, run_refresh

    console = console or Console(echo)
    with console.captured():
        prepare_refresh(settings, console.line)
        # The code location reads the dbt manifest prepared just above.
        from orchestration.definitions import build_definitions

        defs = build_definitions(settings)
    return run_refresh(settings, defs.resolve_job_def, retry=retry, console=console)


def _refresh(args: argparse.Namespace) -> int:
    from orchestration.warehouse.publish import rollback

    settings = Settings.from_env()
    if args.rollback:
        try:
            print(f"now serving publish {rollback(settings)}")
        except RuntimeError as exc:
            print(f"rollback refused: {exc}", file=sys.stderr)
            return EXIT_FAILURE
        return 0
    with Console.for_terminal(settings, verbose=args.verbose) as console:
        if console.log_path is not None:
            console.line(f"full event log: {console.log_path} (--verbose shows it here)")
        try:
            return refresh(settings, retry=args.retry, console=console)
        except Exception as exc:
            console.line(f"refresh failed: {type(exc).__name__}: {exc}")
            if console.log_path is not None:
                console.line(f"full log: {console.log_path}")
            return EXIT_FAILURE


def _report(args: argparse.Namespace) -> int:
    from orchestration.report.replication import main as report_main

    return report_main(["--out", str(args.out)] if args.out else [])


def _ui(args: argparse.Namespace) -> int:
    from orchestration.pipeline.refresh import prepare_refresh

    settings = Settings.from_env()
    prepare_refresh(settings, print)
    dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
    command = [dagster, "dev", "-h", args.host, "-p", str(args.port)]
    return subprocess.call([*command, "-m", "orchestration.definitions"])


def bench_command(args: argparse.Namespace) -> list[str]:
    """The benchmark tool's command line: a process of its own, never an import (the product
    does not import tools/). Arguments after `--` pass through unchanged."""
    extra = args.bench_args[1:] if args.bench_args[:1] == ["--"] else args.bench_args
    return [sys.executable, "-m", "tools.bench", "--scale", args.scale, *extra]


def _bench(args: argparse.Namespace) -> int:
    return subprocess.call(bench_command(args), cwd=REPO_ROOT)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="citygvc",
        description="City x industry x year indicators from firm-survey microdata and city "
        "FDI tables. Settings come from CITYGVC_* environment variables (docs/settings.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    refresh = commands.add_parser(
        "refresh",
        help="ingest new releases, build, check and publish the marts",
        description="Ingest every new release of the catalog, build and check the marts and "
        "publish them atomically. Exit status: 0 all loaded (or nothing to do), 3 some "
        "releases quarantined, 2 catalog invalid or unreachable, 1 any other failure.",
    )
    refresh.add_argument(
        "--retry",
        metavar="RELEASE_ID|quarantined",
        help="re-ingest a quarantined release (or all of them)",
    )
    refresh.add_argument(
        "--rollback", action="store_true", help="serve the previous publish again and exit"
    )
    refresh.add_argument(
        "--verbose",
        action="store_true",
        help="stream Dagster's and dbt's full output to the terminal instead of progress "
        "lines (by default it goes to $CITYGVC_DATA_DIR/logs/refresh-<timestamp>.log)",
    )
    refresh.set_defaults(handler=_refresh)
    report = commands.add_parser(
        "report",
        help="write the replication report of the seed study",
        description="Check the seed study's findings against the published marts and write "
        "a figure and an HTML page (default folder: $CITYGVC_DATA_DIR/report).",
    )
    report.add_argument("--out", help="output folder")
    report.set_defaults(handler=_report)
    ui = commands.add_parser(
        "ui",
        help="start the Dagster UI (development server) on the loopback interface",
        description="Prepare the data folders and start `dagster dev` with this code location.",
    )
    ui.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    ui.add_argument("--port", type=int, default=3000, help="port (default 3000)")
    ui.set_defaults(handler=_ui)
    bench = commands.add_parser(
        "bench",
        help="run the benchmark (refresh vs a pandas peer and a DuckDB floor)",
        description="Run the benchmark tool (tools/bench) at the given scale; extra arguments "
        "after -- go to it unchanged.",
    )
    bench.add_argument("--scale", default="national", choices=("demo", "national"))
    bench.add_argument("bench_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    bench.set_defaults(handler=_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
