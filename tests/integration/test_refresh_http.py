"""The refresh against a catalog served over real HTTP: everything loads, a second refresh and
a sensor tick do nothing, and a catalog that grows by a new year, an ASIF revision and a
city-level yearbook revision gets exactly those three releases, with supersession as docs/catalog.md
says."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, RunsFilter, SkipReason

from orchestration.cli import refresh
from orchestration.defs.ingest.assets import PARTITIONS
from orchestration.defs.ingest.sensor import plan_run_requests
from orchestration.pipeline.batches import RANGE_END, RANGE_START
from orchestration.pipeline.refresh import EXIT_OK
from orchestration.settings import Settings
from tests.helpers import DONGGUAN, generate_catalog, hide_location_env, make_settings

FIRST = ["asif-2006-r1", "asif-2007-r1", "fdi_city-2015-r1"]
LATER = ["asif-2006-r2", "asif-2008-r1", "fdi_city-2015-r2"]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, dict]]:
    """A catalog root served on 127.0.0.1 whose catalog.json the test rewrites."""
    base = tmp_path_factory.mktemp("http")
    asif = generate_catalog(base / "asif", "--years", "2006-2008")
    fdi = generate_catalog(base / "fdi", "--years", "2015-2015")
    entries = {
        r["release_id"]: r
        for src in (asif, fdi)
        for r in json.loads((src / "catalog.json").read_text())["releases"]
    }
    root = base / "root"
    root.mkdir()
    (root / "asif").symlink_to(asif / "asif")
    (root / "fdi_city").symlink_to(fdi / "fdi_city")
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}/", entries
    finally:
        server.shutdown()


def _publish_catalog(root: Path, entries: dict, ids: list[str]) -> None:
    doc = {"catalog_version": 1, "releases": [entries[i] for i in ids]}
    (root / "catalog.json").write_text(json.dumps(doc))


def _ingested_partitions(settings: Settings) -> list[str]:
    """The release partitions Dagster recorded as materialized (one per loaded release)."""
    with DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        return sorted(
            key
            for asset in (["raw", "asif"], ["raw", "fdi_city"])
            for key in instance.get_materialized_partitions(AssetKey(asset))
        )


def _served(settings: Settings) -> Path:
    return settings.serve_dir / "citygvc.duckdb"


@pytest.mark.slow
def test_http_catalog_loads_then_grows_by_exactly_the_new_releases(
    served_root: tuple[Path, str, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, url, entries = served_root
    settings = make_settings(tmp_path, url)
    hide_location_env(monkeypatch, "restored-after-test")
    quiet = lambda _: None  # noqa: E731

    _publish_catalog(root, entries, FIRST)
    assert refresh(settings, echo=quiet) == EXIT_OK
    assert _ingested_partitions(settings) == sorted(FIRST)
    manifest = (settings.serve_dir / "manifest.json").read_bytes()

    # nothing new: no ingest, no publish, and the sensor (same plan) requests nothing
    assert refresh(settings, echo=quiet) == EXIT_OK
    assert _ingested_partitions(settings) == sorted(FIRST)
    assert (settings.serve_dir / "manifest.json").read_bytes() == manifest
    assert isinstance(plan_run_requests(settings), SkipReason)

    _publish_catalog(root, entries, FIRST + LATER)
    # The sensor asks for each dataset's new releases as one run, as the refresh below runs
    # them: a key range of neighbours, or one partition; but nothing while a run is busy.
    with DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        tick = plan_run_requests(
            settings,
            partitions_of=lambda dataset: instance.get_dynamic_partitions(PARTITIONS[dataset].name),
        )
    assert [
        (r.job_name, r.partition_key, r.tags.get(RANGE_START), r.tags.get(RANGE_END))
        for r in tick.run_requests
    ] == [
        ("ingest_asif", None, LATER[0], LATER[1]),
        ("ingest_fdi_city", LATER[2], None, None),
    ]
    busy = plan_run_requests(settings, busy=["a-queued-run"])
    assert isinstance(busy, SkipReason) and "a-queued-run" in str(busy.skip_message)
    assert refresh(settings, echo=quiet) == EXIT_OK
    assert _ingested_partitions(settings) == sorted(FIRST + LATER)
    # Each refresh ingested each dataset's new releases in one run (a partition range).
    with DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        for job, first, later in (
            ("ingest_asif", FIRST[:2], LATER[:2]),
            ("ingest_fdi_city", FIRST[2:], LATER[2:]),
        ):
            runs = instance.get_runs(RunsFilter(job_name=job), ascending=True)
            ranges = [(r.tags[RANGE_START], r.tags[RANGE_END]) for r in runs]
            assert ranges == [(first[0], first[-1]), (later[0], later[-1])]

    with duckdb.connect(str(_served(settings)), read_only=True) as con:
        status = dict(con.execute("select release_id, status from marts.dim_release").fetchall())
        dongguan_2015 = con.execute(
            "select distinct release_ids from marts.fct_city_indicators "
            "where source = 'fdi_city' and year = 2015 and city_code = ?",
            [DONGGUAN],
        ).fetchall()
        others_2015 = con.execute(
            "select distinct release_ids from marts.fct_city_indicators "
            "where source = 'fdi_city' and year = 2015 and city_code <> ?",
            [DONGGUAN],
        ).fetchall()
    assert status["asif-2006-r1"] == "superseded"
    assert status["asif-2006-r2"] == "loaded"
    # the city-level revision supersedes r1 for Dongguan only; r1 still supplies the others
    assert status["fdi_city-2015-r1"] == "loaded"
    assert dongguan_2015 == [("fdi_city-2015-r2",)]
    assert others_2015 == [("fdi_city-2015-r1",)]
