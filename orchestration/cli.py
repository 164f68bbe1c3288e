"""The `citygvc` command line: `refresh`, `catalog add|scan`, `check`, `report`, `ui`, `bench`,
each with `--help`.

Subcommands import what they run when they run it: `citygvc --help` stays instant, and the
Dagster code location is only loaded once its dbt manifest has been prepared.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.pipeline.console import Console
from orchestration.settings import REPO_ROOT, Settings

if TYPE_CHECKING:  # imported when a catalog command runs: `--help` stays instant
    from orchestration.pipeline.catalog_command import EntryOptions

EXIT_FAILURE = 1


def refresh(
    settings: Settings,
    retry: str | None = None,
    echo: Callable[[str], None] = print,
    console: Console | None = None,
) -> int:
    """Prepare, load the code location and run the refresh in this process."""
    from orchestration.pipeline.refresh import prepare_refresh, run_refresh, start_workers

    console = console or Console(echo)
    with console.captured():
        start_workers(settings)
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


def _entry_options(args: argparse.Namespace) -> EntryOptions:
    from orchestration.pipeline.catalog_command import EntryOptions

    return EntryOptions(published_at=args.published_at, provisional=args.provisional)


def _catalog_add(args: argparse.Namespace) -> int:
    from orchestration.pipeline.catalog_command import catalog_add

    settings = Settings.from_env()
    return catalog_add(
        settings,
        args.catalog or settings.releases,
        [Path(f) for f in args.files],
        args.dataset,
        args.period,
        args.city_code or [],
        _entry_options(args),
    )


def _catalog_scan(args: argparse.Namespace) -> int:
    from orchestration.ingest.catalog.scan import Guess
    from orchestration.pipeline.catalog_command import catalog_scan

    flags = Guess(args.dataset, args.period, args.city_code)
    root = Path(args.folder).absolute()
    return catalog_scan(Settings.from_env(), root, flags, _entry_options(args))


def _check(args: argparse.Namespace) -> int:
    from orchestration.pipeline.check_report import dry_run

    settings = Settings.from_env()
    try:
        return dry_run(settings, args.catalog or settings.releases)
    except Exception as exc:
        print(f"check failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURE


def _year(text: str) -> int:
    if not text.isdigit() or len(text) != 4:
        raise argparse.ArgumentTypeError(f"a 4-digit year, not {text!r}")
    return int(text)


def _city_code(text: str) -> str:
    if not text.isdigit() or len(text) != 6:
        raise argparse.ArgumentTypeError(f"a 6-digit city code, not {text!r}")
    return text


def _entry_arguments(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """--dataset/--period (required for `add`, gap-fillers for `scan`) and the entry options."""
    parser.add_argument("--dataset", choices=("asif", "fdi_city"), required=required)
    parser.add_argument("--period", type=_year, required=required, help="the survey year")
    parser.add_argument(
        "--published-at", metavar="YYYY-MM-DD", help="publication date of new entries (today)"
    )
    parser.add_argument(
        "--provisional", action="store_true", help="mark the values of new entries provisional"
    )


def _add_catalog_commands(commands: argparse._SubParsersAction) -> None:
    catalog = commands.add_parser(
        "catalog",
        help="write catalog.json entries for files (add) or a whole folder (scan)",
        description="Write or update catalog.json with each file's sha256, size and format "
        "(docs/catalog.md). A changed file of an ingested release becomes a new revision; "
        "nothing is written when a file cannot be described. Exit 0 written, 2 refused.",
    )
    actions = catalog.add_subparsers(dest="catalog_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="list files as one dataset and period",
        description="List FILEs (under the catalog folder) as --dataset and --period.",
    )
    add.add_argument("files", nargs="+", metavar="FILE")
    _entry_arguments(add, required=True)
    add.add_argument(
        "--city-code",
        action="append",
        type=_city_code,
        help="fdi_city: the 6-digit city code, once per FILE (default: from the file name)",
    )
    add.add_argument("--catalog", metavar="DIR", help="catalog folder (default CITYGVC_RELEASES)")
    add.set_defaults(handler=_catalog_add)
    scan = actions.add_parser(
        "scan",
        help="list every data file of a folder, inferring dataset, year and city from names",
        description="Walk FOLDER (it becomes the catalog root: FOLDER/catalog.json) and list "
        "every .dta, .csv, .parquet, .xlsx and .xls file, taking dataset, period and city "
        "from folder and file names; flags give what the names do not say.",
    )
    scan.add_argument("folder", metavar="FOLDER")
    _entry_arguments(scan, required=False)
    scan.add_argument("--city-code", type=_city_code, help="fdi_city: the 6-digit city code")
    scan.set_defaults(handler=_catalog_scan)
    check = commands.add_parser(
        "check",
        help="dry run: run the release checks on releases not loaded yet, write nothing",
        description="Read every release of CATALOG (default CITYGVC_RELEASES) that is not "
        "loaded yet and run the release checks a refresh would, without writing the "
        "warehouse, landing/ or anything else under the data folder. Prints what would load "
        "(rows, the raw header of each column) and what would be quarantined and why. Exit "
        "status as the refresh: 0, 3 something would be quarantined, 2 catalog invalid.",
    )
    check.add_argument("catalog", nargs="?", metavar="CATALOG")
    check.set_defaults(handler=_check)


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
    _add_catalog_commands(commands)
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
