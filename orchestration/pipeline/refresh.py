"""The refresh both triggers share: `citygvc refresh` (what `make run` calls) and the daily
schedule's refresh job.

In process, no daemon: recover runs left by a dead process, read and validate the catalog,
ingest the new releases (one run per dataset for the batch of new partitions, each release
its own partition), then — if the inputs of the marts changed —
run the transform-and-publish job once. The jobs come from the caller (the command line builds
the code location; the refresh job resolves them from the location it runs in), so this module
never imports the Dagster definitions.

Exit status: 0 every release loaded (or nothing to do); 3 some releases of the catalog are
quarantined or rejected (the good ones are published); 2 the catalog is invalid or
unreachable; 1 any other failure.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster
from dagster import DagsterInstance, ExecuteInProcessResult, JobDefinition

from orchestration.ingest.batch import WORKER_MODULES as INGEST_WORKER_MODULES
from orchestration.ingest.catalog import CatalogError, Release, open_catalog, validate_catalog
from orchestration.ingest.load import record_rejections
from orchestration.pipeline.batches import IngestBatch, ingest_batches
from orchestration.pipeline.console import Console
from orchestration.pipeline.job_names import INGEST_JOB_NAMES, TRANSFORM_JOB_NAME
from orchestration.pipeline.plan import (
    any_loaded,
    publish_fingerprint,
    published_fingerprint,
    recorded_releases,
    releases_to_ingest,
    write_state,
)
from orchestration.pipeline.progress import BAR_LABEL, TransformProgress, dbt_node_count
from orchestration.pipeline.summary import RefreshReport, print_summary
from orchestration.settings import Settings
from orchestration.warehouse.dbt import code_fingerprint, prepare_manifest
from orchestration.warehouse.dbt_runner import warm_up_for_refresh
from orchestration.warehouse.processes import start_server, stop_server
from orchestration.warehouse.run_hygiene import process_tags, recover_dead_runs
from orchestration.warehouse.run_retention import compact, delete_old_runs, sqlite_files
from orchestration.warehouse.schema import connect
from orchestration.warehouse.timings import REFRESH_TAG

EXIT_OK, EXIT_FAILURE, EXIT_CATALOG, EXIT_QUARANTINED = 0, 1, 2, 3
INGEST_BAR = "ingest: releases"
JobResolver = Callable[[str], JobDefinition]
# What the refresh's worker pools run: releases read and checked, the disclosure step, the
# exports. The worker server imports them once (orchestration.warehouse.processes).
WORKER_MODULES = (
    *INGEST_WORKER_MODULES,
    "orchestration.disclosure.step",
    "orchestration.warehouse.exports.build",
)


@dataclass
class _Plan:
    releases: list[Release]
    todo: list[Release]
    code_fp: str


def new_refresh_id() -> str:
    return f"{datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def ensure_demo_catalog(settings: Settings, echo: Callable[[str], None]) -> None:
    """With CITYGVC_RELEASES unset and an empty releases folder, generate the demo catalog by
    running the sample generator's command (the product never imports the generator). Its
    output goes to this process's stdout (the log file while a refresh captures it)."""
    folder = Path(settings.releases)
    if not settings.releases_is_default or (folder / "catalog.json").exists():
        return
    echo(f"generating the demo sample catalog in {folder} …")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "tools.sample_releases", "--out", str(folder)],
        capture_output=True,
        text=True,
    )
    sys.stdout.write(done.stdout + done.stderr)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
        raise RuntimeError(f"the sample generator failed: {' '.join(tail)}")


def prepare_refresh(settings: Settings, echo: Callable[[str], None]) -> None:
    """What must exist before the code location loads: the data folders, DAGSTER_HOME, the
    releases (the demo catalog when none are configured) and the dbt manifest."""
    settings.prepare()
    settings.export_env()
    ensure_demo_catalog(settings, echo)
    prepare_manifest(settings)


def start_workers(settings: Settings) -> None:
    """Start the worker server now, so that its imports (≈ 5 s of CPU) overlap the refresh's
    own start-up instead of delaying the first pool. The settings are exported first: the
    server's imports see the refresh's environment."""
    settings.export_env()
    start_server(WORKER_MODULES)


