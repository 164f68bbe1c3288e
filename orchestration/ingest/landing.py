"""Verify a release's files against the catalog and land them write-once (docs/catalog.md).

Every file is downloaded to a temporary file under `landing/.incoming/`, checked for size and
then sha256, and only when all files of the release pass are they moved (fsync, rename) to
`landing/<dataset>/<period>/<release_id>/<name>`, read-only. Landed files are never modified
or deleted; a file already landed with the catalog's sha256 is reused. A failure puts the
offending file and `reason.json` under `quarantine/<release_id>/` and lands nothing.

Raw data is licensed: every folder is created 0700 and every file owner-only.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.ingest.catalog import (
    CatalogSource,
    FetchError,
    Release,
    ReleaseFile,
    file_sha256,
)
from orchestration.settings import Settings

DIR_MODE = 0o700
LANDED_FILE_MODE = 0o400
PRIVATE_FILE_MODE = 0o600
INCOMING = ".incoming"


@dataclass(frozen=True)
class LandedFile:
    file: ReleaseFile
    path: Path
    reused: bool


@dataclass(frozen=True)
class LandedRelease:
    release: Release
    files: tuple[LandedFile, ...]


@dataclass(frozen=True)
class Quarantined:
    release: Release
    reason: str
    message: str
    file: str | None
    directory: Path


def _private_dir(path: Path) -> None:
    """Create `path` (and missing parents) owner-only."""
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        folder.chmod(DIR_MODE)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path, mode: int) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    path.chmod(mode)


def landing_path(settings: Settings, release: Release, file: ReleaseFile) -> Path:
    name = file.path.rsplit("/", 1)[-1]
    return settings.landing_dir / release.dataset / str(release.period) / release.release_id / name


def quarantine_release(
    settings: Settings,
    release: Release,
    reason: str,
    message: str,
    file: str | None = None,
    column: str | None = None,
    row: int | None = None,
    details: list[dict[str, Any]] | None = None,
) -> Path:
    """Write `quarantine/<release_id>/reason.json` (replacing an earlier attempt's) and return
    the folder. Used by verification here and by the read and check stages of ingest."""
    folder = settings.quarantine_dir / release.release_id
    _private_dir(folder)
    record = {
        "release_id": release.release_id,
        "dataset": release.dataset,
        "period": release.period,
        "revision": release.revision,
        "file": file,
        "column": column,
        "row": row,
        "reason": reason,
        "message": message,
        "details": details or [],
        "quarantined_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    tmp = folder / f".reason-{uuid.uuid4().hex}.json"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(record, out, ensure_ascii=False, indent=2)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, folder / "reason.json")
    _fsync_dir(folder)
    return folder


def _quarantine_file(settings: Settings, release: Release, temp: Path, file: ReleaseFile) -> None:
    """Keep the bad download next to reason.json for inspection (owner-only, read-only)."""
    folder = settings.quarantine_dir / release.release_id
    _private_dir(folder)
    target = folder / file.path.rsplit("/", 1)[-1]
    if target.exists():
        target.chmod(PRIVATE_FILE_MODE)
    shutil.move(temp, target)
    target.chmod(LANDED_FILE_MODE)


def _clear_stale_incoming(incoming: Path, release_id: str) -> None:
    """Remove temporary downloads of this release left by a killed process."""
    for stale in incoming.glob(f"{release_id}.*"):
        shutil.rmtree(stale, ignore_errors=True)


def _verify(temp: Path, file: ReleaseFile) -> tuple[str, str] | None:
    size = temp.stat().st_size
    if size != file.bytes:
        # Downloads stop one byte past the catalog size, so "larger" is all we know.
        actual = f"more than {file.bytes} bytes" if size > file.bytes else f"{size} bytes"
        return "size_mismatch", f"{file.path}: catalog says {file.bytes} bytes, got {actual}"
    sha = file_sha256(temp)
    if sha != file.sha256:
        return "sha256_mismatch", f"{file.path}: catalog sha256 {file.sha256}, file has {sha}"
    return None


def verify_and_land(
    source: CatalogSource, release: Release, settings: Settings
) -> LandedRelease | Quarantined:
    """Fetch, verify and land every file of `release`, all or nothing.

    Raises CatalogError when the source is unreachable (the refresh stops with exit 2 and
    the release stays new); everything specific to this release quarantines it."""
    _private_dir(settings.landing_dir)
    incoming = settings.landing_dir / INCOMING
    _private_dir(incoming)
    _clear_stale_incoming(incoming, release.release_id)
    work = incoming / f"{release.release_id}.{uuid.uuid4().hex}"
    work.mkdir(mode=DIR_MODE)
    try:
        return _verify_and_land(source, release, settings, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _fail(
    settings: Settings,
    release: Release,
    reason: str,
    message: str,
    file: ReleaseFile | None,
    temp: Path | None = None,
) -> Quarantined:
    if temp is not None and file is not None and temp.exists():
        _quarantine_file(settings, release, temp, file)
    message = f"release {release.release_id}: {message}"
    folder = quarantine_release(
        settings, release, reason, message, file=file.path if file is not None else None
    )
    return Quarantined(release, reason, message, file.path if file else None, folder)


def _verify_and_land(
    source: CatalogSource, release: Release, settings: Settings, work: Path
) -> LandedRelease | Quarantined:
    staged: list[tuple[ReleaseFile, Path, Path | None]] = []  # file, target, temp (None=reuse)
    for index, file in enumerate(release.files):
        target = landing_path(settings, release, file)
        if target.exists():
            landed_sha = file_sha256(target)
            if landed_sha != file.sha256 or target.stat().st_size != file.bytes:
                return _fail(
                    settings,
                    release,
                    "landing_conflict",
                    f"{file.path}: already landed at {target} with sha256 {landed_sha}, "
                    f"the catalog now says {file.sha256}; landed files are never replaced",
                    file,
                )
            staged.append((file, target, None))
            continue
        temp = work / f"{index}.part"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        os.close(fd)
        try:
            source.fetch_file(file.path, temp, max_bytes=file.bytes)
        except FetchError as exc:
            return _fail(settings, release, "file_unavailable", str(exc), file)
        problem = _verify(temp, file)
        if problem is not None:
            return _fail(settings, release, problem[0], problem[1], file, temp)
        staged.append((file, target, temp))

    landed = []
    for file, target, temp in staged:
        if temp is not None:
            _private_dir(target.parent)
            _fsync_file(temp, LANDED_FILE_MODE)
            os.replace(temp, target)
            _fsync_dir(target.parent)
        landed.append(LandedFile(file=file, path=target, reused=temp is None))
    return LandedRelease(release=release, files=tuple(landed))
