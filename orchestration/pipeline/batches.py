"""Which runs ingest a set of new releases — shared by the refresh and the catalog sensor.

Each release is its own dynamic partition; one Dagster run ingests one key range of a
dataset's partitions (the ingest assets' `BackfillPolicy.single_run`), and a range cannot skip
a partition in between. So the new releases of a dataset go as runs of neighbours in the
partitions' order: one run when they are all new (they are appended at the end), more when a
loaded partition lies between two of them (a retried quarantine).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from orchestration.ingest.catalog import Release

# The run tags of a partition-range run (Dagster's own names; not exported publicly).
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


@dataclass(frozen=True)
class IngestBatch:
    """One ingest run: a dataset's neighbouring partitions, in the partitions' order."""

    dataset: str
    releases: tuple[Release, ...]

    @property
    def keys(self) -> list[str]:
        return [r.release_id for r in self.releases]

    def range_tags(self) -> dict[str, str]:
        return {RANGE_START: self.releases[0].release_id, RANGE_END: self.releases[-1].release_id}

    def run_key(self, code_fingerprint: str) -> str:
        """The same releases with the same content under the same code: the same key, so a
        sensor asks for a batch once (a new content or code is a new key: a retry)."""
        content = "\n".join(f"{r.release_id}:{r.content_sha256}" for r in self.releases)
        digest = hashlib.sha256(content.encode()).hexdigest()[:16]
        return f"ingest:{self.keys[0]}..{self.keys[-1]}:{digest}:{code_fingerprint[:12]}"


def partition_batches(partitions: Sequence[str], todo: Sequence[str]) -> list[list[str]]:
    """`todo` as runs of neighbours in the partitions' order."""
    wanted, batches, current = set(todo), [], []
    for key in partitions:
        if key in wanted:
            current.append(key)
        elif current:
            batches.append(current)
            current = []
    return batches + ([current] if current else [])


def ingest_batches(
    todo: Sequence[Release], partitions_of: Callable[[str], Sequence[str]]
) -> list[IngestBatch]:
    """The runs that ingest `todo`, dataset by dataset (sorted). `partitions_of(dataset)`: the
    dataset's partitions as Dagster keeps them; a new release not among them yet is appended
    in `todo`'s order, as adding it does."""
    batches = []
    for dataset in sorted({r.dataset for r in todo}):
        by_id = {r.release_id: r for r in todo if r.dataset == dataset}
        known = list(partitions_of(dataset))
        seen = set(known)
        order = known + [k for k in by_id if k not in seen]
        batches += [
            IngestBatch(dataset, tuple(by_id[k] for k in keys))
            for keys in partition_batches(order, list(by_id))
        ]
    return batches
