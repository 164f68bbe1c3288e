"""The publish asset: write-audit-publish of the checked marts to serve/ (docs/marts.md)."""

import json
import time

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.defs.phases import record_step_phases
from orchestration.defs.publish.metadata import (
    data_quality_metadata,
    headline_metadata,
    releases_since_last_publish,
)
from orchestration.defs.resources import CitygvcSettings
from orchestration.pipeline.plan import (
    publish_fingerprint,
    published_fingerprint,
    recorded_releases,
)
from orchestration.warehouse.dbt import code_fingerprint, parsed_manifest
from orchestration.warehouse.schema import connect
from orchestration.warehouse.timings import PUBLISH_PHASE


def mart_keys() -> list[AssetKey]:
    manifest = parsed_manifest()
    return sorted(
        AssetKey(["marts", node["name"]])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "marts" in node["fqn"]
    )


def mart_docs() -> dict[str, dict]:
    manifest = parsed_manifest()
    return {
        node["name"]: {
            "description": node.get("description", ""),
            "columns": {c: v.get("description", "") for c, v in node.get("columns", {}).items()},
        }
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "marts" in node["fqn"]
    }


@asset(
    key=["serve", "published_marts"],
    deps=mart_keys(),
    group_name="publish",
    pool="warehouse",
    description="The marts as BI tools read them: `serve/citygvc.duckdb` (DuckDB 1.x format) "
    "`serve/parquet/<table>.parquet` and the researcher exports in `serve/exports/`, swapped "
    "in atomically after every blocking check passed.",
    kinds={"duckdb", "parquet"},
)
def published_marts(context: AssetExecutionContext, citygvc: CitygvcSettings) -> MaterializeResult:
    # The exports pull in Arrow and NumPy: imported in the run that publishes, so
    # loading the definitions (UI, sensors, every run worker) stays fast.
    from orchestration.warehouse.publish import build_version, swap_in

    settings = citygvc.get()
    start = time.perf_counter()
    with connect(settings.warehouse_path) as con:
        recorded = recorded_releases(con)
        fingerprint = publish_fingerprint(recorded, code_fingerprint(), settings)
        if fingerprint == published_fingerprint(settings):
            context.log.info("fingerprint unchanged: nothing to publish")
            return MaterializeResult(metadata={"fingerprint": fingerprint, "published": False})
        releases = [
            {"release_id": r.release_id, "sha256": r.sha256, "status": r.status}
            for r in sorted(recorded.values(), key=lambda r: r.release_id)
        ]
        loaded_ids = [r["release_id"] for r in releases if r["status"] == "loaded"]
        new_ids = releases_since_last_publish(settings, loaded_ids)  # before the swap
        version_dir, manifest = build_version(con, settings, fingerprint, releases, mart_docs())
        swap_in(settings, version_dir, manifest)
        monitor = {**headline_metadata(con, settings), **data_quality_metadata(con, new_ids)}
        con.execute(
            "insert or replace into ops.publishes values (?, ?, now(), ?)",
            [manifest["publish_id"], fingerprint, json.dumps(manifest, sort_keys=True)],
        )
        seconds = time.perf_counter() - start
        record_step_phases(con, context, {PUBLISH_PHASE: seconds})
    quarantined = sorted(r.release_id for r in recorded.values() if r.status == "quarantined")
    return MaterializeResult(
        metadata={
            "published": True,
            "publish_id": manifest["publish_id"],
            "fingerprint": fingerprint,
            "row_counts": MetadataValue.json(manifest["row_counts"]),
            "releases_loaded": len([r for r in releases if r["status"] == "loaded"]),
            "releases_quarantined": MetadataValue.json(quarantined),
            "served_file": MetadataValue.path(str(settings.serve_dir / "citygvc.duckdb")),
            "publish_seconds": round(seconds, 3),
            **monitor,
        }
    )
