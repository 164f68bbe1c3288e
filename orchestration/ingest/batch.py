"""Ingest several releases at once: land each, read and check them on their own in a pool of
worker processes sized to the cores, and finish each one — the comparison with the previous
release, then write or quarantine — in catalog order in this process, the warehouse's one
writer. A release is finished only after every release before it, so the previous release it
is compared with is already in the warehouse, exactly as when releases are ingested one by
one (`load.ingest_release`)."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future

import duckdb

from orchestration.ingest.catalog import CatalogSource, Release
from orchestration.ingest.landing import LandedRelease
from orchestration.ingest.load import IngestOutcome, finish_release, land_release
from orchestration.ingest.prepare import Prepared, prepare_release
from orchestration.settings import Settings
from orchestration.warehouse.processes import worker_pool
from orchestration.warehouse.raw_store import clear_incoming

# What a worker imports to read and check releases: the worker server imports it once
# (orchestration.warehouse.processes), not each worker (≈ 5 s of CPU each, GX most of it).
WORKER_MODULES = ("orchestration.ingest.prepare", "great_expectations")
# A batch of this many releases or more is read in workers: one forked from the warm server
# starts in milliseconds (≈ 0.3 s to its first GX result), and this process then never
# imports GX during the ingest (≈ 2 s). Spawned workers cost 3–5 s each to start, so until
# 2026-12-07 a batch needed 4 releases and 32 MB to be worth them.
PARALLEL_MIN_RELEASES = 2


def pool_size(releases: Sequence[Release]) -> int:
    """Worker processes for a batch: one per usable core, never more than the releases; 1
    (no pool: read in this process) for a single release."""
    if len(releases) < PARALLEL_MIN_RELEASES:
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
    with worker_pool(workers, WORKER_MODULES) as pool:
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
