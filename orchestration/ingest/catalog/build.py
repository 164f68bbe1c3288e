"""Catalog entries written from files on disk (`citygvc catalog add` and `scan`, docs/catalog.md).

Each file is described by its path relative to the catalog root, its format (from the
extension), sha256 and size, and merged into the newest release of its dataset and period:
- a file listed already with the same sha256 changes nothing;
- when that release was never ingested (absent from the writer's record, state.json) it is
  updated in place;
- when it was ingested (loaded or quarantined) it is never edited: a new revision `r+1` is
  written instead. An `asif` revision replaces the whole year, so it carries every file of
  the release it supersedes; an `fdi_city` revision supersedes per city, so it carries only
  the new or changed city tables.
The document is validated with `validate_catalog` and written atomically (temp + rename);
entries it does not touch are kept as they are.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.ingest.catalog.model import (
    CATALOG_FILE,
    CATALOG_VERSION,
    CatalogError,
    EntryInvalid,
    Rejection,
)
from orchestration.ingest.catalog.sources import file_sha256
from orchestration.ingest.catalog.validate import (
    check_relative_path,
    parse_catalog_bytes,
    validate_catalog,
)

FORMAT_BY_SUFFIX = {
    ".dta": "dta",
    ".csv": "csv",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
    ".xls": "xls",
    ".tsv": "csv",
}
# Text files beside the data are mostly notes (说明.txt): a scan leaves them out, and a .txt
# named on purpose (Excel's "Unicode Text" saves one) is added as csv.
NAMED_ONLY_SUFFIX = {".txt": "csv"}


class CatalogBuildError(Exception):
    """The files cannot be added as asked (outside the root, unknown format, a conflict)."""


@dataclass(frozen=True)
class NewFile:
    """A file to list: where it is, and what the user or the scan says it holds."""

    path: Path
    dataset: str
    period: int
    city_code: str | None = None


@dataclass(frozen=True)
class Change:
    """What adding files did to one release: `action` is "new release", "updated",
    "new revision" or "unchanged"; `files` the catalog paths it concerned."""

    release_id: str
    action: str
    files: tuple[str, ...]
    supersedes: str | None = None


def relative_path(root: Path, path: Path) -> str:
    """The catalog path of `path` (a file under `root`), checked against the path rules."""
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise CatalogBuildError(
            f"{path} is not under the catalog root {root}: copy or move it there first"
        ) from None
    try:
        return check_relative_path(rel)
    except EntryInvalid as exc:
        raise CatalogBuildError(f"{path}: {exc.detail}; rename the file or folder") from None


def file_format(path: Path) -> str:
    known = FORMAT_BY_SUFFIX | NAMED_ONLY_SUFFIX
    fmt = known.get(path.suffix.lower())
    if fmt is None:
        raise CatalogBuildError(
            f"{path}: unknown format {path.suffix!r} (one of {', '.join(known)})"
        )
    return fmt


def file_entry(root: Path, new: NewFile) -> dict[str, Any]:
    """The catalog file entry of `new`: path, format, sha256, bytes (and city_code)."""
    if not new.path.is_file():
        raise CatalogBuildError(f"{new.path}: no such file")
    entry: dict[str, Any] = {
        "path": relative_path(root, new.path),
        "format": file_format(new.path),
        "sha256": file_sha256(new.path),
        "bytes": new.path.stat().st_size,
    }
    if new.dataset == "fdi_city":
        if new.city_code is None:
            raise CatalogBuildError(f"{new.path}: an fdi_city file needs --city-code (6 digits)")
        entry["city_code"] = new.city_code
    return entry


def load_catalog_doc(root: Path) -> dict[str, Any]:
    """The catalog in `root` as a document to update (a new one when there is none)."""
    path = root / CATALOG_FILE
    if not path.exists():
        return {"catalog_version": CATALOG_VERSION, "releases": []}
    return parse_catalog_bytes(path.read_bytes(), str(path))


def listed_files(doc: Mapping[str, Any]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Catalog path → (release entry, file entry) of its newest listing."""
    found: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for entry in sorted(_entries(doc), key=_revision):
        for item in entry.get("files") or []:
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                found[item["path"]] = (entry, item)
    return found


