"""Catalog records (docs/catalog.md): a validated `Release` with its `ReleaseFile`s, a `Rejection`
of one bad entry, and the errors a catalog or a listed file can raise."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CATALOG_FILE = "catalog.json"
CATALOG_VERSION = 1
RELEASE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DATASETS = frozenset({"asif", "fdi_city"})
FORMATS = frozenset({"dta", "csv", "parquet", "xlsx", "xls"})
SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")
CITY_CODE_RE = re.compile(r"^\d{6}$")
# Catalog periods outside this range are typos, not survey years.
MIN_PERIOD, MAX_PERIOD = 1949, 2100


class CatalogError(Exception):
    """The catalog as a whole is unusable: invalid JSON, an unsupported `catalog_version`, or
    the source cannot be reached. The refresh exits with status 2 and changes nothing."""


class FetchError(Exception):
    """One listed file cannot be fetched (missing, HTTP 4xx, outside the root). The release
    that lists it is quarantined; other releases proceed."""

    def __init__(self, location: str, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location


# Catalog records -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseFile:
    path: str
    format: str
    sha256: str
    bytes: int
    city_code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "path": self.path,
            "format": self.format,
            "sha256": self.sha256,
            "bytes": self.bytes,
        }
        if self.city_code is not None:
            entry["city_code"] = self.city_code
        return entry


@dataclass(frozen=True)
class Release:
    release_id: str
    dataset: str
    period: int
    revision: int
    published_at: str | None
    provisional: bool
    files: tuple[ReleaseFile, ...]
    notes: str = ""

    @property
    def content_sha256(self) -> str:
        """sha256 of the sorted `path:sha256` lines, each ending in a newline (docs/marts.md
        `dim_release.sha256`): it changes exactly when the release's files change."""
        lines = sorted(f"{f.path}:{f.sha256}" for f in self.files)
        return hashlib.sha256("".join(f"{line}\n" for line in lines).encode()).hexdigest()

    @property
    def city_codes(self) -> str | None:
        """Sorted, comma-joined city codes of the files (fdi_city), None for asif."""
        codes = sorted({f.city_code for f in self.files if f.city_code is not None})
        return ",".join(codes) or None

    def entry_json(self) -> str:
        """The validated entry as canonical JSON (sorted keys, files sorted by path)."""
        entry = {
            "release_id": self.release_id,
            "dataset": self.dataset,
            "period": self.period,
            "revision": self.revision,
            "published_at": self.published_at,
            "provisional": self.provisional,
            "files": [f.as_dict() for f in sorted(self.files, key=lambda f: f.path)],
            "notes": self.notes,
        }
        return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Rejection:
    """A catalog entry that was not accepted. `reason` is a short code (see README of the
    ingest: invalid_entry, missing_field, invalid_field, invalid_release_id, unknown_dataset,
    unsupported_format, path_outside_root, invalid_city_code, duplicate_release_id,
    release_mutated); `entry` is the raw entry, kept so the warehouse record can show what it
    could parse."""

    raw_release_id: str | None
    reason: str
    detail: str
    entry: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def valid_id(self) -> bool:
        return self.raw_release_id is not None and bool(RELEASE_ID_RE.match(self.raw_release_id))


class EntryInvalid(Exception):
    """One catalog entry breaks a rule: `reason` is its Rejection reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
