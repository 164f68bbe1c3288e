"""The refresh both triggers share: `citygvc refresh` (what `make run` calls) and the daily
schedule's refresh job.

In process, no daemon: recover runs left by a dead process, read and validate the catalog,
ingest each new release as its own partition run, then — if the inputs of the marts changed —
run the transform-and-publish job once. The jobs come from the caller (the command line builds
the code location; the refresh job resolves them from the location it runs in), so this module
never imports the Dagster definitions.

Exit status: 0 every release loaded (or nothing to do); 3 some releases of the catalog are
quarantined or rejected (the good ones are published); 2 the catalog is invalid or
unreachable; 1 any other failure.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster
import duckdb
from dagster import DagsterInstance, ExecuteInProcessResult, JobDefinition

from orchestration.ingest.catalog import CatalogError, open_catalog, validate_catalog
from orchestration.ingest.load import record_rejections
from orchestration.pipeline.plan import (
    publish_fingerprint,
    published_fingerprint,
    recorded_releases,
    releases_to_ingest,
    write_state,
)
from orchestration.settings import Settings
from orchestration.warehouse.dbt import code_fingerprint, prepare_manifest
from orchestration.warehouse.run_hygiene import process_tags, recover_dead_runs
from orchestration.warehouse.schema import connect

EXIT_OK, EXIT_FAILURE, EXIT_CATALOG, EXIT_QUARANTINED = 0, 1, 2, 3
INGEST_JOB_NAMES = {"asif": "ingest_asif", "fdi_city": "ingest_fdi_city"}
TRANSFORM_JOB_NAME = "transform_and_publish"
JobResolver = Callable[[str], JobDefinition]


@dataclass
class RefreshReport:
    ingested: list[str] = field(default_factory=list)
    quarantined: dict[str, str] = field(default_factory=dict)
    rejected: list[tuple[str | None, str]] = field(default_factory=list)
    published: bool = False
    transform_failed: str | None = None
    ingest_errors: dict[str, str] = field(default_factory=dict)


def ensure_demo_catalog(settings: Settings, echo: Callable[[str], None]) -> None:
    """With CITYGVC_RELEASES unset and an empty releases folder, generate the demo catalog by
    running the sample generator's command (the product never imports the generator)."""
    folder = Path(settings.releases)
    if not settings.releases_is_default or (folder / "catalog.json").exists():
        return
    echo(f"generating the demo sample catalog in {folder} …")
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "tools.sample_releases", "--out", str(folder)], check=True
    )


def prepare_refresh(settings: Settings, echo: Callable[[str], None]) -> None:
    """What must exist before the code location loads: the data folders, DAGSTER_HOME, the
    releases (the demo catalog when none are configured) and the dbt manifest."""
    settings.prepare()
    settings.export_env()
    ensure_demo_catalog(settings, echo)
    prepare_manifest()