def _entries(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [e for e in doc["releases"] if isinstance(e, dict)]


def _revision(entry: Mapping[str, Any]) -> int:
    value = entry.get("revision")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def add_files(
    doc: dict[str, Any],
    root: Path,
    files: Sequence[NewFile],
    ingested: Collection[str],
    *,
    published_at: str,
    provisional: bool,
) -> list[Change]:
    """Merge `files` into `doc` (in place). `ingested`: release ids in the writer's record."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    changes = []
    listed = listed_files(doc)
    for new in files:
        entry = file_entry(root, new)
        seen = listed.get(entry["path"])
        if seen is not None:
            release, item = seen
            if (release.get("dataset"), release.get("period")) != (new.dataset, new.period):
                raise CatalogBuildError(
                    f"{entry['path']} is listed in {release.get('release_id')} as "
                    f"{release.get('dataset')} {release.get('period')}, not {new.dataset} "
                    f"{new.period}"
                )
            if item.get("sha256") == entry["sha256"] and item.get("bytes") == entry["bytes"]:
                changes.append(
                    Change(str(release.get("release_id")), "unchanged", (entry["path"],))
                )
                continue
        groups.setdefault((new.dataset, new.period), []).append(entry)
    for (dataset, period), entries in groups.items():
        changes.append(_merge(doc, dataset, period, entries, ingested, published_at, provisional))
    return changes


def _merge(
    doc: dict[str, Any],
    dataset: str,
    period: int,
    entries: list[dict[str, Any]],
    ingested: Collection[str],
    published_at: str,
    provisional: bool,
) -> Change:
    """Put the file entries of one dataset and period into its newest release or a new one."""
    same = [e for e in _entries(doc) if (e.get("dataset"), e.get("period")) == (dataset, period)]
    newest = max(same, key=_revision) if same else None
    paths = tuple(e["path"] for e in entries)
    if newest is not None and newest.get("release_id") not in ingested:
        by_path = {f.get("path"): f for f in newest.get("files") or [] if isinstance(f, dict)}
        newest["files"] = list({**by_path, **{e["path"]: e for e in entries}}.values())
        if provisional:
            newest["provisional"] = True
        return Change(str(newest.get("release_id")), "updated", paths)
    revision = _revision(newest) + 1 if newest is not None else 1
    release_id = f"{dataset}-{period}-r{revision}"
    if any(e.get("release_id") == release_id for e in _entries(doc)):
        raise CatalogBuildError(f"release id {release_id} is taken by another catalog entry")
    carried = []
    if newest is not None and dataset == "asif":
        carried = [f for f in newest.get("files") or [] if f.get("path") not in paths]
    doc["releases"].append(
        {
            "release_id": release_id,
            "dataset": dataset,
            "period": period,
            "revision": revision,
            "published_at": published_at,
            "provisional": provisional,
            "files": [*carried, *entries],
        }
    )
    if newest is None:
        return Change(release_id, "new release", paths)
    return Change(release_id, "new revision", paths, supersedes=str(newest.get("release_id")))


def check_and_write(
    root: Path, doc: Mapping[str, Any], loaded: Mapping[str, str], touched: Collection[str]
) -> list[Rejection]:
    """Validate `doc` and write it to `root/catalog.json` atomically. Raises
    CatalogBuildError when an entry in `touched` would be rejected (nothing is written);
    returns the rejections of entries it did not touch (they were bad before)."""
    _, rejections = validate_catalog(doc, loaded)
    ours = [r for r in rejections if r.raw_release_id in touched]
    if ours:
        raise CatalogBuildError(
            "the catalog would reject "
            + "; ".join(f"{r.raw_release_id}: {r.reason}: {r.detail}" for r in ours)
        )
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    target = root / CATALOG_FILE
    tmp = root / f".{CATALOG_FILE}.{uuid.uuid4().hex}.tmp"
    try:
        with tmp.open("w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CatalogError(f"cannot write {target}: {exc.strerror or exc}") from None
    return [r for r in rejections if r.raw_release_id not in touched]
