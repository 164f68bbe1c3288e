"""Size caps of catalog files (docs/catalog.md, settings CITYGVC_MAX_FILE_BYTES and
CITYGVC_MAX_RELEASE_BYTES), for directory and HTTP catalogs alike.

A release whose entry declares a file over the per-file cap, or files over the per-release cap
in all, is quarantined before anything is downloaded. Every download stops one byte past the
size the catalog declares (landing), which these caps bound: a server that sends more than it
declared, or sends no Content-Length, never gets more than the cap onto the disk."""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.ingest.catalog import Release
from orchestration.settings import Settings


@dataclass(frozen=True)
class OverCap:
    """Why a release is refused: reason code, message (naming release, file and cap), file."""

    reason: str
    message: str
    file: str | None


def over_cap(release: Release, settings: Settings) -> OverCap | None:
    """The first cap `release` breaks by its catalog sizes, or None."""
    name = f"release {release.release_id}"
    for file in release.files:
        if file.bytes > settings.max_file_bytes:
            return OverCap(
                "file_too_large",
                f"{name}: {file.path} is {file.bytes:,} bytes by the catalog, over the cap of "
                f"{settings.max_file_bytes:,} bytes per file (CITYGVC_MAX_FILE_BYTES); "
                "not downloaded",
                file.path,
            )
    total = sum(file.bytes for file in release.files)
    if total > settings.max_release_bytes:
        largest = max(release.files, key=lambda file: file.bytes)
        return OverCap(
            "release_too_large",
            f"{name}: its {len(release.files)} files are {total:,} bytes by the catalog "
            f"(largest {largest.path}), over the cap of {settings.max_release_bytes:,} bytes "
            "per release (CITYGVC_MAX_RELEASE_BYTES); not downloaded",
            None,
        )
    return None
