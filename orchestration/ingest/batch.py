"""Ingest several releases at once: land each, read and check them on their own in a pool of
worker processes sized to the cores, and finish each one — the comparison with the previous
release, then write or quarantine — in catalog order in this process, the warehouse's one
writer. A release is finished only after every release before it, so the previous release it
is compared with is already in the warehouse, exactly as when releases are ingested one by
one (`load.ingest_release`)."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

import duckdb

from orchestration.ingest.catalog import CatalogSource, Release
from orchestration.ingest.landing import LandedRelease
from orchestration.ingest.load import IngestOutcome, finish_release, land_release
from orchestration.ingest.prepare import Prepared, prepare_release
from orchestration.settings import Settings
from orchestration.warehouse.raw_store import clear_incoming

# A worker process costs about 3 s to start (imports of pandas, pyarrow and GX), about what
# reading and checking one national ASIF year costs (60 MB): a batch is read faster in this
# process below this many bytes (the demo catalog is 14 MB in all) or releases (measured at
# national scale: two releases took 9.7 s in two workers).
PARALLEL_MIN_BYTES = 32 * 2**20
PARALLEL_MIN_RELEASES = 4


def pool_size(releases: Sequence[Release]) -> int:
    """Worker processes for a batch: one per usable core, never more than the releases; 1
    (no pool: read in this process) for a batch too small to pay for starting workers."""
    size = sum(f.bytes for r in releases for f in r.files)
    if len(releases) < PARALLEL_MIN_RELEASES or size < PARALLEL_MIN_BYTES:
        return 1
    return min(len(os.sched_getaffinity(0)), len(releases))


def _prepared_in_order(
    landed: Sequence[LandedRelease], settings: Settings, workers: int
) -> Iterator[Prepared]:
    """Each landed release read and checked, in order; at most two per worker in flight so
    finished frames do not pile up in memory while the writer catches up."""
    if workers <= 1:
        for release in landed:
            yield prepare_release(release, settings)
        return
    # spawn, not fork: this process holds DuckDB and Dagster threads a fork would copy mid-lock.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[Prepared]] = deque()
        queue = iter(landed)
        for release in queue:
            pending.append(pool.submit(prepare_release, release, settings))
            if len(pending) >= 2 * workers:
                break
        while pending:
            yield pending.popleft().result()
            following = next(queue, None)
            if following is not None:
                pending.append(pool.submit(prepare_release, following, settings))


def ingest_releases(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    source: CatalogSource,
    releases: Sequence[Release],
    *,
    code_fingerprint: str | None = None,
    workers: int | None = None,
) -> Iterator[IngestOutcome]:
    """Ingest `releases` (catalog order) into the warehouse open on `con`; one outcome per
    release, in that order. `workers`: processes reading and checking (default: the cores)."""
    clear_incoming(settings.raw_dir)
    ingests, landed, outcomes = {}, [], {}
    for release in releases:
        ingest, result = land_release(con, settings, source, release, code_fingerprint)
        if isinstance(result, IngestOutcome):
            outcomes[release.release_id] = result
        else:
            ingests[release.release_id] = ingest
            landed.append(result)
    workers = pool_size([x.release for x in landed]) if workers is None else workers
    prepared = _prepared_in_order(landed, settings, workers)
    for release in releases:
        if release.release_id in outcomes:
            yield outcomes[release.release_id]
        else:
            yield finish_release(ingests[release.release_id], next(prepared))