def run_refresh(
    settings: Settings,
    resolve_job: JobResolver,
    retry: str | None = None,
    echo: Callable[[str], None] = print,
    instance: DagsterInstance | None = None,
    console: Console | None = None,
) -> int:
    """The refresh; progress and summary go to `console` (default: plain lines to `echo`)."""
    console = console or Console(echo)
    with console.captured():
        start_workers(settings)
    try:
        return _refresh(settings, resolve_job, retry, instance, console)
    finally:
        stop_server()


def _refresh(
    settings: Settings,
    resolve_job: JobResolver,
    retry: str | None,
    instance: DagsterInstance | None,
    console: Console,
) -> int:
    with console.captured():
        prepare_refresh(settings, console.line)
        instance = instance or dagster.DagsterInstance.get()
        for run_id in recover_dead_runs(instance):
            console.line(f"marked run {run_id} failed: its process is gone")
    report = RefreshReport(refresh_id=new_refresh_id())
    tags = {**process_tags(), REFRESH_TAG: report.refresh_id}
    plan = _plan(settings, retry, report, console)
    if plan is None:
        return EXIT_CATALOG
    if plan.todo:  # new releases: dbt's start overlaps their ingest
        warm_up_for_refresh(settings)
    _ingest_all(settings, resolve_job, instance, plan, report, console, tags)
    _transform(settings, resolve_job, instance, plan, report, console, tags)
    print_summary(settings, report, console.line, console.log_path)
    prune_run_history(settings, instance, console, datetime.now(UTC))
    return _exit_status(report)


def prune_run_history(
    settings: Settings, instance: DagsterInstance, console: Console, now: datetime
) -> None:
    """The retention job's work (orchestration/defs/retention.py), so that a deployment that
    runs `citygvc refresh` from cron, without the daemon, keeps its run history bounded too."""
    with console.captured():
        deleted = delete_old_runs(instance, settings.keep_runs_days, now)
        if not deleted:
            return
        for path in sqlite_files(instance):
            # busy for a minute (a daemon or web server): the next refresh compacts it
            with contextlib.suppress(sqlite3.OperationalError):
                compact(path)
    console.line(f"deleted {len(deleted)} Dagster runs older than {settings.keep_runs_days} days")


def _exit_status(report: RefreshReport) -> int:
    if any(e.startswith(("CatalogError", "FetchError")) for e in report.ingest_errors.values()):
        return EXIT_CATALOG
    if report.transform_failed or report.ingest_errors:
        return EXIT_FAILURE
    if report.quarantined or report.rejected:
        return EXIT_QUARANTINED
    return EXIT_OK


def _plan(
    settings: Settings, retry: str | None, report: RefreshReport, console: Console
) -> _Plan | None:
    """Read and validate the catalog against the warehouse's record; None if it is invalid."""
    try:
        with console.captured():
            source = open_catalog(settings.releases)
            doc = source.read_catalog()
            code_fp = code_fingerprint()
            with connect(settings.warehouse_path) as con:
                recorded = recorded_releases(con)
                loaded = {k: v.sha256 for k, v in recorded.items() if v.status == "loaded"}
                releases, rejections = validate_catalog(doc, loaded)
                record_rejections(con, rejections, code_fingerprint=code_fp)
                write_state(con, settings)
    except CatalogError as exc:
        console.line(f"catalog rejected: {exc}")
        return None
    console.line(f"catalog: {source.describe()}")
    report.rejected = [(r.raw_release_id, f"{r.reason}: {r.detail}") for r in rejections]
    todo = releases_to_ingest(releases, recorded, code_fp, retry)
    console.line(
        f"{len(releases)} valid catalog entries, {len(rejections)} rejected, {len(todo)} to ingest"
    )
    return _Plan(releases, todo, code_fp)


def _ingest_batches(
    resolve_job: JobResolver, instance: DagsterInstance, todo: list[Release]
) -> list[IngestBatch]:
    """The runs that ingest `todo` (orchestration.pipeline.batches), their partitions added."""
    names = {}
    for dataset in sorted({r.dataset for r in todo}):
        names[dataset] = resolve_job(INGEST_JOB_NAMES[dataset]).partitions_def.name
        instance.add_dynamic_partitions(
            names[dataset], [r.release_id for r in todo if r.dataset == dataset]
        )
    return ingest_batches(todo, lambda dataset: instance.get_dynamic_partitions(names[dataset]))