def run_refresh(
    settings: Settings,
    resolve_job: JobResolver,
    retry: str | None = None,
    echo: Callable[[str], None] = print,
    instance: DagsterInstance | None = None,
) -> int:
    prepare_refresh(settings, echo)
    instance = instance or dagster.DagsterInstance.get()
    for run_id in recover_dead_runs(instance):
        echo(f"marked run {run_id} failed: its process is gone")

    report = RefreshReport()
    try:
        source = open_catalog(settings.releases)
        doc = source.read_catalog()
        echo(f"catalog: {source.describe()}")
        code_fp = code_fingerprint()
        with connect(settings.warehouse_path) as con:
            recorded = recorded_releases(con)
            loaded = {k: v.sha256 for k, v in recorded.items() if v.status == "loaded"}
            releases, rejections = validate_catalog(doc, loaded)
            record_rejections(con, rejections, code_fingerprint=code_fp)
            write_state(con, settings)
    except CatalogError as exc:
        echo(f"catalog rejected: {exc}")
        return EXIT_CATALOG
    report.rejected = [(r.raw_release_id, f"{r.reason}: {r.detail}") for r in rejections]
    todo = releases_to_ingest(releases, recorded, code_fp, retry)
    echo(
        f"{len(releases)} valid catalog entries, {len(rejections)} rejected, {len(todo)} to ingest"
    )

    for dataset, job_name in INGEST_JOB_NAMES.items():
        keys = [r.release_id for r in todo if r.dataset == dataset]
        if keys:
            instance.add_dynamic_partitions(resolve_job(job_name).partitions_def.name, keys)
    for release in todo:
        job = resolve_job(INGEST_JOB_NAMES[release.dataset])
        result = job.execute_in_process(
            instance=instance,
            partition_key=release.release_id,
            tags=process_tags(),
            raise_on_error=False,
        )
        with connect(settings.warehouse_path) as con:
            status = con.execute(
                "select status from ops.releases where release_id = ? and code_fingerprint = ?",
                [release.release_id, code_fp],
            ).fetchone()
        if status is None:
            # Neither loaded nor quarantined: the ingest broke (catalog unreachable, GX could
            # not evaluate, a bug). Nothing was recorded, so the next refresh retries it.
            error_class, message = _step_error(result)
            report.ingest_errors[release.release_id] = f"{error_class}: {message}"
            echo(f"  {release.release_id}: FAILED ({error_class}: {message})")
        else:
            echo(f"  {release.release_id}: {status[0]}")

    with connect(settings.warehouse_path) as con:
        recorded = recorded_releases(con)
        write_state(con, settings)
    catalog_ids = {r.release_id for r in releases}
    report.quarantined = _quarantine_reasons(settings, catalog_ids)
    fingerprint = publish_fingerprint(recorded, code_fp, settings)
    if fingerprint != published_fingerprint(settings):
        echo("inputs changed: building staging → intermediate → marts, checking, publishing …")
        result = resolve_job(TRANSFORM_JOB_NAME).execute_in_process(
            instance=instance, tags=process_tags(), raise_on_error=False
        )
        if not result.success:
            report.transform_failed = _failure_message(result)
        else:
            report.published = True
    else:
        echo("nothing changed since the last publish (fingerprint unchanged)")
    _print_summary(settings, report, echo)
    if any(e.startswith(("CatalogError", "FetchError")) for e in report.ingest_errors.values()):
        return EXIT_CATALOG
    if report.transform_failed or report.ingest_errors:
        return EXIT_FAILURE
    if report.quarantined or report.rejected:
        return EXIT_QUARANTINED
    return EXIT_OK


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


def _print_summary(settings: Settings, report: RefreshReport, echo: Callable[[str], None]) -> None:
    manifest_path = settings.serve_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    echo("")
    echo("── citygvc refresh summary ──")
    statuses = {}
    if (settings.serve_dir / "citygvc.duckdb").exists():
        with duckdb.connect(str(settings.serve_dir / "citygvc.duckdb"), read_only=True) as pub:
            statuses = dict(
                pub.execute(
                    "select status, count(*) from marts.dim_release group by status"
                ).fetchall()
            )
    echo(
        f"releases: loaded {statuses.get('loaded', 0)}, superseded "
        f"{statuses.get('superseded', 0)}, quarantined {statuses.get('quarantined', 0)}"
    )
    for rid, reason in report.quarantined.items():
        echo(f"  quarantined {rid}: {reason}")
    for rid, error in report.ingest_errors.items():
        echo(f"  not ingested {rid} (retried next refresh): {error}")
    for rid, reason in report.rejected:
        echo(f"  rejected catalog entry {rid!r}: {reason}")
    if report.transform_failed:
        echo(
            f"transform FAILED, nothing published (last good publish kept): "
            f"{report.transform_failed}"
        )
    for table, rows in sorted(manifest.get("row_counts", {}).items()):
        echo(f"  {table}: {rows} rows")
    publish_id, fingerprint = manifest.get("publish_id", "-"), manifest.get("fingerprint", "-")
    unchanged = "" if report.published else " (unchanged)"
    echo(f"publish: {publish_id}  fingerprint {fingerprint}{unchanged}")
    echo(
        f"BI tools connect to: {settings.serve_dir / 'citygvc.duckdb'} (read only, schema marts)"
        f" or {settings.serve_dir / 'parquet'}/<table>.parquet"
    )
