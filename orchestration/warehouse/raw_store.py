"""A loaded release's raw rows as files: Parquet written into a private folder under
`raw/.incoming` by the process that read the release (a worker or the writer), then moved to
`raw/<dataset>/<release_id>/` in one rename when the writer records the release as loaded.

A folder in place is never written to again (its files are read-only). Re-ingesting a release
replaces its whole folder, and quarantining it moves the folder out. Either step is undone
when the warehouse transaction that records it fails.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from orchestration.warehouse.schema import raw_release_dir, raw_typed_sql

INCOMING = ".incoming"


@dataclass(frozen=True)
class StagedRaw:
    """Raw rows of a release written and waiting for the writer: its folder and row count."""

    dataset: str
    release_id: str
    folder: Path
    rows: int


def staging_folder(raw_dir: Path, release_id: str) -> Path:
    """A new folder for a release's raw files, readable by its owner only (like every folder
    under raw/: ASIF microdata are licensed)."""
    incoming = raw_dir / INCOMING
    for folder in (raw_dir, incoming):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
    return Path(tempfile.mkdtemp(prefix=f"{release_id}.", dir=incoming))


def write_part(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    index: int,
    dataset: str,
    select_sql: str,
    params: dict[str, Any] | None = None,
) -> None:
    """Write the rows of `select_sql` (every raw column of `dataset`, in the order to keep)
    as the folder's `index`-th part, cast to the raw types."""
    path = str(folder / f"part-{index:05d}.parquet").replace("'", "''")
    con.execute(
        f"copy (select {raw_typed_sql(dataset)} from ({select_sql})) "
        f"to '{path}' (format parquet, compression zstd)",
        params,
    )


def discard(staged: StagedRaw | None) -> None:
    """Delete raw files that will not be loaded (the release failed a later check)."""
    if staged is not None:
        shutil.rmtree(staged.folder, ignore_errors=True)


def clear_incoming(raw_dir: Path) -> None:
    """Delete what an interrupted ingest left in `raw/.incoming` (only one writer ingests at
    a time, so nothing there belongs to a running ingest when the next one starts)."""
    shutil.rmtree(raw_dir / INCOMING, ignore_errors=True)


def _set_aside(folder: Path, raw_dir: Path) -> Path | None:
    if not folder.exists():
        return None
    aside = staging_folder(raw_dir, f"{folder.name}.replaced")
    aside.rmdir()
    folder.rename(aside)
    return aside


@contextmanager
def installed(raw_dir: Path, staged: StagedRaw) -> Iterator[None]:
    """Move `staged` into place (its files read-only, for their owner only), replacing the
    release's former folder; restore the former one if the body raises."""
    target = raw_release_dir(raw_dir, staged.dataset, staged.release_id)
    target.parent.mkdir(mode=0o700, exist_ok=True)
    former = _set_aside(target, raw_dir)
    staged.folder.rename(target)
    for part in target.iterdir():
        part.chmod(0o400)
    try:
        yield
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        if former is not None:
            former.rename(target)
        raise
    if former is not None:
        shutil.rmtree(former, ignore_errors=True)


@contextmanager
def removed(raw_dir: Path, dataset: str, release_id: str) -> Iterator[None]:
    """Move a release's folder out (if it has one); put it back if the body raises."""
    target = raw_release_dir(raw_dir, dataset, release_id)
    former = _set_aside(target, raw_dir)
    try:
        yield
    except BaseException:
        if former is not None:
            former.rename(target)
        raise
    if former is not None:
        shutil.rmtree(former, ignore_errors=True)