def _ingest_all(
    settings: Settings,
    resolve_job: JobResolver,
    instance: DagsterInstance,
    plan: _Plan,
    report: RefreshReport,
    console: Console,
    tags: dict[str, str],
) -> None:
    """One run per batch of new releases, one line per release as its batch ends."""
    started, done = time.monotonic(), 0
    by_id = {r.release_id: r for r in plan.todo}
    for batch in _ingest_batches(resolve_job, instance, plan.todo):
        with console.captured():
            result = resolve_job(INGEST_JOB_NAMES[batch.dataset]).execute_in_process(
                instance=instance, tags={**tags, **batch.range_tags()}, raise_on_error=False
            )
        for key in batch.keys:
            console.line(_release_line(settings, by_id[key], plan.code_fp, result, report))
            done += 1
            console.bar(INGEST_BAR, done, len(plan.todo), started)
    console.done(INGEST_BAR)
    with connect(settings.warehouse_path) as con:
        write_state(con, settings)
    report.quarantined = _quarantine_reasons(settings, {r.release_id for r in plan.releases})


def _release_line(
    settings: Settings,
    release: Release,
    code_fp: str,
    result: ExecuteInProcessResult,
    report: RefreshReport,
) -> str:
    with connect(settings.warehouse_path) as con:
        recorded = con.execute(
            "select status, status_reason, rows_loaded from ops.releases "
            "where release_id = ? and code_fingerprint = ?",
            [release.release_id, code_fp],
        ).fetchone()
    if recorded is None:
        # Neither loaded nor quarantined: the ingest broke (catalog unreachable, GX could
        # not evaluate, a bug). Nothing was recorded, so the next refresh retries it.
        error_class, message = _step_error(result)
        report.ingest_errors[release.release_id] = f"{error_class}: {message}"
        return f"  {release.release_id}: FAILED ({error_class}: {message})"
    status, reason, rows = recorded
    if status == "loaded":
        report.ingested.append(release.release_id)
        return f"  {release.release_id}: loaded ({rows or 0:,} rows)"
    return f"  {release.release_id}: {status}: {reason}"


def _transform(
    settings: Settings,
    resolve_job: JobResolver,
    instance: DagsterInstance,
    plan: _Plan,
    report: RefreshReport,
    console: Console,
    tags: dict[str, str],
) -> None:
    """Build, check and publish once if the inputs of the marts changed."""
    with connect(settings.warehouse_path) as con:
        recorded = recorded_releases(con)
    if not any_loaded(recorded):
        # Every release quarantined (or none listed): nothing to build. Running dbt and its
        # gates on an empty warehouse would only report the empty tables as a failure.
        report.nothing_loaded = True
        console.line("nothing loaded: no release passed its checks, nothing to build or publish")
        return
    fingerprint = publish_fingerprint(recorded, plan.code_fp, settings)
    if fingerprint == published_fingerprint(settings):
        console.line("nothing changed since the last publish (fingerprint unchanged)")
        return
    console.line("inputs changed: building staging → intermediate → marts, checking, publishing …")
    run_id = str(uuid.uuid4())
    progress = TransformProgress(console, dbt_node_count())
    instance.add_event_listener(run_id, progress)
    with console.captured():
        result = resolve_job(TRANSFORM_JOB_NAME).execute_in_process(
            instance=instance, tags=tags, run_id=run_id, raise_on_error=False
        )
    console.done(BAR_LABEL)
    if not result.success:
        report.transform_failed = _failure_message(result)
    else:
        report.published = True


def _quarantine_reasons(settings: Settings, catalog_ids: set[str]) -> dict[str, str]:
    with connect(settings.warehouse_path) as con:
        rows = con.execute(
            "select release_id, status_reason from ops.releases where status = 'quarantined' "
            "order by release_id"
        ).fetchall()
    return {rid: reason for rid, reason in rows if rid in catalog_ids}


def _step_error(result: ExecuteInProcessResult) -> tuple[str, str]:
    for event in result.all_events:
        if event.is_step_failure and event.event_specific_data.error is not None:
            error = event.event_specific_data.error
            while error.cause is not None and error.cls_name.startswith("Dagster"):
                error = error.cause
            return error.cls_name, error.message.strip()
    return "Error", "ingest run failed"


def _failure_message(result) -> str:
    failures = []
    for event in result.all_events:
        if event.is_step_failure:
            failures.append(event.message or event.step_key or "step failed")
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                failures.append(
                    f"check {evaluation.check_name} on "
                    f"{evaluation.asset_key.to_user_string()} failed"
                )
    return "; ".join(failures[:5]) or "transform job failed"
