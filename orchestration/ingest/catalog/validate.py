"""Catalog validation (docs/catalog.md): the whole-document rules, then each entry into a
`Release` or a `Rejection`, so one bad entry never stops the others."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from orchestration.ingest.catalog.model import (
    CATALOG_VERSION,
    CITY_CODE_RE,
    DATASETS,
    FORMATS,
    MAX_PERIOD,
    MIN_PERIOD,
    RELEASE_ID_RE,
    SHA256_RE,
    CatalogError,
    EntryInvalid,
    Rejection,
    Release,
    ReleaseFile,
)

# Validation ------------------------------------------------------------------------------


def check_relative_path(path: object) -> str:
    """Return `path` when it is a plain relative path that stays inside the catalog root.

    Rejects absolute paths, `..` and `.` segments, empty segments, backslashes (Windows
    separators that would escape on some servers), drive letters and URL schemes (`:`),
    percent-encoding (decoded by HTTP servers into `..` or `/`) and control characters."""
    if not isinstance(path, str) or not path:
        raise EntryInvalid("invalid_field", f"file path must be a non-empty string, got {path!r}")
    problem = None
    if path.startswith("/"):
        problem = "absolute path"
    elif "\\" in path:
        problem = "backslash in path"
    elif ":" in path:
        problem = "drive letter or URL scheme in path"
    elif "%" in path:
        problem = "percent-encoding in path"
    elif any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
        problem = "control character in path"
    elif any(seg in {"", ".", ".."} for seg in path.split("/")):
        problem = "'.', '..' or empty segment in path"
    if problem:
        raise EntryInvalid("path_outside_root", f"{problem}: {path!r}")
    return path


def _require(entry: Mapping[str, Any], key: str) -> Any:
    if key not in entry or entry[key] is None:
        raise EntryInvalid("missing_field", f"missing field {key!r}")
    return entry[key]


def _int_field(entry: Mapping[str, Any], key: str, low: int, high: int) -> int:
    value = _require(entry, key)
    # bool is an int in Python; `true` is not a period.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise EntryInvalid(
            "invalid_field", f"{key} must be an integer in {low}..{high}, got {value!r}"
        )
    return value


def _parse_file(raw: object, dataset: str, index: int) -> ReleaseFile:
    if not isinstance(raw, Mapping):
        raise EntryInvalid("invalid_field", f"files[{index}] is not an object")
    path = check_relative_path(_require(raw, "path"))
    fmt = _require(raw, "format")
    if fmt not in FORMATS:
        raise EntryInvalid("unsupported_format", f"{path}: format {fmt!r} not in {sorted(FORMATS)}")
    sha = _require(raw, "sha256")
    if not isinstance(sha, str) or not SHA256_RE.match(sha):
        raise EntryInvalid("invalid_field", f"{path}: sha256 must be 64 hex digits")
    size = _int_field(raw, "bytes", 0, 2**62)
    city_code = None
    if dataset == "fdi_city":
        city_code = raw.get("city_code")
        if city_code is None:
            raise EntryInvalid("missing_field", f"{path}: fdi_city file needs 'city_code'")
        if not isinstance(city_code, str) or not CITY_CODE_RE.match(city_code):
            raise EntryInvalid(
                "invalid_city_code", f"{path}: city_code must be 6 digits, got {city_code!r}"
            )
    return ReleaseFile(path=path, format=fmt, sha256=sha.lower(), bytes=size, city_code=city_code)


def parse_entry(entry: object) -> Release:
    """Validate one catalog entry; raises `EntryInvalid` with a reason code."""
    if not isinstance(entry, Mapping):
        raise EntryInvalid("invalid_entry", f"release entry is not an object: {entry!r:.80}")
    release_id = _require(entry, "release_id")
    if not isinstance(release_id, str) or not RELEASE_ID_RE.match(release_id):
        raise EntryInvalid(
            "invalid_release_id",
            f"release_id {release_id!r:.80} does not match {RELEASE_ID_RE.pattern}",
        )
    dataset = _require(entry, "dataset")
    if dataset not in DATASETS:
        raise EntryInvalid("unknown_dataset", f"dataset {dataset!r:.80} not in {sorted(DATASETS)}")
    period = _int_field(entry, "period", MIN_PERIOD, MAX_PERIOD)
    revision = _int_field(entry, "revision", 0, 10_000)
    published_at = entry.get("published_at")
    if published_at is not None:
        try:
            date.fromisoformat(published_at)
        except (TypeError, ValueError):
            raise EntryInvalid(
                "invalid_field", f"published_at must be an ISO date, got {published_at!r:.40}"
            ) from None
    provisional = entry.get("provisional", False)
    if not isinstance(provisional, bool):
        raise EntryInvalid("invalid_field", f"provisional must be true/false, got {provisional!r}")
    notes = entry.get("notes") or ""
    if not isinstance(notes, str):
        raise EntryInvalid("invalid_field", "notes must be a string")
    raw_files = _require(entry, "files")
    if not isinstance(raw_files, list) or not raw_files:
        raise EntryInvalid("invalid_field", "files must be a non-empty list")
    files = tuple(_parse_file(raw, dataset, i) for i, raw in enumerate(raw_files))
    # Landing keeps files by base name (landing/<dataset>/<period>/<release_id>/<name>).
    names = [f.path.rsplit("/", 1)[-1] for f in files]
    if len(set(names)) != len(names):
        raise EntryInvalid("invalid_field", f"two files share a file name: {sorted(names)}")
    return Release(
        release_id=release_id,
        dataset=dataset,
        period=period,
        revision=revision,
        published_at=published_at,
        provisional=provisional,
        files=files,
        notes=notes,
    )


def _raw_id(entry: object) -> str | None:
    if isinstance(entry, Mapping) and entry.get("release_id") is not None:
        return str(entry["release_id"])
    return None


def _resolve(
    release_id: str,
    copies: list[tuple[Release, Mapping[str, Any]]],
    loaded: Mapping[str, str],
) -> tuple[Release | None, list[Rejection]]:
    """The release kept for an id listed once or more, and the rejected copies."""
    distinct = list({r.entry_json(): (r, e) for r, e in copies}.values())
    if release_id not in loaded:
        if len(distinct) == 1:
            return distinct[0][0], []
        detail = f"listed {len(copies)} times with different content"
        return None, [Rejection(release_id, "duplicate_release_id", detail, e) for _, e in distinct]
    keep = [r for r, _ in distinct if r.content_sha256 == loaded[release_id]]
    if keep:
        return keep[0], [
            Rejection(
                release_id,
                "duplicate_release_id",
                "listed again with different content; the loaded release stays",
                e,
            )
            for r, e in distinct
            if r is not keep[0]
        ]
    return None, [
        Rejection(
            release_id,
            "release_mutated",
            f"files changed after the release was loaded (loaded sha256 "
            f"{loaded[release_id][:12]}, catalog {r.content_sha256[:12]}); "
            "corrections must come as a new revision",
            e,
        )
        for r, e in distinct
    ]


def validate_catalog(
    doc: Mapping[str, Any], loaded: Mapping[str, str] | None = None
) -> tuple[list[Release], list[Rejection]]:
    """Validate every entry of a parsed catalog (docs/catalog.md).

    `loaded` maps release ids already loaded in the warehouse to their `content_sha256`:
    - an id listed twice with identical entries is one release;
    - an id listed twice with different entries rejects every copy (`duplicate_release_id`)
      unless one copy matches the loaded release, which then stays;
    - a loaded id whose files changed is rejected as `release_mutated`.
    Releases come back in catalog order (first occurrence)."""
    loaded = loaded or {}
    check_catalog_doc(doc, "catalog")

    rejections: list[Rejection] = []
    by_id: dict[str, list[tuple[Release, Mapping[str, Any]]]] = {}
    for entry in doc["releases"]:
        try:
            release = parse_entry(entry)
        except EntryInvalid as exc:
            raw = entry if isinstance(entry, Mapping) else None
            rejections.append(Rejection(_raw_id(entry), exc.reason, exc.detail, raw))
            continue
        by_id.setdefault(release.release_id, []).append((release, entry))

    releases: list[Release] = []
    for release_id, copies in by_id.items():
        kept, rejected = _resolve(release_id, copies, loaded)
        if kept is not None:
            releases.append(kept)
        rejections.extend(rejected)
    return releases, rejections


# The catalog document ---------------------------------------------------------------------


def parse_catalog_bytes(data: bytes, where: str) -> dict[str, Any]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError(f"{where}: invalid JSON: {exc}") from None
    check_catalog_doc(doc, where)
    return doc


def check_catalog_doc(doc: object, where: str) -> None:
    """Whole-catalog rules: a JSON object, `catalog_version` 1, a `releases` list."""
    if not isinstance(doc, Mapping):
        raise CatalogError(f"{where}: catalog must be a JSON object")
    version = doc.get("catalog_version")
    # `true == 1` in Python; a boolean version is not version 1.
    if isinstance(version, bool) or version != CATALOG_VERSION:
        raise CatalogError(
            f"{where}: unsupported catalog_version {version!r} (expected {CATALOG_VERSION})"
        )
    if not isinstance(doc.get("releases"), list):
        raise CatalogError(f"{where}: 'releases' must be a list")
